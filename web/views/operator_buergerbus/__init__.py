"""The Bürgerbus editor in the operator console: stops (shown on the map), booking rules,
lines, trips with weekdays, validity and exception dates; the result previewed as the
departures residents will see, and exported as GTFS.

Every write goes through the Bürgerbus services of ``gtfs.services`` (the same ones the
API's editor uses); a refused step shows the service's error as a German sentence next to
the field it concerns. One module per concern: ``stops``, ``rules``, ``lines``, ``trips``,
``overview`` (the editor page, the preview and the export), ``deleting``; ``common`` holds
what they share. ``web/urls_operator.py`` reaches every view through this package.
"""

from .deleting import line_delete, rule_delete, stop_delete, trip_delete
from .lines import line_create, line_edit
from .overview import editor, export, preview
from .rules import rule_create, rule_edit
from .stops import position_hint, stop_create, stop_edit, stop_hint
from .trips import trip_create, trip_edit

__all__ = [
    "editor",
    "export",
    "line_create",
    "line_delete",
    "line_edit",
    "position_hint",
    "preview",
    "rule_create",
    "rule_delete",
    "rule_edit",
    "stop_create",
    "stop_delete",
    "stop_edit",
    "stop_hint",
    "trip_create",
    "trip_delete",
    "trip_edit",
]
