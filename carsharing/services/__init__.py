"""Car-sharing writes, one module per concern; ``from carsharing import services`` and
``services.X`` keep working through the names re-exported here.

- ``memberships``: apply, decide, who may book
- ``reservations``: quote, create, confirm, cancel, extend, check in/out, settle, the tick
- ``billing``: payment records, Stripe calls after commit, card setup, refunds, reconciliation
- ``webhooks``: Stripe events, verified and processed once
- ``base_load``: official trips as base load, released hours
- ``fleet``: vehicle edits and defect reports
- ``_shared``: the lock order, window rules and the transition check they all use

Every service loads and locks what it changes (the vehicle row first, then the reservation,
always in that order), applies the pure rules in ``domain/``, and saves. The PostgreSQL
exclusion constraint is the last word on overlaps; on SQLite the IMMEDIATE write
transactions serialise writers. ``now`` parameters exist for tests and periodic jobs; they
default to the current time.
"""

from ._shared import lock_reservation, tariff_terms, window_rules
from .base_load import base_load_block_add, base_load_block_create, base_load_materialise, reservation_release
from .billing import (
    payment_method_save,
    payment_setup_start,
    payment_sync_from_intent,
    payments_execute,
    payments_reconcile,
    reservation_refund,
)
from .fleet import (
    station_create,
    tariff_set,
    vehicle_create,
    vehicle_defect_report,
    vehicle_type_create,
    vehicle_update,
)
from .memberships import membership_apply, membership_decide
from .reservations import (
    quote,
    reservation_cancel,
    reservation_check_in,
    reservation_check_out,
    reservation_confirm,
    reservation_create,
    reservation_extend,
    reservation_settle,
    reservations_tick,
)
from .webhooks import webhook_receive

__all__ = [
    "base_load_block_add",
    "base_load_block_create",
    "base_load_materialise",
    "lock_reservation",
    "membership_apply",
    "membership_decide",
    "payment_method_save",
    "payment_setup_start",
    "payment_sync_from_intent",
    "payments_execute",
    "payments_reconcile",
    "quote",
    "reservation_cancel",
    "reservation_check_in",
    "reservation_check_out",
    "reservation_confirm",
    "reservation_create",
    "reservation_extend",
    "reservation_refund",
    "reservation_release",
    "reservation_settle",
    "reservations_tick",
    "station_create",
    "tariff_set",
    "tariff_terms",
    "vehicle_create",
    "vehicle_defect_report",
    "vehicle_type_create",
    "vehicle_update",
    "webhook_receive",
    "window_rules",
]
