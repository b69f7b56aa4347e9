"""URLs of traceability, included at ``/trace/`` by ``market/urls.py``."""

from django.urls import path

from traceability import export_views, resolver
from traceability.exports import TABLES

urlpatterns = [
    path("exports/areas.geojson", export_views.areas_geojson, name="trace-export-areas-geojson"),
    path("lots/<path:code>/qr.png", resolver.lot_qr_png, name="trace-lot-qr-png"),
    path("lots/<path:code>/qr.svg", resolver.lot_qr_svg, name="trace-lot-qr-svg"),
    path("lots/<path:code>/labels.pdf", resolver.lot_labels_pdf, name="trace-lot-labels-pdf"),
]
for _table in TABLES:
    urlpatterns += [
        path(
            f"exports/{_table}.csv",
            export_views.table_csv,
            {"table": _table},
            name=f"trace-export-{_table}-csv",
        ),
        path(
            f"exports/{_table}.xlsx",
            export_views.table_xlsx,
            {"table": _table},
            name=f"trace-export-{_table}-xlsx",
        ),
    ]
