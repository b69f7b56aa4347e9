"""Payments mutations through /graphql/: what each answers, and every refusal typed, named as
the client sent it, and changing nothing.

Payments start with VietQR (no HTTP), VNPay (a signed URL, no HTTP), Stripe (stripe-mock)
and MoMo (the project's sandbox on a live server, or a closed port).
"""

import base64
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id
from PIL import Image

from market.orders.models import Order, OrderEvent, SellerOrder
from market.orders.services import fulfilment
from payments.models import Notification, Payment, TransactionEvent
from payments.protocols.bank_notifications import transfer_code
from tests.factories import UserFactory
from tests.orders.factories import stocked_variant
from tests.payments import momo_helpers
from tests.payments.graphql_world import (
    OFFERED,
    PRICE,
    SHIPPING,
    charge,
    delivered_cod_part,
    online_order,
    paid_order,
    started,
)

pytestmark = pytest.mark.django_db

START = """mutation($id: ID!, $gateway: String!, $token: String) {
  orderPaymentStart(id: $id, gateway: $gateway, token: $token) {
    payment {
      id gateway reference status amount { amount currency } charged { amount }
      action { kind data } events { kind } needsReview
      order { number paymentMethod total { amount } }
    }
    errors { field code message }
  }
}"""
REFUND = """mutation($id: ID!, $amount: Int, $reason: String) {
  paymentRefund(id: $id, amount: $amount, reason: $reason) {
    payment { status charged { amount } refunded { amount } events { kind amount { amount } } }
    errors { field code message }
  }
}"""
COLLECT = """mutation($id: ID!) { sellerOrderCashCollect(id: $id) {
  sellerOrder { status order { paymentStatus payments { gateway status charged { amount } } } }
  errors { field code message } } }"""


@pytest.fixture(autouse=True)
def offered(settings):
    settings.PAYMENT_METHODS = OFFERED


@pytest.fixture
def buyer(db):
    return UserFactory()


def run(graphql, auth_headers, user, document, variables, name, **headers):
    status, body = graphql(document, variables, **auth_headers(user), **headers)
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"][name]


def codes(answer) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in answer["errors"]]


def snapshot() -> dict:
    tables = (Payment, TransactionEvent, Notification, Order, SellerOrder, OrderEvent)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in tables}


def start(graphql, auth_headers, user, order, gateway="vietqr", token=None, **headers):
    variables = {"id": to_global_id("Order", order.pk), "gateway": gateway, "token": token}
    return run(graphql, auth_headers, user, START, variables, "orderPaymentStart", **headers)


# ------------------------------------------------------------------ orderPaymentStart


def test_the_buyer_starts_a_vietqr_payment_and_gets_its_qr_code(graphql, auth_headers, buyer):
    order = online_order(user=buyer)

    answer = start(graphql, auth_headers, buyer, order)

    assert answer["errors"] == []
    payment = answer["payment"]
    stored = Payment.objects.get()
    assert payment["id"] == to_global_id("Payment", stored.pk)
    assert payment["gateway"] == "vietqr"
    assert payment["reference"] == transfer_code(order.number)
    assert payment["status"] == "PENDING"
    # The order's total as the server stored it.
    assert payment["amount"] == {"amount": PRICE + SHIPPING, "currency": "VND"}
    assert payment["charged"] == {"amount": 0}
    assert payment["events"] == []
    # Only operators are told what to review.
    assert payment["needsReview"] is None
    assert payment["order"]["total"] == {"amount": PRICE + SHIPPING}
    action = payment["action"]
    assert action["kind"] == "qr"
    data = json.loads(action["data"])
    assert data["amount"] == PRICE + SHIPPING
    assert data["content"] == transfer_code(order.number)
    png = base64.b64decode(data["image"].removeprefix("data:image/png;base64,"))
    assert [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [
        data["payload"]
    ]


def test_asked_again_it_answers_the_same_attempt(graphql, auth_headers, buyer):
    order = online_order(user=buyer)
    first = start(graphql, auth_headers, buyer, order)["payment"]

    again = start(graphql, auth_headers, buyer, order)["payment"]

    assert again["id"] == first["id"]
    assert json.loads(again["action"]["data"]) == json.loads(first["action"]["data"])
    assert Payment.objects.count() == 1


def test_a_guest_pays_with_the_orders_token_and_sees_the_whole_order(graphql, auth_headers):
    order = online_order(email="khach@example.vn")

    answer = start(graphql, auth_headers, None, order, token=str(order.token))

    assert answer["errors"] == []
    assert answer["payment"]["order"]["total"] == {"amount": PRICE + SHIPPING}


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (None, "AUTHENTICATION_REQUIRED"),
        ("not-a-uuid", "PERMISSION_DENIED"),
        ("8c1f3f2e-5a57-4e3e-9a55-0f5d5b5b5b5b", "PERMISSION_DENIED"),
    ],
)
def test_a_guest_without_the_right_token_is_refused(graphql, auth_headers, token, expected):
    order = online_order(email="khach@example.vn")
    before = snapshot()

    answer = start(graphql, auth_headers, None, order, token=token)

    assert [code for _field, code in codes(answer)] == [expected]
    assert answer["payment"] is None
    assert snapshot() == before


def test_another_buyers_token_is_not_this_orders(graphql, auth_headers, buyer):
    theirs = online_order(email="khach@example.vn")
    mine = online_order(user=buyer)

    answer = start(graphql, auth_headers, None, theirs, token=str(mine.token))

    assert codes(answer) == [(None, "PERMISSION_DENIED")]
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "wrong_id",
    ["U2VsbGVyT3JkZXI6MQ==", "not an id", to_global_id("Order", "01"), to_global_id("Seller", 1)],
)
def test_an_id_that_is_no_order_is_a_typed_invalid_id(graphql, auth_headers, roles, wrong_id):
    status, body = graphql(
        START, {"id": wrong_id, "gateway": "vietqr"}, **auth_headers(roles["operator"])
    )

    assert status == 200
    answer = body["data"]["orderPaymentStart"]
    assert codes(answer) == [("id", "INVALID_ID")]


def test_a_missing_order_is_not_found_for_an_operator_and_refused_for_a_buyer(
    graphql, auth_headers, roles, buyer
):
    missing = {"id": to_global_id("Order", 987_654_321), "gateway": "vietqr"}

    as_operator = run(graphql, auth_headers, roles["operator"], START, missing, "orderPaymentStart")
    as_buyer = run(graphql, auth_headers, buyer, START, missing, "orderPaymentStart")

    assert codes(as_operator) == [("id", "NOT_FOUND")]
    # Whoever may not act on it is not told whether it exists.
    assert codes(as_buyer) == [(None, "PERMISSION_DENIED")]


def test_an_order_already_paid_is_a_typed_invalid_status(graphql, auth_headers, buyer):
    order, _payment = paid_order(user=buyer)
    before = snapshot()

    answer = start(graphql, auth_headers, buyer, order)

    assert codes(answer) == [(None, "INVALID_STATUS")]
    assert order.number in answer["errors"][0]["message"]
    assert snapshot() == before


def test_a_cash_order_is_not_paid_online(graphql, auth_headers, buyer, roles):
    order, _part = delivered_cod_part(roles["seller"], roles["own_staff"], user=buyer)

    answer = start(graphql, auth_headers, buyer, order)

    assert codes(answer) == [(None, "INVALID_STATUS")]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("gateway", ["momo", "cod", "bitcoin", ""])
def test_a_gateway_not_offered_is_refused_on_the_gateway_argument(
    graphql, auth_headers, buyer, gateway
):
    # MoMo exists but this marketplace does not offer it; cash is no online payment.
    order = online_order(user=buyer)
    before = snapshot()

    answer = start(graphql, auth_headers, buyer, order, gateway=gateway)

    assert codes(answer) == [("gateway", "INVALID")]
    assert snapshot() == before


def test_vnpay_is_given_the_buyers_address_and_no_secret_comes_back(
    graphql, auth_headers, buyer, settings
):
    settings.PAYMENT_METHODS = ["cod", "vnpay"]
    order = online_order(user=buyer, gateway="vnpay")

    status, body = graphql(
        START,
        {"id": to_global_id("Order", order.pk), "gateway": "vnpay"},
        REMOTE_ADDR="203.113.1.10",
        **auth_headers(buyer),
    )

    assert status == 200
    payment = body["data"]["orderPaymentStart"]["payment"]
    assert payment["action"]["kind"] == "redirect"
    url = json.loads(payment["action"]["data"])["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["vnp_IpAddr"] == ["203.113.1.10"]
    assert query["vnp_TxnRef"] == [f"{transfer_code(order.number)}P1"]
    # Where the buyer comes back is this server's, from settings.
    assert query["vnp_ReturnUrl"][0].startswith(settings.PAYMENT_CALLBACK_BASE_URL)
    assert settings.VNPAY_HASH_SECRET not in str(body)


def test_behind_our_proxy_vnpay_is_given_the_address_the_proxy_saw(
    graphql, auth_headers, buyer, settings
):
    settings.PAYMENT_METHODS = ["cod", "vnpay"]
    settings.TRUSTED_PROXY_COUNT = 1
    order = online_order(user=buyer, gateway="vnpay")

    answer = run(
        graphql,
        auth_headers,
        buyer,
        START,
        {"id": to_global_id("Order", order.pk), "gateway": "vnpay"},
        "orderPaymentStart",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.113.1.10",
    )

    url = json.loads(answer["payment"]["action"]["data"])["url"]
    assert parse_qs(urlsplit(url).query)["vnp_IpAddr"] == ["203.113.1.10"]


def test_a_card_payment_answers_stripes_client_secret_and_no_secret_key(
    graphql, auth_headers, buyer, settings
):
    order = online_order(user=buyer, gateway="stripe")

    status, body = graphql(
        START, {"id": to_global_id("Order", order.pk), "gateway": "stripe"}, **auth_headers(buyer)
    )

    assert status == 200
    payment = body["data"]["orderPaymentStart"]["payment"]
    assert payment["action"]["kind"] == "client_secret"
    data = json.loads(payment["action"]["data"])
    assert data["client_secret"]
    assert data["publishable_key"] == settings.STRIPE_PUBLISHABLE_KEY
    assert settings.STRIPE_SECRET_KEY not in str(body)
    assert Payment.objects.get().gateway_reference.startswith("pi_")


def test_starting_costs_the_same_queries_for_one_seller_and_for_three(graphql, auth_headers, buyer):
    small = online_order(user=buyer)
    large = online_order([(stocked_variant(), 2) for _ in range(3)], user=buyer)

    counts = []
    for order in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert start(graphql, auth_headers, buyer, order)["errors"] == []
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_momo_unreachable_keeps_the_failed_attempt_and_the_next_one_has_a_new_reference(
    graphql, auth_headers, settings, live_server, closed_port
):
    """Regression: the mutation's rollback used to undo the failed attempt too, so the next
    one reused its orderId, which MoMo refuses (41) once it has recorded the first."""
    momo_helpers.point_at_sandbox(settings, live_server)
    buyer = UserFactory()
    order = online_order(user=buyer, gateway="momo")
    settings.MOMO_ENDPOINT = f"http://127.0.0.1:{closed_port}/v2/gateway/api"

    refused = start(graphql, auth_headers, buyer, order, gateway="momo")

    assert codes(refused) == [(None, "GATEWAY_UNAVAILABLE")]
    assert refused["payment"] is None
    code = transfer_code(order.number)
    assert list(Payment.objects.values_list("reference", "status")) == [
        (f"{code}P1", Payment.Status.FAILED)
    ]

    settings.MOMO_ENDPOINT = f"{live_server.url}/sandbox/momo/v2/gateway/api"
    answer = start(graphql, auth_headers, buyer, order, gateway="momo")

    assert answer["errors"] == []
    assert answer["payment"]["reference"] == f"{code}P2"
    assert answer["payment"]["action"]["kind"] == "redirect"
    url = json.loads(answer["payment"]["action"]["data"])["url"]
    assert url.startswith(f"{live_server.url}/sandbox/momo/")


# ------------------------------------------------------------------ paymentRefund


def refund(graphql, auth_headers, roles, payment, **arguments):
    variables = {"id": to_global_id("Payment", payment.pk), **arguments}
    return run(graphql, auth_headers, roles["operator"], REFUND, variables, "paymentRefund")


def test_an_operator_refunds_part_then_the_rest(graphql, auth_headers, roles, buyer):
    _order, payment = paid_order(user=buyer)

    part = refund(graphql, auth_headers, roles, payment, amount=50_000, reason="Hàng dập")

    assert part["errors"] == []
    assert part["payment"]["status"] == "PARTIALLY_REFUNDED"
    assert part["payment"]["refunded"] == {"amount": 50_000}
    assert [(e["kind"], e["amount"]["amount"]) for e in part["payment"]["events"]] == [
        ("CHARGE", PRICE + SHIPPING),
        ("REFUND", 50_000),
    ]

    rest = refund(graphql, auth_headers, roles, payment)

    assert rest["errors"] == []
    assert rest["payment"]["status"] == "REFUNDED"
    assert rest["payment"]["refunded"] == {"amount": PRICE + SHIPPING}
    # The bank transfer is paid back by a person: recorded as manual, by the operator.
    refunds = TransactionEvent.objects.filter(kind="refund").order_by("pk")
    assert [event.gateway_reference.split(":")[0] for event in refunds] == ["manual", "manual"]
    assert {event.user for event in refunds} == {roles["operator"]}


@pytest.mark.parametrize("amount", [-1, 0, PRICE + SHIPPING + 1, 2**31 - 1])
def test_a_refund_outside_what_is_left_is_refused_on_the_amount(
    graphql, auth_headers, roles, buyer, amount
):
    _order, payment = paid_order(user=buyer)
    before = snapshot()

    answer = refund(graphql, auth_headers, roles, payment, amount=amount)

    assert codes(answer) == [("amount", "INVALID")]
    assert f"{PRICE + SHIPPING}" in answer["errors"][0]["message"]
    assert answer["payment"] is None
    assert snapshot() == before


def test_an_amount_beyond_graphqls_int_is_a_typed_request_error(graphql, auth_headers, roles):
    status, body = graphql(
        REFUND,
        {"id": to_global_id("Payment", 1), "amount": 2**40},
        **auth_headers(roles["operator"]),
    )

    assert status == 200
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [
        "GRAPHQL_VALIDATION_FAILED"
    ]
    assert not TransactionEvent.objects.exists()


def test_an_unpaid_or_fully_refunded_payment_has_nothing_to_refund(
    graphql, auth_headers, roles, buyer
):
    pending = started(online_order(user=buyer))
    _order, paid = paid_order(user=buyer)
    assert refund(graphql, auth_headers, roles, paid)["errors"] == []

    for payment in (pending, paid):
        answer = refund(graphql, auth_headers, roles, payment, amount=1_000)
        assert codes(answer) == [(None, "INVALID_STATUS")]


def test_refund_ids_that_are_no_payment(graphql, auth_headers, roles, buyer):
    order, _payment = paid_order(user=buyer)
    for wrong_id, expected in [
        (to_global_id("Order", order.pk), ("id", "INVALID_ID")),
        ("bm9wZQ==", ("id", "INVALID_ID")),
        (to_global_id("Payment", 987_654_321), ("id", "NOT_FOUND")),
    ]:
        answer = run(
            graphql, auth_headers, roles["operator"], REFUND, {"id": wrong_id}, "paymentRefund"
        )
        assert codes(answer) == [expected], wrong_id


def test_a_gateway_that_does_not_answer_the_refund_is_a_typed_error(
    graphql, auth_headers, roles, buyer, settings, closed_port
):
    order = online_order(user=buyer, gateway="stripe")
    payment = charge(started(order, gateway="stripe"))
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed_port}"
    before = snapshot()

    answer = refund(graphql, auth_headers, roles, payment, amount=10_000)

    assert codes(answer) == [(None, "GATEWAY_UNAVAILABLE")]
    # Nothing is refunded; the failure stays flagged for an operator, after the rollback.
    payment.refresh_from_db()
    assert (payment.refunded, payment.status, payment.needs_review) == (0, "paid", True)
    assert payment.review_reason.startswith("refund of 10000 VND failed")
    flagged = ("needs_review", "review_reason", "updated_at")
    after = snapshot()
    for rows in (before["Payment"], after["Payment"]):
        for row in rows:
            for name in flagged:
                row.pop(name)
    assert after == before


# ------------------------------------------------------------------ sellerOrderCashCollect


def collect(graphql, auth_headers, user, part):
    variables = {"id": to_global_id("SellerOrder", part.pk)}
    return run(graphql, auth_headers, user, COLLECT, variables, "sellerOrderCashCollect")


def deliver_other(operator, part) -> None:
    fulfilment.seller_order_confirm(seller_order_id=part.pk, by=operator)
    fulfilment.seller_order_ship(seller_order_id=part.pk, by=operator, carrier="GHN")
    fulfilment.seller_order_deliver(seller_order_id=part.pk, by=operator)


def test_cash_of_each_delivered_part_then_the_order_is_paid(graphql, auth_headers, roles, buyer):
    order, part = delivered_cod_part(roles["seller"], roles["own_staff"], user=buyer)
    other = order.seller_orders.exclude(pk=part.pk).get()

    first = collect(graphql, auth_headers, roles["own_staff"], part)

    assert first["errors"] == []
    assert first["sellerOrder"]["order"]["paymentStatus"] == "UNPAID"
    # A seller's staff see their part, not how the whole order was paid.
    assert first["sellerOrder"]["order"]["payments"] == []
    again = collect(graphql, auth_headers, roles["own_staff"], part)
    assert again["errors"] == []
    assert TransactionEvent.objects.count() == 1

    # The other seller delivers, and an operator records its cash.
    deliver_other(roles["operator"], other)
    last = collect(graphql, auth_headers, roles["operator"], other)

    assert last["errors"] == []
    assert last["sellerOrder"]["order"]["paymentStatus"] == "PAID"
    assert last["sellerOrder"]["order"]["payments"] == [
        {"gateway": "cod", "status": "PAID", "charged": {"amount": order.total}}
    ]


def test_cash_is_collected_after_delivery_only(graphql, auth_headers, roles, buyer):
    order, part = delivered_cod_part(roles["seller"], roles["own_staff"], user=buyer)
    undelivered = order.seller_orders.exclude(pk=part.pk).get()
    before = snapshot()

    answer = collect(graphql, auth_headers, roles["operator"], undelivered)

    assert codes(answer) == [(None, "INVALID_STATUS")]
    assert answer["sellerOrder"] is None
    assert snapshot() == before


def test_an_order_paid_online_has_no_cash_to_collect(graphql, auth_headers, roles, buyer):
    order, _payment = paid_order([(stocked_variant(seller=roles["seller"]), 1)], user=buyer)
    part = order.seller_orders.get()

    answer = collect(graphql, auth_headers, roles["own_staff"], part)

    assert codes(answer) == [(None, "INVALID_STATUS")]


def test_cash_collect_ids(graphql, auth_headers, roles, buyer):
    order, _part = delivered_cod_part(roles["seller"], roles["own_staff"], user=buyer)
    missing = {"id": to_global_id("SellerOrder", 987_654_321)}
    wrong_type = {"id": to_global_id("Order", order.pk)}
    name = "sellerOrderCashCollect"

    assert codes(run(graphql, auth_headers, roles["operator"], COLLECT, missing, name)) == [
        ("id", "NOT_FOUND")
    ]
    # Staff are not told whether another seller's (or no) part exists.
    assert codes(run(graphql, auth_headers, roles["own_staff"], COLLECT, missing, name)) == [
        (None, "PERMISSION_DENIED")
    ]
    assert codes(run(graphql, auth_headers, roles["own_staff"], COLLECT, wrong_type, name)) == [
        ("id", "INVALID_ID")
    ]
    assert not Payment.objects.exists()
