"""The MoMo gateway against the project's MoMo sandbox, over real HTTP on the live server.

A payment is started for a real unpaid order through ``payment_start``; the buyer presses
the sandbox page's buttons with ``requests``; the sandbox's IPN reaches
``/payments/momo/ipn`` and moves the payment and the order (PostgreSQL, no mocks).
"""

import hashlib
import hmac
import json
import threading

import pytest
from django.conf import settings

from market.core.errors import DomainError
from market.orders.models import Order
from payments.gateways import gateway_named
from payments.gateways.base import GatewayError, Incoming, NotificationRefused, StartContext
from payments.gateways.momo import MomoAmountOutOfRange
from payments.models import Notification, Payment, TransactionEvent
from payments.sandbox import momo as sandbox
from payments.services.events import notice_apply
from payments.services.start import callback_url, payment_start
from tests.factories import UserFactory
from tests.orders.factories import place, stocked_variant
from tests.payments.momo_helpers import point_at_sandbox, post_ipn, press, signed

Outcome = Notification.Outcome
Kind = TransactionEvent.Kind
PRICE = 120_000
TOTAL = 150_000  # one unit and the factories' 30,000 VND shipping


@pytest.fixture
def momo(live_server, settings):
    point_at_sandbox(settings, live_server)
    sandbox.reset()
    yield gateway_named("momo")
    sandbox.reset()


def unpaid_order(*, price: int = PRICE, shipping_price: int = 30_000):
    buyer = UserFactory()
    order = place(
        [(stocked_variant(price=price), 1)], user=buyer, online=True, shipping_price=shipping_price
    )
    return order, buyer


def started(order=None, buyer=None) -> Payment:
    if order is None:
        order, buyer = unpaid_order()
    return payment_start(order_id=order.pk, gateway_code="momo", by=buyer, client_ip="127.0.0.1")


def approved_without_ipn(payment: Payment) -> dict:
    """Pay at MoMo with the IPN dropped; the IPN MoMo would have sent."""
    sandbox.drop_next_ipn()
    press(payment.action["url"], "approve")
    (delivery,) = sandbox.deliveries(payment.reference)
    assert delivery.dropped
    return delivery.body


def charges_of(payment: Payment) -> int:
    return TransactionEvent.objects.filter(payment=payment, kind=Kind.CHARGE).count()


# ---------------------------------------------------------------- start


def test_start_sends_momo_a_signed_create_request_for_the_orders_total(momo, live_server):
    payment = started()

    request = sandbox.transaction_of(payment.reference).request
    assert request["partnerCode"] == settings.MOMO_PARTNER_CODE
    assert request["amount"] == TOTAL == payment.amount
    assert request["orderId"] == payment.reference
    assert request["requestId"].startswith(f"{payment.reference}-")
    assert request["redirectUrl"] == callback_url("momo", "return")
    assert request["ipnUrl"] == f"{live_server.url}/payments/momo/ipn"
    assert request["requestType"] == "captureWallet"
    assert request["extraData"] == ""
    assert request["lang"] == "vi"
    assert payment.order.number in request["orderInfo"]
    # The signature recomputed by hand from MoMo's documented string, raw UTF-8 values.
    raw = "&".join(
        f"{name}={value}"
        for name, value in [
            ("accessKey", settings.MOMO_ACCESS_KEY),
            *((name, request[name]) for name in ("amount", "extraData", "ipnUrl", "orderId")),
            *((name, request[name]) for name in ("orderInfo", "partnerCode", "redirectUrl")),
            ("requestId", request["requestId"]),
            ("requestType", request["requestType"]),
        ]
    )
    expected = hmac.new(
        settings.MOMO_SECRET_KEY.encode(), raw.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    assert request["signature"] == expected
    assert settings.MOMO_SECRET_KEY not in json.dumps(payment.action)


def test_start_answers_what_momo_returned_for_the_buyer(momo, live_server):
    payment = started()

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.action["kind"] == "redirect"
    assert payment.action["url"].startswith(f"{live_server.url}/sandbox/momo/pay/")
    assert payment.action["deeplink"]
    assert payment.action["qr_code_url"]
    assert payment.order.payment_method == "momo"


def test_every_create_request_has_its_own_request_id(momo):
    first, second = started(), started()

    assert (
        sandbox.transaction_of(first.reference).request["requestId"]
        != sandbox.transaction_of(second.reference).request["requestId"]
    )


def test_momo_refusing_the_create_is_a_gateway_error(momo):
    payment = started()
    context = StartContext(return_url="http://x/r", notify_url="http://x/n", client_ip="1.1.1.1")

    # The same orderId again, under a new requestId: MoMo answers 41.
    with pytest.raises(GatewayError, match="resultCode 41"):
        momo.start(payment, context)


def test_another_request_type_is_sent_when_asked(momo):
    order, _buyer = unpaid_order()
    payment = Payment.objects.create(
        order=order, gateway="momo", reference=f"{order.number.replace('-', '')}P9", amount=TOTAL
    )
    context = StartContext(
        return_url=callback_url("momo", "return"),
        notify_url=callback_url("momo", "ipn"),
        client_ip="127.0.0.1",
        language="en",
        extra={"request_type": "payWithATM"},
    )

    started_at_momo = momo.start(payment, context)

    request = sandbox.transaction_of(payment.reference).request
    assert request["requestType"] == "payWithATM"
    assert request["lang"] == "en"
    assert started_at_momo.action.data["url"].endswith(sandbox.transaction_of(payment.reference).id)


def test_an_unknown_request_type_is_refused_without_calling_momo(momo):
    order, _buyer = unpaid_order()
    payment = Payment.objects.create(order=order, gateway="momo", reference="OCOPX1", amount=TOTAL)
    context = StartContext(
        return_url="http://x/r",
        notify_url="http://x/n",
        client_ip="127.0.0.1",
        extra={"request_type": "payWithGold"},
    )

    with pytest.raises(GatewayError, match="requestType"):
        momo.start(payment, context)
    assert sandbox.transaction_of("OCOPX1") is None


@pytest.mark.parametrize(("price", "shipping"), [(500, 0), (50_000_000, 30_000)])
def test_an_amount_outside_the_wallets_range_is_refused_before_any_attempt(momo, price, shipping):
    order, buyer = unpaid_order(price=price, shipping_price=shipping)

    with pytest.raises(DomainError) as refused:
        started(order, buyer)

    assert (refused.value.code, refused.value.field) == ("AMOUNT_NOT_ACCEPTED", "gateway")
    assert not Payment.objects.filter(order=order).exists()
    assert sandbox.deliveries() == []
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID


def test_the_gateway_itself_also_refuses_such_an_amount(momo):
    order, _buyer = unpaid_order(price=500, shipping_price=0)
    payment = Payment.objects.create(order=order, gateway="momo", reference="OCOPX2", amount=500)

    with pytest.raises(MomoAmountOutOfRange):
        momo.start(
            payment,
            StartContext(return_url="http://x/r", notify_url="http://x/n", client_ip="127.0.0.1"),
        )
    assert sandbox.transaction_of("OCOPX2") is None


def test_momo_out_of_reach_is_gateway_unavailable(momo, settings, closed_port):
    settings.MOMO_ENDPOINT = f"http://127.0.0.1:{closed_port}/v2/gateway/api"
    order, buyer = unpaid_order()

    with pytest.raises(DomainError) as refused:
        started(order, buyer)

    assert refused.value.code == "GATEWAY_UNAVAILABLE"
    assert Payment.objects.get(order=order).status == Payment.Status.FAILED


def test_an_answer_that_is_not_momos_json_is_a_gateway_error(momo, settings, live_server):
    settings.MOMO_ENDPOINT = f"{live_server.url}/health"
    order, buyer = unpaid_order()

    with pytest.raises(DomainError) as refused:
        started(order, buyer)

    assert isinstance(refused.value.__cause__, GatewayError)


# ---------------------------------------------------------------- the buyer pays


def test_approving_on_momos_page_pays_the_order_through_the_ipn(momo):
    payment = started()

    returned = press(payment.action["url"], "approve")

    assert returned.status_code == 200
    assert returned.url.startswith(callback_url("momo", "return"))
    assert "OCOP" in returned.text  # the return page names the order
    (delivery,) = sandbox.wait_for_ipn(payment.reference)
    assert delivery.answers == [204]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.charged == TOTAL
    assert payment.gateway_reference == str(sandbox.transaction_of(payment.reference).trans_id)
    order = Order.objects.get(pk=payment.order_id)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.status == Order.Status.PLACED
    notification = Notification.objects.get(gateway="momo")
    assert notification.signature_valid is True
    assert notification.outcome == Outcome.RECORDED
    assert notification.answer == {"status": 204, "body": None}
    assert notification.event_key == payment.gateway_reference
    assert charges_of(payment) == 1


def test_declining_records_a_failure_and_leaves_the_order_unpaid(momo):
    payment = started()

    press(payment.action["url"], "decline")

    (delivery,) = sandbox.wait_for_ipn(payment.reference)
    assert delivery.answers == [204]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    failure = TransactionEvent.objects.get(payment=payment)
    assert failure.kind == Kind.FAILURE
    assert failure.amount == TOTAL
    order = Order.objects.get(pk=payment.order_id)
    assert order.status == Order.Status.UNPAID
    assert order.payment_status == Order.PaymentStatus.UNPAID
    # Asking MoMo afterwards tells the same failure: nothing more is recorded.
    (told_again,) = momo.query(payment)
    assert told_again.kind == Kind.FAILURE
    assert notice_apply(told_again, gateway="momo")[0] == Outcome.DUPLICATE


def test_abandoning_sends_nothing_and_the_payment_waits(momo):
    payment = started()

    left = press(payment.action["url"], "abandon")

    assert left.status_code == 200
    assert "rời trang thanh toán" in left.text
    assert sandbox.deliveries(payment.reference) == []
    (notice,) = momo.query(payment)
    assert notice.kind == "pending"
    assert notice_apply(notice, gateway="momo")[0] == Outcome.IGNORED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


# ---------------------------------------------------------------- forged and odd IPNs


def test_a_forged_signature_is_refused_and_kept_in_the_inbox(momo, live_server):
    payment = started()
    genuine = approved_without_ipn(payment)

    answers = [
        post_ipn(live_server, genuine | {"amount": 1_000}),  # altered after signing
        post_ipn(live_server, genuine | {"orderId": "OCOP2026999999P1"}),
        post_ipn(live_server, {key: value for key, value in genuine.items() if key != "signature"}),
        post_ipn(live_server, genuine | {"signature": "0" * 64}),
    ]

    assert [answer.status_code for answer in answers] == [400] * 4
    assert all(answer.content == b"" for answer in answers)
    stored = Notification.objects.filter(gateway="momo")
    assert stored.count() == 4
    assert {row.outcome for row in stored} == {Outcome.BAD_SIGNATURE}
    assert {row.signature_valid for row in stored} == {False}
    assert json.loads(stored.first().body)["orderId"]  # the raw body is kept
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not TransactionEvent.objects.exists()


def test_an_ipn_for_another_partner_code_is_invalid(momo, live_server):
    payment = started()
    genuine = approved_without_ipn(payment)

    answer = post_ipn(live_server, signed(genuine, partnerCode="OTHERSHOP"))

    assert answer.status_code == 400
    notification = Notification.objects.get(gateway="momo")
    assert notification.outcome == Outcome.INVALID
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", "Xin chào".encode("cp1258")])
def test_a_malformed_ipn_is_invalid_and_kept(momo, live_server, body):
    answer = post_ipn(live_server, body)

    assert answer.status_code == 400
    notification = Notification.objects.get(gateway="momo")
    assert notification.outcome == Outcome.INVALID
    assert notification.signature_valid is False


def test_an_ipn_with_the_wrong_amount_is_recorded_and_flagged(momo, live_server):
    payment = started()
    genuine = approved_without_ipn(payment)

    answer = post_ipn(live_server, signed(genuine, amount=TOTAL - 50_000))

    assert answer.status_code == 204
    assert Notification.objects.get(gateway="momo").outcome == Outcome.AMOUNT_MISMATCH
    payment.refresh_from_db()
    assert payment.needs_review
    assert payment.status == Payment.Status.PENDING
    assert Order.objects.get(pk=payment.order_id).status == Order.Status.UNPAID


def test_an_ipn_for_an_unknown_payment_is_answered_and_kept(momo, live_server):
    payment = started()
    genuine = approved_without_ipn(payment)

    answer = post_ipn(live_server, signed(genuine, orderId="OCOP2026999999P1"))

    assert answer.status_code == 204
    assert Notification.objects.get(gateway="momo").outcome == Outcome.UNKNOWN_PAYMENT


def test_a_duplicated_ipn_charges_once(momo, live_server):
    payment = started()
    press(payment.action["url"], "approve")
    (delivery,) = sandbox.wait_for_ipn(payment.reference)

    again = [post_ipn(live_server, delivery.body) for _ in range(2)]

    assert [answer.status_code for answer in again] == [204, 204]
    outcomes = Notification.objects.filter(gateway="momo").values_list("outcome", flat=True)
    assert sorted(outcomes) == sorted([Outcome.RECORDED, Outcome.DUPLICATE, Outcome.DUPLICATE])
    assert charges_of(payment) == 1
    payment.refresh_from_db()
    assert payment.charged == TOTAL


def test_the_same_ipn_on_two_connections_at_once_charges_once(momo, live_server):
    payment = started()
    genuine = approved_without_ipn(payment)
    barrier = threading.Barrier(2)
    statuses = []

    def send():
        barrier.wait()
        statuses.append(post_ipn(live_server, genuine).status_code)

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    assert statuses == [204, 204]
    outcomes = Notification.objects.filter(gateway="momo").values_list("outcome", flat=True)
    assert sorted(outcomes) == sorted([Outcome.RECORDED, Outcome.DUPLICATE])
    assert charges_of(payment) == 1


# ---------------------------------------------------------------- query and refund


def test_query_finds_a_payment_whose_ipn_was_dropped(momo):
    payment = started()
    (waiting,) = momo.query(payment)
    assert waiting.kind == "pending"
    approved_without_ipn(payment)

    notices = momo.query(payment)

    (charge,) = notices
    assert charge.kind == Kind.CHARGE
    assert charge.amount == TOTAL
    assert charge.gateway_reference == str(sandbox.transaction_of(payment.reference).trans_id)
    outcome, _payment = notice_apply(charge, gateway="momo")
    assert outcome == Outcome.RECORDED
    assert Order.objects.get(pk=payment.order_id).payment_status == Order.PaymentStatus.PAID
    # The IPN arriving late after all is a duplicate of what the query recorded.
    assert notice_apply(momo.query(payment)[0], gateway="momo")[0] == Outcome.DUPLICATE


def test_query_of_an_order_momo_does_not_know_is_a_gateway_error(momo):
    order, _buyer = unpaid_order()
    payment = Payment.objects.create(order=order, gateway="momo", reference="OCOPX2", amount=TOTAL)

    with pytest.raises(GatewayError, match="resultCode 42"):
        momo.query(payment)


def test_refund_partly_then_the_rest_through_momo(momo):
    payment = started()
    press(payment.action["url"], "approve")
    sandbox.wait_for_ipn(payment.reference)
    payment.refresh_from_db()

    first = momo.refund(
        payment, 50_000, refund_reference=f"{payment.reference}R1", reason="Hoàn phí giao hàng"
    )
    assert first.kind == Kind.REFUND
    assert first.amount == 50_000
    assert first.reference == payment.reference
    assert notice_apply(first, gateway="momo")[0] == Outcome.RECORDED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED

    rest = momo.refund(
        payment, TOTAL - 50_000, refund_reference=f"{payment.reference}R2", reason="Hủy đơn"
    )
    assert rest.gateway_reference != first.gateway_reference
    assert notice_apply(rest, gateway="momo")[0] == Outcome.RECORDED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded == TOTAL

    with pytest.raises(GatewayError, match="resultCode 1081"):
        momo.refund(payment, 1_000, refund_reference=f"{payment.reference}R3", reason="")
    refunds = sandbox.transaction_of(payment.reference).refunds
    assert [item["orderId"] for item in refunds] == [f"{payment.reference}R{n}" for n in (1, 2)]
    # What the query lists is what was recorded: applying it again changes nothing.
    listed = momo.query(payment)
    assert sorted(notice.kind for notice in listed) == [Kind.CHARGE, Kind.REFUND, Kind.REFUND]
    assert {notice_apply(notice, gateway="momo")[0] for notice in listed} == {Outcome.DUPLICATE}


def test_a_refund_sent_again_is_not_refunded_twice(momo):
    payment = started()
    press(payment.action["url"], "approve")
    sandbox.wait_for_ipn(payment.reference)
    payment.refresh_from_db()

    once = momo.refund(payment, 20_000, refund_reference=f"{payment.reference}R1", reason="Lỗi")
    again = momo.refund(payment, 20_000, refund_reference=f"{payment.reference}R1", reason="Lỗi")

    assert once == again
    assert len(sandbox.transaction_of(payment.reference).refunds) == 1


def test_a_refund_needs_momos_transaction_id(momo):
    payment = started()

    with pytest.raises(GatewayError, match="transId"):
        momo.refund(payment, 10_000, refund_reference=f"{payment.reference}R1", reason="")


# ---------------------------------------------------------------- reading IPNs (no HTTP)

IPN = {
    "partnerCode": "OCOPSANDBOX",
    "orderId": "OCOP2026000123P1",
    "requestId": "OCOP2026000123P1-abc",
    "amount": 150_000,
    "orderInfo": "Thanh toán đơn hàng OCOP-2026-000123",
    "orderType": "momo_wallet",
    "transId": 4088878653,
    "resultCode": 0,
    "message": "Thành công.",
    "payType": "qr",
    "responseTime": 1721720663942,
    "extraData": "",
}


def incoming(body) -> Incoming:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Incoming("POST", "/payments/momo/ipn", {}, {}, raw, "127.0.0.1")


@pytest.mark.parametrize(
    ("result_code", "kind"),
    [(0, "charge"), (9000, "authorization"), (1000, "pending"), (7000, "pending"),
     (1006, "failure"), (1001, "failure"), (99, "failure")],
)  # fmt: skip
def test_result_codes_become_notice_kinds(result_code, kind):
    notice = gateway_named("momo").parse(incoming(IPN | {"resultCode": result_code}))

    assert notice.kind == kind
    assert notice.reference == IPN["orderId"]
    assert notice.amount == 150_000
    assert notice.gateway_reference == notice.payment_reference == "4088878653"
    assert notice.raw_status == str(result_code)


def test_a_failure_without_trans_id_gets_a_stable_key():
    body = IPN | {"resultCode": 1006, "transId": 0}
    gateway = gateway_named("momo")

    keys = {gateway.parse(incoming(body)).gateway_reference for _ in range(2)}

    # MoMo resending it, even under another requestId, is the same failure.
    keys.add(gateway.parse(incoming(body | {"requestId": "again"})).gateway_reference)
    assert keys == {"OCOP2026000123P1:1006"}
    assert gateway.parse(incoming(body)).payment_reference == ""


@pytest.mark.parametrize(
    "body",
    [IPN | {"transId": 0}, IPN | {"resultCode": 9000, "transId": ""}, IPN | {"amount": "nhiều"},
     {k: v for k, v in IPN.items() if k != "orderId"}, b"\xff", b"null"],
)  # fmt: skip
def test_an_unreadable_ipn_is_refused_as_invalid(body):
    with pytest.raises(NotificationRefused) as refused:
        gateway_named("momo").parse(incoming(body))

    assert refused.value.outcome == Outcome.INVALID


def test_authenticate_checks_the_signature_before_the_partner(settings):
    gateway = gateway_named("momo")
    ours = IPN | {"partnerCode": settings.MOMO_PARTNER_CODE}

    gateway.authenticate(incoming(signed(ours)))
    with pytest.raises(NotificationRefused) as forged:
        gateway.authenticate(incoming(signed(ours) | {"amount": 1}))
    with pytest.raises(NotificationRefused) as other:
        gateway.authenticate(incoming(signed(ours, partnerCode="OTHERSHOP")))

    assert forged.value.outcome == Outcome.BAD_SIGNATURE
    assert other.value.outcome == Outcome.INVALID


@pytest.mark.parametrize(
    ("outcome", "status"),
    [(Outcome.RECORDED, 204), (Outcome.DUPLICATE, 204), (Outcome.IGNORED, 204),
     (Outcome.DEFERRED, 204), (Outcome.AMOUNT_MISMATCH, 204), (Outcome.UNKNOWN_PAYMENT, 204),
     (Outcome.BAD_SIGNATURE, 400), (Outcome.INVALID, 400), (Outcome.FAILED, 500)],
)  # fmt: skip
def test_each_outcome_gets_the_answer_momo_expects(outcome, status):
    answer = gateway_named("momo").answer(outcome)

    assert answer.status == status
    assert answer.body is None


def test_the_buyers_return_names_the_order_id_only_when_momo_signed_it():
    gateway = gateway_named("momo")
    signed_return = {
        key: str(value) for key, value in signed({"orderId": "OCOP2026000123P1"}).items()
    }

    assert gateway.return_reference(signed_return) == "OCOP2026000123P1"
    # A typed or altered return (order numbers are easy to guess) names nothing.
    assert gateway.return_reference({"orderId": "OCOP2026000123P1"}) == ""
    assert gateway.return_reference({**signed_return, "orderId": "OCOP2026000124P1"}) == ""
    assert gateway.return_reference({}) == ""
