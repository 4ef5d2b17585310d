"""``{% webmap %}``: the map component (see ``web/static/web/js/map.js``) in any template.

    {% load webmap %}
    {% webmap "stationskarte" layers="roads stops stations" label=_("Karte der Stationen") %}
    {% webmap "wegkarte" layers="roads stops" label=_("Ihr Weg") journey=option.geojson %}

The page also needs ``{% include "web/map/_map_assets_head.html" %}`` in ``extra_head`` and
``{% include "web/map/_map_assets_scripts.html" %}`` in ``extra_scripts``. A tile layer is
added only when the operator set ``MAP_TILE_URL``.
"""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("web/map/_map.html")
def webmap(map_id: str, *, layers: str = "roads stops", label: str = "", journey: str = "", focus: str = "") -> dict:
    return {
        "map_id": map_id,
        "layers": layers,
        "map_label": label,
        "journey_geojson": journey,
        "focus": focus,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
