"""The "only women" options of ride-sharing (pure; no Django).

A rider may ask for women drivers only, a driver may offer a ride to women riders only. Both
rest on one self-declared profile attribute (``User.declares_woman``): nothing is verified,
nothing else about gender is stored, and the person can clear it at any time.
"""

from __future__ import annotations


def women_only_compatible(
    *,
    offer_women_riders_only: bool,
    request_women_drivers_only: bool,
    rider_declares_woman: bool,
    driver_declares_woman: bool,
) -> bool:
    """Whether a rider may ride with a driver under both sides' "only women" choices."""
    rider_refused = offer_women_riders_only and not rider_declares_woman
    driver_refused = request_women_drivers_only and not driver_declares_woman
    return not (rider_refused or driver_refused)
