"""Where a point or a polygon lies: inside Vietnam, and whether a GeoJSON polygon is sound."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

_OUTLINE = Path(__file__).parent / "data" / "vietnam.geojson"


class GeometryError(ValueError):
    """A boundary that is not a sound GeoJSON polygon; the message says why, in English."""


@cache
def _vietnam():
    outline = shape(json.loads(_OUTLINE.read_text()))
    return outline.buffer(settings.TRACE_BORDER_TOLERANCE_DEGREES)


def point_in_vietnam(latitude: float, longitude: float) -> bool:
    return _vietnam().covers(Point(float(longitude), float(latitude)))


def check_polygon(geojson) -> None:
    """Raise ``GeometryError`` unless ``geojson`` is a valid, closed Polygon inside Vietnam.

    Shapely closes open rings silently, so closure is checked on the raw coordinates first.
    """
    if not isinstance(geojson, dict) or geojson.get("type") != "Polygon":
        raise GeometryError("not a GeoJSON Polygon")
    rings = geojson.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise GeometryError("no rings")
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeometryError("a ring needs at least four positions")
        if any(
            not isinstance(position, list)
            or len(position) not in (2, 3)
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position)
            for position in ring
        ):
            raise GeometryError("a position is not [longitude, latitude]")
        if ring[0] != ring[-1]:
            raise GeometryError("a ring is not closed")
    polygon = shape(geojson)
    if not polygon.is_valid:
        raise GeometryError(explain_validity(polygon))
    if not _vietnam().covers(polygon):
        raise GeometryError("outside Vietnam")
