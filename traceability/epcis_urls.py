"""URLs of EPCIS 2.0 over HTTP, included at ``/epcis/`` by ``market/urls.py``."""

from django.urls import path

from traceability import epcis_views

urlpatterns = [
    path("lots/<path:code>", epcis_views.lot_document, name="epcis-lot-document"),
    path("events", epcis_views.events_query, name="epcis-events"),
    path("capture", epcis_views.capture, name="epcis-capture"),
]
