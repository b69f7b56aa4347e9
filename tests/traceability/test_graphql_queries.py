"""Traceability read through /graphql/: lots, codes, audits and ``product.origin``."""

from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories import ProductFactory
from tests.traceability.graphql_world import INTERNAL_NOTE, build_world
from traceability.events import INTERNAL_NOTE as NOTE_KEY
from traceability.models import Lot
from traceability.services import sites

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(roles):
    return build_world(roles["seller"])


def codes(body) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


LOT = """query($code: String!) { lot(code: $code) {
  id code harvestedKg remainingKg harvestDate gtin digitalLink
  origin { verified reasons }
  product { name }
  variants { sku }
  growingArea { code status crops areaHectares gapCertificates { scheme number } }
  packingHouse { code }
  events { sequence type bizStep eventTime quantityKg internalNote document hash previousHash
           site { __typename code } }
} }"""


def test_a_buyer_reads_a_lots_trace_without_internal_notes(graphql, world):
    status, body = graphql(LOT, {"code": "NT25-G0001"})

    assert status == 200
    assert "errors" not in body, body
    lot = body["data"]["lot"]
    assert lot["harvestedKg"] == "120.500"
    assert lot["remainingKg"] == "120.500"
    assert lot["origin"] == {"verified": True, "reasons": []}
    assert lot["digitalLink"].endswith("/lots/NT25-G0001")
    assert lot["variants"] == [{"sku": world.variant.sku}]
    assert lot["growingArea"]["status"] == "ACTIVE"
    assert lot["growingArea"]["gapCertificates"] == [
        {"scheme": "VIETGAP", "number": "VietGAP-TT-25-01"}
    ]
    planting, harvest = lot["events"]
    assert planting["sequence"] == 1
    assert planting["internalNote"] is None
    assert NOTE_KEY not in planting["document"]
    assert harvest["quantityKg"] == "120.500"
    assert harvest["previousHash"] == planting["hash"]
    assert harvest["site"] == {"__typename": "GrowingArea", "code": world.area.code}


def test_a_lot_past_best_before_is_expired_before_the_daily_refresh_runs(graphql, world):
    # The stored reasons wait for the daily task; the date itself is read at once.
    Lot.objects.filter(code="NT25-G0001").update(
        best_before=timezone.localdate() - timedelta(days=1)
    )

    _, body = graphql(LOT, {"code": "NT25-G0001"})

    assert body["data"]["lot"]["origin"] == {"verified": False, "reasons": ["EXPIRED"]}


@pytest.mark.parametrize("role", ["own_staff", "auditor", "operator"])
def test_staff_auditors_and_operators_read_the_internal_note(
    graphql, auth_headers, roles, world, role
):
    _, body = graphql(LOT, {"code": "NT25-G0001"}, **auth_headers(roles[role]))

    planting = body["data"]["lot"]["events"][0]
    assert planting["internalNote"] == INTERNAL_NOTE
    assert NOTE_KEY in planting["document"]


def test_another_sellers_staff_do_not_read_the_internal_note(graphql, auth_headers, roles, world):
    _, body = graphql(LOT, {"code": "NT25-G0001"}, **auth_headers(roles["other_staff"]))

    assert body["data"]["lot"]["events"][0]["internalNote"] is None


def test_a_lot_of_a_draft_product_is_hidden_from_buyers(graphql, auth_headers, roles, world):
    world.product.is_published = False
    world.product.save()

    _, public = graphql(LOT, {"code": "NT25-G0001"}, **auth_headers(roles["buyer"]))
    _, own = graphql(LOT, {"code": "NT25-G0001"}, **auth_headers(roles["own_staff"]))

    assert public["data"]["lot"] is None
    assert own["data"]["lot"]["code"] == "NT25-G0001"


def test_lot_wants_exactly_one_of_id_or_code(graphql, world):
    _, body = graphql("{ lot { code } }")
    assert codes(body) == ["INVALID"]


def test_node_answers_the_right_site_type(graphql, world):
    query = """query($a: ID!, $h: ID!) {
      a: node(id: $a) { __typename ... on CodedSite { code } }
      h: node(id: $h) { __typename ... on CodedSite { code } }
      wrong: growingArea(id: $h) { code } }"""
    area = to_global_id("GrowingArea", world.area.pk)
    house = to_global_id("PackingHouse", world.house.pk)

    _, body = graphql(query, {"a": area, "h": house})

    assert body["data"]["a"] == {"__typename": "GrowingArea", "code": world.area.code}
    assert body["data"]["h"] == {"__typename": "PackingHouse", "code": world.house.code}
    assert codes(body) == ["INVALID_ID"]


def test_a_packing_house_id_of_a_growing_area_finds_nothing(graphql, auth_headers, roles, world):
    forged = to_global_id("PackingHouse", world.area.pk)
    _, body = graphql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": forged},
        **auth_headers(roles["operator"]),
    )
    assert body["data"]["node"] is None


HISTORY = """query($code: String!) { growingArea(code: $code) {
  code statusHistory { fromStatus toStatus reason changedBy { email } } } }"""


def test_the_status_history_is_for_staff_auditors_and_operators(
    graphql, auth_headers, roles, world
):
    sites.site_suspend(by=roles["auditor"], site_id=world.area.pk, reason="Dư lượng vượt mức.")

    _, public = graphql(HISTORY, {"code": world.area.code})
    _, staff = graphql(HISTORY, {"code": world.area.code}, **auth_headers(roles["own_staff"]))
    _, auditor = graphql(HISTORY, {"code": world.area.code}, **auth_headers(roles["auditor"]))

    assert public["data"]["growingArea"]["statusHistory"] is None
    assert codes(public) == ["PERMISSION_DENIED"]
    assert staff["data"]["growingArea"]["statusHistory"][-1] == {
        "fromStatus": "ACTIVE",
        "toStatus": "SUSPENDED",
        "reason": "Dư lượng vượt mức.",
        "changedBy": None,
    }
    last = auditor["data"]["growingArea"]["statusHistory"][-1]
    assert last["changedBy"] == {"email": roles["auditor"].email}


def test_growing_areas_list_filters_by_status_and_seller(graphql, auth_headers, roles, world):
    query = """query($filter: SiteFilterInput) {
      growingAreas(first: 10, filter: $filter) { totalCount edges { node { code status } } } }"""
    seller = to_global_id("Seller", roles["seller"].pk)

    _, everything = graphql(query, {"filter": {"seller": seller}}, **auth_headers(roles["auditor"]))
    _, pending = graphql(
        query, {"filter": {"status": "PENDING"}}, **auth_headers(roles["own_staff"])
    )
    _, public = graphql(query)

    assert everything["data"]["growingAreas"]["totalCount"] == 4
    assert [e["node"]["code"] for e in pending["data"]["growingAreas"]["edges"]] == [
        world.pending_area.code
    ]
    # Buyers see the codes a visible lot names, not the register.
    assert [e["node"]["code"] for e in public["data"]["growingAreas"]["edges"]] == [world.area.code]


def test_lots_list_filters_and_pages_with_cursors(graphql, world):
    query = """query($filter: LotFilterInput, $after: String) {
      lots(first: 1, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }"""
    area = to_global_id("GrowingArea", world.area.pk)

    _, verified = graphql(query, {"filter": {"verified": True, "growingArea": area}})
    _, unverified = graphql(query, {"filter": {"verified": False}})
    _, bad = graphql(query, {"after": "not-a-cursor"})

    assert verified["data"]["lots"]["totalCount"] == 1
    assert verified["data"]["lots"]["edges"][0]["node"]["code"] == "NT25-G0001"
    assert unverified["data"]["lots"]["totalCount"] == 0
    assert codes(bad) == ["INVALID_PAGINATION"]


AUDIT_LOG = "{ auditLog(first: 5) { totalCount edges { node { action reason site { code } } } } }"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", "AUTHENTICATION_REQUIRED"),
        ("buyer", "PERMISSION_DENIED"),
        ("own_owner", "PERMISSION_DENIED"),
    ],
)
def test_the_audit_log_is_refused_to_everyone_but_auditors_and_operators(
    graphql, auth_headers, roles, world, role, expected
):
    _, body = graphql(AUDIT_LOG, **auth_headers(roles[role]))
    assert body["data"]["auditLog"] is None
    assert codes(body) == [expected]


@pytest.mark.parametrize("role", ["auditor", "operator"])
def test_auditors_and_operators_read_the_audit_log(graphql, auth_headers, roles, world, role):
    _, body = graphql(AUDIT_LOG, **auth_headers(roles[role]))
    log = body["data"]["auditLog"]
    assert log["totalCount"] == 1
    assert log["edges"][0]["node"]["action"] == "INSPECTION_RECORD"


def test_violations_are_listed_to_the_sellers_staff_and_auditors_only(
    graphql, auth_headers, roles, world
):
    query = """{ violations(first: 5) { totalCount edges { node {
      kind status site { code } inspection { result } } } } }"""

    _, buyer = graphql(query, **auth_headers(roles["buyer"]))
    _, staff = graphql(query, **auth_headers(roles["own_staff"]))
    _, other = graphql(query, **auth_headers(roles["other_staff"]))

    assert buyer["data"]["violations"]["totalCount"] == 0
    assert other["data"]["violations"]["totalCount"] == 0
    (edge,) = staff["data"]["violations"]["edges"]
    assert edge["node"] == {
        "kind": "FAILED_INSPECTION",
        "status": "OPEN",
        "site": {"code": world.failed_area.code},
        "inspection": {"result": "FAILED"},
    }


ORIGIN = """query($id: ID!) { product(id: $id) { origin {
  verified reasons lots(first: 5) { totalCount edges { node { code origin { reasons } } } } } } }"""


def test_product_origin_follows_a_suspension_at_once(graphql, roles, world):
    product = to_global_id("Product", world.product.pk)
    _, before = graphql(ORIGIN, {"id": product})

    sites.site_suspend(by=roles["auditor"], site_id=world.area.pk, reason="Vi phạm PHI.")
    _, after = graphql(ORIGIN, {"id": product})

    assert before["data"]["product"]["origin"]["verified"] is True
    origin = after["data"]["product"]["origin"]
    assert origin["verified"] is False
    assert origin["reasons"] == ["AREA_SUSPENDED"]
    assert origin["lots"]["totalCount"] == 1
    assert origin["lots"]["edges"][0]["node"]["origin"]["reasons"] == ["AREA_SUSPENDED"]


def test_a_product_without_lots_says_so(graphql, roles):
    product = ProductFactory(seller=roles["seller"])
    _, body = graphql(ORIGIN, {"id": to_global_id("Product", product.pk)})
    assert body["data"]["product"]["origin"] == {
        "verified": False,
        "reasons": ["NO_LOT"],
        "lots": {"totalCount": 0, "edges": []},
    }


def test_product_origin_lots_page_on_with_the_ordinary_cursor(graphql, roles, world):
    from traceability.services import lots

    lots.lot_create(by=None, product_id=world.product.pk, code="NT25-G0009")
    query = """query($id: ID!, $after: String) { product(id: $id) { origin {
      lots(first: 1, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } } } }"""
    product = to_global_id("Product", world.product.pk)

    _, first = graphql(query, {"id": product})
    page = first["data"]["product"]["origin"]["lots"]
    _, second = graphql(query, {"id": product, "after": page["pageInfo"]["endCursor"]})

    assert page["totalCount"] == 2
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][0]["node"]["code"] == "NT25-G0009"
    rest = second["data"]["product"]["origin"]["lots"]
    assert [e["node"]["code"] for e in rest["edges"]] == ["NT25-G0001"]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_a_trace_event_is_found_by_id_without_its_note(graphql, world):
    planting = world.lot.events.order_by("sequence").first()
    query = """query($id: ID!) { node(id: $id) { ... on TraceEvent {
      sequence internalNote declaredErroneous } } }"""

    _, body = graphql(query, {"id": to_global_id("TraceEvent", planting.pk)})

    assert body["data"]["node"] == {
        "sequence": 1,
        "internalNote": None,
        "declaredErroneous": False,
    }
