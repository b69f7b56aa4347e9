"""A page of lots, codes, events or products' origins costs the same queries at any size."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import GrowingAreaFactory, PackingHouseFactory, ProductFactory, VariantFactory
from traceability.services import events, lots, sites

pytestmark = pytest.mark.django_db


def _lot(seller, index: int, *, area=None, house=None, product=None):
    area = area or GrowingAreaFactory(seller=seller)
    house = house or PackingHouseFactory(seller=seller)
    product = product or ProductFactory(seller=seller)
    variant = VariantFactory(product=product)
    now = timezone.now()
    lot = lots.lot_create(
        by=None,
        product_id=product.pk,
        code=f"QC25-{index:05d}",
        growing_area_id=area.pk,
        packing_house_id=house.pk,
        variant_ids=[variant.pk],
        event_time=now - datetime.timedelta(days=10),
        internal_note="nội bộ",
    )
    events.event_record(
        by=None,
        lot_id=lot.pk,
        step="harvesting",
        event_time=now - datetime.timedelta(days=2),
        quantity_kg=Decimal("50"),
    )
    sites.gap_certificate_add(
        by=None,
        site_id=area.pk,
        scheme="vietgap",
        number=f"VG-QC-{index}",
        issuer="Trung tâm Chứng nhận",
        valid_from=timezone.localdate() - datetime.timedelta(days=10),
        valid_until=timezone.localdate() + datetime.timedelta(days=300),
    )
    return lot


def count_queries(graphql, query: str, variables: dict, headers: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(query, variables, **headers)
    assert status == 200
    assert "errors" not in body, body
    return len(queries)


LOTS = """query($first: Int!) { lots(first: $first) { totalCount edges { node {
  code harvestedKg digitalLink origin { verified reasons }
  product { name } seller { name } variants { sku }
  growingArea { code seller { name } gapCertificates { number } statusHistory { toStatus } }
  packingHouse { code }
  events { sequence internalNote site { code } declaresErrorIn { sequence } }
  inputs { quantityKg lot { code } }
} } } }"""


def test_a_page_of_lots_costs_the_same_at_any_size(graphql, auth_headers, roles):
    for index in range(6):
        _lot(roles["seller"], index)
    headers = auth_headers(roles["own_staff"])

    small = count_queries(graphql, LOTS, {"first": 2}, headers)
    large = count_queries(graphql, LOTS, {"first": 6}, headers)

    assert small == large


AREAS = """query($first: Int!) { growingAreas(first: $first) { totalCount edges { node {
  code crops seller { name } gapCertificates { number growingArea { code } }
  statusHistory { toStatus }
} } } }"""


def test_a_page_of_growing_areas_costs_the_same_at_any_size(graphql, auth_headers, roles):
    for index in range(6):
        _lot(roles["seller"], index)
    headers = auth_headers(roles["auditor"])

    small = count_queries(graphql, AREAS, {"first": 2}, headers)
    large = count_queries(graphql, AREAS, {"first": 6}, headers)

    assert small == large


EVENTS = """query($code: String!) { lot(code: $code) { events {
  sequence type bizStep quantityKg document site { __typename code } declaresErrorIn { sequence }
} } }"""


def test_a_lots_events_cost_the_same_however_many(graphql, roles):
    short = _lot(roles["seller"], 1)
    long = _lot(roles["seller"], 2)
    now = timezone.now()
    for hours in range(1, 7):
        events.event_record(
            by=None,
            lot_id=long.pk,
            step="shipping" if hours % 2 else "packing",
            event_time=now - datetime.timedelta(hours=hours),
            quantity_kg=Decimal("1"),
        )
    # Each has one correction, so both read the corrected events (one query, however many).
    for lot in (short, long):
        harvest = lot.events.get(sequence=2)
        events.event_declare_error(by=None, event_id=harvest.pk, reason="incorrect_data")

    few = count_queries(graphql, EVENTS, {"code": short.code}, {})
    many = count_queries(graphql, EVENTS, {"code": long.code}, {})

    assert few == many


PRODUCTS = """query($first: Int!) { products(first: $first) { edges { node {
  name origin { verified reasons lots(first: 3) {
    totalCount pageInfo { hasNextPage } edges { cursor node { code growingArea { code } } }
  } }
} } } }"""


def test_product_origin_on_a_page_of_products_costs_the_same_at_any_size(graphql, roles):
    area = GrowingAreaFactory(seller=roles["seller"])
    house = PackingHouseFactory(seller=roles["seller"])
    for index in range(6):
        product = ProductFactory(seller=roles["seller"])
        for number in range(2):
            _lot(roles["seller"], index * 10 + number, area=area, house=house, product=product)
    # One product whose only lot's area is suspended: its reasons are read too.
    sites.site_suspend(by=None, site_id=area.pk, reason="Kiểm tra")

    small = count_queries(graphql, PRODUCTS, {"first": 2}, {})
    large = count_queries(graphql, PRODUCTS, {"first": 6}, {})

    assert small == large
