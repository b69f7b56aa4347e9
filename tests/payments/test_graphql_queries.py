"""Payments read through /graphql/: the methods offered, ``Order.payments`` and ``node``,
shown to whoever sees the whole order and to nobody else, and a page of orders costing
the same number of queries at any size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from market.schema import schema
from tests.factories import UserFactory
from tests.orders.factories import stocked_variant
from tests.payments.graphql_world import (
    OFFERED,
    PRICE,
    SHIPPING,
    charge,
    fail,
    online_order,
    started,
)

pytestmark = pytest.mark.django_db

PAYMENT = """id gateway reference status amount { amount currency } charged { amount }
  refunded { amount } action { kind } needsReview reviewReason createdAt
  events { kind amount { amount currency } message createdAt }"""
BY_NUMBER = f"""query($number: String!) {{ order(number: $number) {{
  payments {{ {PAYMENT} }} }} }}"""
BY_TOKEN = f"""query($token: String!) {{ orderByToken(token: $token) {{
  payments {{ {PAYMENT} }} }} }}"""
NODE = """query($id: ID!) { node(id: $id) { ... on Payment { reference status } } }"""


@pytest.fixture(autouse=True)
def offered(settings):
    settings.PAYMENT_METHODS = OFFERED


def run(graphql, auth_headers, user, document, variables=None):
    status, body = graphql(document, variables or {}, **auth_headers(user))
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def retried(roles):
    """A buyer's order of ``roles['seller']``: a card attempt declined, then a VietQR
    transfer of too little (refused and flagged), then the right one."""
    buyer = UserFactory()
    order = online_order([(stocked_variant(seller=roles["seller"], price=PRICE), 1)], user=buyer)
    card = fail(started(order, gateway="stripe"))
    transfer = started(order)
    charge(transfer, amount=1_000)
    transfer = charge(transfer)
    order.refresh_from_db()
    return buyer, order, card, transfer


def test_payment_gateways_are_the_methods_offered_in_order(graphql, settings):
    settings.PAYMENT_METHODS = ["vietqr", "cod", "stripe", "nonexistent"]

    status, body = graphql("{ paymentGateways { code name online } }")

    assert status == 200
    gateways = body["data"]["paymentGateways"]
    assert [(g["code"], g["online"]) for g in gateways] == [
        ("vietqr", True),
        ("cod", False),
        ("stripe", True),
    ]
    assert all(gateway["name"] for gateway in gateways)


def test_payment_gateway_names_follow_the_language(graphql, settings):
    settings.PAYMENT_METHODS = ["cod"]

    _status, body = graphql("{ paymentGateways { name } }", HTTP_ACCEPT_LANGUAGE="en")

    assert body["data"]["paymentGateways"] == [{"name": "Cash on delivery"}]


def test_the_buyer_sees_every_attempt_newest_first_with_its_events(graphql, auth_headers, retried):
    buyer, order, card, transfer = retried

    payments = run(graphql, auth_headers, buyer, BY_NUMBER, {"number": order.number})["order"][
        "payments"
    ]

    assert [p["id"] for p in payments] == [
        to_global_id("Payment", transfer.pk),
        to_global_id("Payment", card.pk),
    ]
    newest = payments[0]
    assert newest["gateway"] == "vietqr"
    assert newest["status"] == "PAID"
    assert newest["amount"] == {"amount": PRICE + SHIPPING, "currency": "VND"}
    assert newest["charged"] == {"amount": PRICE + SHIPPING}
    assert newest["refunded"] == {"amount": 0}
    # Paid: nothing left for the buyer to do.
    assert newest["action"] is None
    # Operators' business.
    assert (newest["needsReview"], newest["reviewReason"]) == (None, None)
    # Oldest first. The too-small transfer was refused by the amount check: no event.
    assert [(e["kind"], e["amount"]) for e in newest["events"]] == [
        ("CHARGE", {"amount": PRICE + SHIPPING, "currency": "VND"})
    ]
    assert newest["events"][0]["message"].startswith(transfer.reference)
    assert payments[1]["gateway"] == "stripe"
    assert payments[1]["status"] == "FAILED"
    assert [e["kind"] for e in payments[1]["events"]] == ["FAILURE"]


def test_operators_see_what_needs_review(graphql, auth_headers, roles, retried):
    _buyer, order, _card, _transfer = retried

    payments = run(graphql, auth_headers, roles["operator"], BY_NUMBER, {"number": order.number})[
        "order"
    ]["payments"]

    assert payments[0]["needsReview"] is True
    assert payments[0]["reviewReason"] == "charge of 1000 VND for 150000 VND"
    assert payments[1]["needsReview"] is False


def test_a_guest_sees_the_payments_of_the_order_whose_token_they_hold(graphql, auth_headers):
    order = online_order(email="khach@example.vn")
    payment = started(order)

    payments = run(graphql, auth_headers, None, BY_TOKEN, {"token": str(order.token)})[
        "orderByToken"
    ]["payments"]

    assert [p["reference"] for p in payments] == [payment.reference]
    # Pending: the buyer still has the QR code to scan.
    assert payments[0]["action"] == {"kind": "qr"}


def test_a_sellers_staff_see_their_part_but_no_payment(graphql, auth_headers, roles, retried):
    _buyer, order, _card, _transfer = retried

    data = run(graphql, auth_headers, roles["own_staff"], BY_NUMBER, {"number": order.number})

    assert data["order"]["payments"] == []


@pytest.mark.parametrize("who", ["buyer", "operator", "other_buyer", "own_staff", "anonymous"])
def test_a_payment_by_id_only_for_who_sees_the_whole_order(
    graphql, auth_headers, roles, retried, who
):
    buyer, _order, _card, transfer = retried
    user = {"buyer": buyer, "other_buyer": UserFactory()}.get(who, roles.get(who))

    data = run(graphql, auth_headers, user, NODE, {"id": to_global_id("Payment", transfer.pk)})

    if who in ("buyer", "operator"):
        assert data["node"] == {"reference": transfer.reference, "status": "PAID"}
    else:
        assert data["node"] is None


def test_no_secret_nor_raw_notification_has_a_field():
    types = schema.graphql_schema.type_map
    assert set(types["TransactionEvent"].fields) == {"kind", "amount", "message", "createdAt"}
    assert set(types["Payment"].fields) == {
        "id",
        "gateway",
        "reference",
        "status",
        "amount",
        "charged",
        "refunded",
        "action",
        "events",
        "order",
        "needsReview",
        "reviewReason",
        "createdAt",
    }


ORDERS = f"""query($first: Int) {{ orders(first: $first) {{ edges {{ node {{
  number payments {{ {PAYMENT} order {{ number total {{ amount }} }} }} }} }} }} }}"""
ME_ORDERS = f"""query($first: Int) {{ me {{ orders(first: $first) {{ edges {{ node {{
  number payments {{ {PAYMENT} order {{ number }} }} }} }} }} }} }}"""


@pytest.fixture
def many(roles):
    """Six orders of one buyer, each with a failed card attempt and a paid transfer."""
    buyer = UserFactory()
    for _ in range(6):
        order = online_order([(stocked_variant(seller=roles["seller"]), 1)], user=buyer)
        fail(started(order, gateway="stripe"))
        charge(started(order))
    return buyer


def count(graphql, auth_headers, user, query, first) -> int:
    with CaptureQueriesContext(connection) as captured:
        data = run(graphql, auth_headers, user, query, {"first": first})
    edges = (data.get("orders") or data["me"]["orders"])["edges"]
    assert len(edges) == first
    assert all(len(edge["node"]["payments"]) == 2 for edge in edges)
    return len(captured.captured_queries)


def test_a_page_of_orders_with_their_payments_costs_the_same_at_two_sizes(
    graphql, auth_headers, roles, many
):
    small = count(graphql, auth_headers, roles["operator"], ORDERS, 2)
    large = count(graphql, auth_headers, roles["operator"], ORDERS, 6)

    assert small == large
    # The user, the page and its count, the payments, their events; each payment's order is
    # the one above it (primed, no query).
    assert large == 5


def test_the_buyers_orders_with_their_payments_cost_the_same_at_two_sizes(
    graphql, auth_headers, many
):
    assert count(graphql, auth_headers, many, ME_ORDERS, 2) == count(
        graphql, auth_headers, many, ME_ORDERS, 6
    )
