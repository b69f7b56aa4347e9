"""The VNPay sandbox over real HTTP on a live server: a buyer opens the signed payment URL,
presses a button on VNPay's page, comes back to the shop, and the IPN the sandbox sends
(retried as VNPay retries) moves the order; its ``querydr`` / refund API refuses what VNPay
refuses. Real PostgreSQL; the sandbox's retries on a fast clock."""

import datetime
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.db import transaction
from django.utils import timezone

from market.orders.models import Order
from payments.models import Notification, Payment, TransactionEvent
from payments.protocols import vnpay
from payments.sandbox import vnpay as sandbox
from tests.payments.vnpay_helpers import (
    HTTP_TIMEOUT,
    TOTAL,
    delivered,
    open_page,
    press,
    sandbox_on,
    vnpay_order,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
Outcome = Notification.Outcome
Kind = TransactionEvent.Kind


@pytest.fixture
def vnpay_live(live_server, settings, transactional_db):
    with sandbox_on(settings, live_server):
        yield live_server


def api_url(live_server) -> str:
    return f"{live_server.url}/sandbox/vnpay/merchant_webapi/api/transaction"


def querydr_request(settings, payment, **changes) -> dict:
    fields = {
        "vnp_RequestId": changes.pop("vnp_RequestId", "Q1"),
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_TxnRef": payment.reference,
        "vnp_TransactionDate": vnpay.timestamp(payment.created_at),
        "vnp_CreateDate": vnpay.timestamp(timezone.now()),
        "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": "Truy van",
        **changes,
    }
    return fields | {"vnp_SecureHash": vnpay.sign_querydr(fields, settings.VNPAY_HASH_SECRET)}


def refund_request(settings, payment, amount: int, kind: str, request_id: str) -> dict:
    fields = {
        "vnp_RequestId": request_id,
        "vnp_Version": "2.1.0",
        "vnp_Command": "refund",
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_TransactionType": kind,
        "vnp_TxnRef": payment.reference,
        "vnp_Amount": str(amount * 100),
        "vnp_TransactionNo": "",
        "vnp_TransactionDate": vnpay.timestamp(payment.created_at),
        "vnp_CreateBy": "tester",
        "vnp_CreateDate": vnpay.timestamp(timezone.now()),
        "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": "Hoan tien",
    }
    return fields | {"vnp_SecureHash": vnpay.sign_refund(fields, settings.VNPAY_HASH_SECRET)}


def post_api(live_server, body) -> dict:
    response = requests.post(api_url(live_server), json=body, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    return response.json()


# -- the buyer's way -----------------------------------------------------------------------


def test_a_buyer_approves_on_vnpays_page_and_the_ipn_pays_the_order(vnpay_live, settings):
    order, payment = vnpay_order()

    page = open_page(payment.action["url"])
    back = press(payment.action["url"], "approve")
    delivery = delivered(payment.reference)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "150.000 ₫" in page.text
    assert f"Thanh toan don hang {payment.reference[:-2]}" in page.text
    for button in ("Thanh toán", "Từ chối", "Hủy"):
        assert f">{button}</button>" in page.text
    # The buyer is back on the shop's return page, with VNPay's signed result.
    assert back.status_code == 200
    assert urlsplit(back.url).path == "/payments/vnpay/return"
    result = dict(parse_qsl(urlsplit(back.url).query))
    assert vnpay.verify(result, settings.VNPAY_HASH_SECRET)
    assert (result["vnp_ResponseCode"], result["vnp_TransactionStatus"]) == ("00", "00")
    assert result["vnp_Amount"] == str(TOTAL * 100)
    assert result["vnp_TxnRef"] == payment.reference
    # The IPN, once, answered 00: the order is paid.
    assert delivery.answers == ["00"]
    assert delivery.url.startswith(f"{vnpay_live.url}/payments/vnpay/ipn?")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.gateway_reference == result["vnp_TransactionNo"]
    assert (order.status, order.payment_status) == (Order.Status.PLACED, Order.PaymentStatus.PAID)
    charge = TransactionEvent.objects.get()
    assert (charge.kind, charge.amount, charge.gateway_reference) == (
        Kind.CHARGE,
        TOTAL,
        result["vnp_TransactionNo"],
    )
    stored = Notification.objects.get()
    assert (stored.outcome, stored.signature_valid) == (Outcome.RECORDED, True)
    assert stored.source_address == "127.0.0.1"
    assert stored.answer == {"status": 200, "body": {"RspCode": "00", "Message": "Confirm Success"}}
    # The return page, opened again, shows what the IPN did.
    again = requests.get(back.url, timeout=HTTP_TIMEOUT)
    assert 'data-payment-status="paid"' in again.text


@pytest.mark.parametrize(("reason", "numbered"), [("51", True), ("24", False)])
def test_a_declined_payment_is_a_failure_and_the_order_waits(vnpay_live, reason, numbered):
    order, payment = vnpay_order()

    back = press(payment.action["url"], "decline", reason=reason)
    delivery = delivered(payment.reference)

    result = dict(parse_qsl(urlsplit(back.url).query))
    assert result["vnp_ResponseCode"] == reason
    assert result["vnp_TransactionStatus"] == "02"
    assert delivery.answers == ["00"]
    failure = TransactionEvent.objects.get()
    assert failure.kind == Kind.FAILURE
    if numbered:
        assert failure.gateway_reference == result["vnp_TransactionNo"]
    else:
        assert result["vnp_TransactionNo"] == "0"
        assert failure.gateway_reference == f"{payment.reference}-{result['vnp_PayDate']}"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert (order.status, order.payment_status) == (Order.Status.UNPAID, Order.PaymentStatus.UNPAID)
    again = requests.get(back.url, timeout=HTTP_TIMEOUT)
    assert 'data-payment-status="failed"' in again.text


def test_a_buyer_who_abandons_the_page_sends_nothing(vnpay_live):
    _order, payment = vnpay_order()

    left = press(payment.action["url"], "abandon")

    assert left.status_code == 200
    assert "Bạn đã rời trang thanh toán" in left.text
    assert sandbox.deliveries() == []
    assert sandbox.transaction_of(payment.reference).state == sandbox.ABANDONED
    assert not Notification.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_page_is_decided_once(vnpay_live):
    _order, payment = vnpay_order()
    page = open_page(payment.action["url"])
    session = page.text.split('name="session" value="')[1].split('"')[0]
    decide = f"{vnpay_live.url}/sandbox/vnpay/paymentv2/decide"

    first = requests.post(
        decide,
        data={"session": session, "decision": "approve"},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    second = requests.post(
        decide,
        data={"session": session, "decision": "decline"},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    unknown = requests.post(
        decide, data={"session": "nope", "decision": "approve"}, timeout=HTTP_TIMEOUT
    )

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Giao dịch đã được xử lý." in second.text
    assert unknown.status_code == 404
    assert delivered(payment.reference).answers == ["00"]
    assert TransactionEvent.objects.count() == 1


def test_a_paid_reference_cannot_be_paid_again_on_the_page(vnpay_live):
    _order, payment = vnpay_order()
    press(payment.action["url"], "approve")
    delivered(payment.reference)

    page = open_page(payment.action["url"])

    assert page.status_code == 400
    assert 'data-error-code="01"' in page.text


# -- what VNPay's page refuses -------------------------------------------------------------


def _signed_url(settings, url: str, **changes) -> str:
    params = {
        key: value for key, value in parse_qsl(urlsplit(url).query) if key != "vnp_SecureHash"
    }
    params.update(changes)
    return vnpay.payment_url(settings.VNPAY_PAYMENT_URL, params, settings.VNPAY_HASH_SECRET)


@pytest.mark.parametrize(
    ("forge", "code", "message"),
    [
        pytest.param(
            lambda settings, url: url.replace("vnp_Amount=15000000", "vnp_Amount=1500000"),
            "70",
            "Sai chữ ký.",
            id="amount-altered",
        ),
        pytest.param(
            lambda settings, url: _signed_url(settings, url, vnp_TmnCode="OTHERTMN"),
            "72",
            "Không tìm thấy website (mã TmnCode không hợp lệ).",
            id="another-merchant",
        ),
        pytest.param(
            lambda settings, url: _signed_url(settings, url, vnp_Version="2.0.0"),
            "03",
            "Dữ liệu gửi sang không đúng định dạng.",
            id="another-version",
        ),
        pytest.param(
            lambda settings, url: _signed_url(
                settings,
                url,
                vnp_ExpireDate=vnpay.timestamp(timezone.now() - datetime.timedelta(minutes=1)),
            ),
            "11",
            "Giao dịch đã quá thời gian chờ thanh toán.",
            id="expired",
        ),
    ],
)
def test_vnpays_page_refuses_a_request_it_cannot_trust(vnpay_live, settings, forge, code, message):
    _order, payment = vnpay_order()

    page = open_page(forge(settings, payment.action["url"]))

    assert page.status_code == 400
    assert f'data-error-code="{code}"' in page.text
    assert message in page.text
    assert sandbox.transaction_of(payment.reference) is None


# -- the IPN's retries ---------------------------------------------------------------------


def test_the_ipn_is_sent_again_after_the_merchant_fails_until_it_answers_00(vnpay_live, settings):
    # The merchant's lock wait is cut at this, then it answers 99 (VNPay retries).
    settings.PAYMENT_NOTIFICATION_TIMEOUT_SECONDS = 1
    order, payment = vnpay_order()

    with transaction.atomic():
        # A stuck transaction holds the payment's row: the merchant cannot record the IPN.
        Payment.objects.select_for_update().get(pk=payment.pk)
        press(payment.action["url"], "approve", follow=False)
        wait_until(lambda: len(sandbox.deliveries(payment.reference)[0].attempts) >= 1)
    delivery = delivered(payment.reference)

    assert delivery.answers[0] == "99"
    assert delivery.answers[-1] == "00"
    assert set(delivery.answers[:-1]) == {"99"}
    assert len(delivery.answers) <= sandbox.MAX_RETRIES + 1
    outcomes = list(Notification.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [Outcome.FAILED] * (len(outcomes) - 1) + [Outcome.RECORDED]
    assert TransactionEvent.objects.filter(kind=Kind.CHARGE).count() == 1
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_the_ipn_is_retried_ten_times_then_given_up(vnpay_live, settings, closed_port):
    settings.VNPAY_SANDBOX_RETRY_SECONDS = 0.01
    _order, payment = vnpay_order()
    # The merchant's IPN URL is unreachable (its return URL is already in the payment URL).
    settings.PAYMENT_CALLBACK_BASE_URL = f"http://127.0.0.1:{closed_port}"

    press(payment.action["url"], "approve", follow=False)
    delivery = delivered(payment.reference)

    assert len(delivery.attempts) == 1 + sandbox.MAX_RETRIES == 11
    assert {attempt["error"] for attempt in delivery.attempts} == {"ConnectionError"}
    assert [attempt["attempt"] for attempt in delivery.attempts] == list(range(1, 12))


def test_a_dropped_ipn_is_never_sent(vnpay_live):
    _order, payment = vnpay_order()
    sandbox.drop_next_ipn()

    press(payment.action["url"], "approve")
    delivery = delivered(payment.reference)

    assert delivery.dropped
    assert delivery.attempts == []
    assert not Notification.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    # Only the next one: the IPN of another payment goes.
    _other_order, other = vnpay_order()
    press(other.action["url"], "approve")
    assert delivered(other.reference).answers == ["00"]


# -- querydr and refund --------------------------------------------------------------------


def test_querydr_answers_are_signed_as_vnpay_signs_them(vnpay_live, settings):
    _order, payment = vnpay_order()
    press(payment.action["url"], "approve")
    delivered(payment.reference)

    answer = post_api(vnpay_live, querydr_request(settings, payment))

    assert vnpay.verify_querydr_response(answer, settings.VNPAY_HASH_SECRET)
    assert answer["vnp_ResponseCode"] == "00"
    assert answer["vnp_TransactionStatus"] == "00"
    assert answer["vnp_TransactionType"] == "01"
    assert answer["vnp_Amount"] == str(TOTAL * 100)
    assert answer["vnp_TxnRef"] == payment.reference
    assert not vnpay.verify_querydr_response(answer | {"vnp_Amount": "1"}, "x" * 32)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        pytest.param({"vnp_TmnCode": "OTHERTMN"}, "02", id="another-merchant"),
        pytest.param({"vnp_TxnRef": "OCOP2026999999P1"}, "91", id="unknown-reference"),
        pytest.param({"vnp_TransactionDate": "20200101000000"}, "91", id="another-date"),
    ],
)
def test_querydr_refuses_what_vnpay_refuses(vnpay_live, settings, changes, code):
    _order, payment = vnpay_order()
    open_page(payment.action["url"])

    answer = post_api(vnpay_live, querydr_request(settings, payment, **changes))

    assert answer["vnp_ResponseCode"] == code
    assert vnpay.verify_querydr_response(answer, settings.VNPAY_HASH_SECRET)


def test_querydr_refuses_a_bad_signature_a_replayed_request_and_bad_json(vnpay_live, settings):
    _order, payment = vnpay_order()
    open_page(payment.action["url"])
    request = querydr_request(settings, payment, vnp_RequestId="Q7")

    forged = post_api(vnpay_live, request | {"vnp_TxnRef": "OCOP2026000999P1"})
    first = post_api(vnpay_live, request)
    replayed = post_api(vnpay_live, request)
    broken = requests.post(api_url(vnpay_live), data=b"{not json", timeout=HTTP_TIMEOUT).json()
    missing = post_api(vnpay_live, {"vnp_Command": "querydr"})

    assert forged["vnp_ResponseCode"] == "97"
    assert first["vnp_ResponseCode"] == "00"
    assert replayed["vnp_ResponseCode"] == "94"
    assert broken["vnp_ResponseCode"] == "03"
    assert missing["vnp_ResponseCode"] == "03"


def test_refunds_are_checked_against_what_was_paid(vnpay_live, settings):
    _order, payment = vnpay_order()
    press(payment.action["url"], "approve")
    delivered(payment.reference)

    partial_too_big = post_api(
        vnpay_live, refund_request(settings, payment, TOTAL + 1_000, "03", "R1")
    )
    full_of_less = post_api(vnpay_live, refund_request(settings, payment, 1_000, "02", "R2"))
    # A refused refund's id may be asked again; a done one's may not.
    partial = post_api(vnpay_live, refund_request(settings, payment, 50_000, "03", "R1"))
    partial_again = post_api(vnpay_live, refund_request(settings, payment, 50_000, "03", "R1"))
    full_after_partial = post_api(vnpay_live, refund_request(settings, payment, TOTAL, "02", "R4"))
    forged = refund_request(settings, payment, 100_000, "03", "R5") | {"vnp_Amount": "1"}

    assert partial_too_big["vnp_ResponseCode"] == "99"
    assert full_of_less["vnp_ResponseCode"] == "99"
    assert partial["vnp_ResponseCode"] == "00"
    assert vnpay.verify_refund_response(partial, settings.VNPAY_HASH_SECRET)
    assert partial["vnp_Amount"] == "5000000"
    assert partial_again["vnp_ResponseCode"] == "94"
    assert full_after_partial["vnp_ResponseCode"] == "99"
    assert post_api(vnpay_live, forged)["vnp_ResponseCode"] == "97"
    assert [refund["amount"] for refund in sandbox.transaction_of(payment.reference).refunds] == [
        5_000_000
    ]


def test_a_payment_that_did_not_go_through_is_not_refunded(vnpay_live, settings):
    _order, payment = vnpay_order()
    press(payment.action["url"], "decline", reason="51")
    delivered(payment.reference)

    answer = post_api(vnpay_live, refund_request(settings, payment, TOTAL, "02", "R1"))

    assert answer["vnp_ResponseCode"] == "95"
    assert vnpay.verify_refund_response(answer, settings.VNPAY_HASH_SECRET)


def test_an_unknown_command_is_refused(vnpay_live):
    answer = post_api(vnpay_live, {"vnp_Command": "pay", "vnp_TmnCode": "X|Y"})

    assert answer["vnp_ResponseCode"] == "03"
    assert answer["vnp_TmnCode"] == ""
    assert json.dumps(answer)
