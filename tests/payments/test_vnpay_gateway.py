"""The VNPay gateway over real HTTP: the signed payment URL of a started payment, IPNs at
``GET /payments/vnpay/ipn`` answered with the protocol's ``RspCode``, and ``querydr`` and
refunds against the project's VNPay sandbox on a live server (real PostgreSQL).

Orders are placed as checkout places them (``tests/orders/factories.place``) and their
payment started through ``payment_start``.
"""

import datetime
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone

from market.core.errors import DomainError
from market.orders.models import Order
from payments.gateways import gateway_named
from payments.gateways.base import GatewayError, Incoming, NotificationRefused
from payments.gateways.vnpay import VnpayGateway
from payments.models import Notification, Payment, TransactionEvent
from payments.protocols import vnpay
from payments.protocols.bank_notifications import transfer_code
from payments.sandbox import vnpay as sandbox
from payments.services.events import notice_apply
from tests.payments.vnpay_helpers import (
    HTTP_TIMEOUT,
    TOTAL,
    delivered,
    forged_vnpay_api,
    ipn_params,
    paid_payment,
    press,
    sandbox_on,
    send_ipn,
    vnpay_order,
)

pytestmark = pytest.mark.django_db(transaction=True)
Outcome = Notification.Outcome
Kind = TransactionEvent.Kind
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def vnpay_live(live_server, settings, transactional_db):
    with sandbox_on(settings, live_server):
        yield live_server


def vietnam_time(moment: datetime.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def url_parts(url: str) -> tuple[str, str, str]:
    """The base, the signed query string and the hash of a VNPay URL."""
    base, query = url.split("?", 1)
    signed, _separator, secure_hash = query.rpartition("&vnp_SecureHash=")
    return base, signed, secure_hash


# -- the payment URL -----------------------------------------------------------------------


def test_the_payment_url_is_vnpays_page_signed_over_every_parameter(vnpay_live, settings):
    order, payment = vnpay_order()

    base, signed, secure_hash = url_parts(payment.action["url"])
    expire_date = dict(parse_qsl(signed))["vnp_ExpireDate"]
    return_url = quote(f"{vnpay_live.url}/payments/vnpay/return", safe="")
    expected = (
        f"vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate={vietnam_time(payment.created_at)}"
        f"&vnp_CurrCode=VND&vnp_ExpireDate={expire_date}&vnp_IpAddr=203.113.1.10"
        f"&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+{transfer_code(order.number)}"
        f"&vnp_OrderType=other&vnp_ReturnUrl={return_url}&vnp_TmnCode={settings.VNPAY_TMN_CODE}"
        f"&vnp_TxnRef={payment.reference}&vnp_Version=2.1.0"
    )
    assert payment.action["kind"] == "redirect"
    assert base == settings.VNPAY_PAYMENT_URL
    assert signed == expected
    assert "vnp_SecureHashType" not in payment.action["url"]
    assert (
        secure_hash
        == hmac.new(
            settings.VNPAY_HASH_SECRET.encode(), expected.encode(), hashlib.sha512
        ).hexdigest()
    )
    # The reference is the order's code and the attempt, as VNPay's TxnRef allows.
    assert payment.reference == f"{transfer_code(order.number)}P1"
    # The order stops waiting for its money before ORDER_PAYMENT_MINUTES from now: so does
    # VNPay's page.
    assert expire_date == vietnam_time(order.expires_at)


def test_the_page_expires_order_payment_minutes_from_now_and_speaks_english(vnpay_live, settings):
    settings.ORDER_PAYMENT_MINUTES = 15
    before = timezone.now().replace(microsecond=0)
    _order, payment = vnpay_order(language="en", client_ip="2001:db8::7")

    params = dict(parse_qsl(urlsplit(payment.action["url"]).query))
    expires = vnpay.parse_timestamp(params["vnp_ExpireDate"])
    assert before + datetime.timedelta(minutes=15) <= expires
    assert expires <= timezone.now() + datetime.timedelta(minutes=15)
    assert params["vnp_Locale"] == "en"
    assert params["vnp_IpAddr"] == "2001:db8::7"
    assert vnpay.verify(params, settings.VNPAY_HASH_SECRET)


def test_a_payment_vnpay_cannot_be_given_is_refused_and_the_attempt_failed(vnpay_live, settings):
    settings.VNPAY_HASH_SECRET = ""

    with pytest.raises(DomainError) as refusal:
        vnpay_order()

    assert refusal.value.code == "GATEWAY_UNAVAILABLE"
    assert Payment.objects.get().status == Payment.Status.FAILED


# -- the IPN -------------------------------------------------------------------------------


def test_an_ipn_charges_the_payment_once_and_its_duplicate_is_answered_02(vnpay_live):
    order, payment = vnpay_order()
    params = ipn_params(payment)

    first = send_ipn(vnpay_live, params)
    again = send_ipn(vnpay_live, params)

    assert first.status_code == 200
    assert first.json() == {"RspCode": "00", "Message": "Confirm Success"}
    assert again.json() == {"RspCode": "02", "Message": "Order already confirmed"}
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.charged == TOTAL
    assert payment.gateway_reference == "14422574"
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.status == Order.Status.PLACED
    charge = TransactionEvent.objects.get(payment=payment)
    assert (charge.kind, charge.amount, charge.gateway_reference) == (
        Kind.CHARGE,
        TOTAL,
        "14422574",
    )
    outcomes = list(Notification.objects.order_by("pk").values_list("outcome", "signature_valid"))
    assert outcomes == [(Outcome.RECORDED, True), (Outcome.DUPLICATE, True)]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda url: url.replace("vnp_Amount=15000000", "vnp_Amount=100"), id="altered"
        ),
        pytest.param(lambda url: url.split("&vnp_SecureHash=")[0], id="unsigned"),
        pytest.param(lambda url: url + "0", id="hash-changed"),
    ],
)
def test_a_forged_ipn_is_answered_97_stored_and_changes_nothing(vnpay_live, settings, forge):
    _order, payment = vnpay_order()
    url = vnpay.payment_url(
        f"{vnpay_live.url}/payments/vnpay/ipn", ipn_params(payment), settings.VNPAY_HASH_SECRET
    )

    answer = requests.get(forge(url), timeout=HTTP_TIMEOUT)

    assert answer.json() == {"RspCode": "97", "Message": "Invalid signature"}
    stored = Notification.objects.get()
    assert (stored.outcome, stored.signature_valid) == (Outcome.BAD_SIGNATURE, False)
    assert (stored.gateway, stored.method) == ("vnpay", "GET")
    assert "vnp_TxnRef=" + payment.reference in stored.query_string
    assert not TransactionEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_an_ipn_signed_with_another_secret_is_answered_97(vnpay_live):
    _order, payment = vnpay_order()

    answer = send_ipn(vnpay_live, ipn_params(payment), secret="ANOTHERMERCHANTSSECRET")

    assert answer.json()["RspCode"] == "97"
    assert Notification.objects.get().signature_valid is False


def test_an_ipn_for_another_merchant_code_is_refused_as_invalid(vnpay_live):
    _order, payment = vnpay_order()

    answer = send_ipn(vnpay_live, ipn_params(payment, vnp_TmnCode="OTHERTMN"))

    assert answer.json() == {"RspCode": "99", "Message": "Unknown error"}
    assert Notification.objects.get().outcome == Outcome.INVALID
    assert not TransactionEvent.objects.exists()


def test_an_ipn_of_another_amount_is_answered_04_and_flags_the_payment(vnpay_live):
    order, payment = vnpay_order()

    answer = send_ipn(vnpay_live, ipn_params(payment, vnp_Amount=str((TOTAL - 1_000) * 100)))

    assert answer.json() == {"RspCode": "04", "Message": "Invalid amount"}
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.needs_review
    assert payment.status == Payment.Status.PENDING
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert Notification.objects.get().outcome == Outcome.AMOUNT_MISMATCH
    assert not TransactionEvent.objects.exists()


def test_an_ipn_of_an_unknown_reference_is_answered_01(vnpay_live):
    _order, payment = vnpay_order()

    answer = send_ipn(vnpay_live, ipn_params(payment, vnp_TxnRef="OCOP2026999999P1"))

    assert answer.json() == {"RspCode": "01", "Message": "Order not found"}
    assert Notification.objects.get().outcome == Outcome.UNKNOWN_PAYMENT


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"vnp_Amount": "15000050"}, id="fraction-of-a-dong"),
        pytest.param({"vnp_Amount": "1e6"}, id="amount-not-digits"),
        pytest.param({"vnp_TransactionNo": "0"}, id="charge-without-transaction-number"),
    ],
)
def test_a_malformed_ipn_is_answered_99_and_stored_as_invalid(vnpay_live, changes):
    _order, payment = vnpay_order()

    answer = send_ipn(vnpay_live, ipn_params(payment, **changes))

    assert answer.json()["RspCode"] == "99"
    stored = Notification.objects.get()
    assert (stored.outcome, stored.signature_valid) == (Outcome.INVALID, True)
    assert not TransactionEvent.objects.exists()


def test_a_failed_payments_ipn_records_a_failure_and_leaves_the_order_unpaid(vnpay_live):
    order, payment = vnpay_order()
    # VNPay numbers no transaction the buyer cancelled on its page.
    params = ipn_params(
        payment, vnp_ResponseCode="24", vnp_TransactionStatus="02", vnp_TransactionNo="0"
    )

    answer = send_ipn(vnpay_live, params)
    again = send_ipn(vnpay_live, params)

    assert answer.json()["RspCode"] == "00"
    assert again.json()["RspCode"] == "02"
    failure = TransactionEvent.objects.get()
    assert failure.kind == Kind.FAILURE
    assert failure.gateway_reference == f"{payment.reference}-20260115091806"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert order.status == Order.Status.UNPAID


def test_a_code_00_with_an_unfinished_transaction_status_is_not_a_charge(vnpay_live):
    _order, payment = vnpay_order()

    send_ipn(vnpay_live, ipn_params(payment, vnp_TransactionStatus="01"))

    assert TransactionEvent.objects.get().kind == Kind.FAILURE
    payment.refresh_from_db()
    assert payment.charged == 0


def test_every_outcome_has_vnpays_answer():
    gateway = VnpayGateway()
    expected = {
        Outcome.RECORDED: "00",
        Outcome.IGNORED: "00",
        Outcome.DEFERRED: "00",
        Outcome.DUPLICATE: "02",
        Outcome.BAD_SIGNATURE: "97",
        Outcome.UNKNOWN_PAYMENT: "01",
        Outcome.AMOUNT_MISMATCH: "04",
        Outcome.INVALID: "99",
        Outcome.FAILED: "99",
        Outcome.RECEIVED: "99",
    }
    assert set(expected) == set(Outcome.values)
    for outcome, code in expected.items():
        answer = gateway.answer(outcome)
        assert answer.status == 200
        assert answer.body == vnpay.ipn_answer(code)


def test_parse_reads_a_stored_notification_again(settings):
    """``parse`` has no authentication in it: a stored IPN is read the same way later."""
    params = {
        "vnp_Amount": "15000000",
        "vnp_PayDate": "20260115091806",
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_TransactionNo": "900001",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": "OCOP2026000001P1",
    }
    incoming = Incoming("GET", "/payments/vnpay/ipn", params, {}, b"", "127.0.0.1")

    notice = VnpayGateway().parse(incoming)

    assert (notice.reference, notice.kind, notice.amount) == ("OCOP2026000001P1", "charge", 150000)
    assert (notice.gateway_reference, notice.payment_reference) == ("900001", "900001")
    assert (notice.raw_status, notice.currency) == ("00", "VND")
    with pytest.raises(NotificationRefused) as refusal:
        VnpayGateway().authenticate(incoming)
    assert refusal.value.outcome == Outcome.BAD_SIGNATURE


# -- the buyer's return --------------------------------------------------------------------


def test_the_return_page_shows_a_payment_only_from_a_url_vnpay_signed(vnpay_live, settings):
    _order, payment = vnpay_order()
    send_ipn(vnpay_live, ipn_params(payment))
    signed = vnpay.payment_url(
        f"{vnpay_live.url}/payments/vnpay/return", ipn_params(payment), settings.VNPAY_HASH_SECRET
    )
    typed = f"{vnpay_live.url}/payments/vnpay/return?vnp_TxnRef={payment.reference}"

    shown = requests.get(signed, timeout=HTTP_TIMEOUT)
    guessed = requests.get(typed, timeout=HTTP_TIMEOUT)

    assert shown.status_code == 200
    assert 'data-payment-status="paid"' in shown.text
    assert guessed.status_code == 200
    assert "data-payment-status" not in guessed.text
    assert VnpayGateway().return_reference({"vnp_TxnRef": payment.reference}) == ""


def test_the_registry_knows_the_gateway_by_its_code():
    gateway = gateway_named("vnpay")
    assert isinstance(gateway, VnpayGateway)
    assert str(gateway) == "VNPay"


# -- querydr -------------------------------------------------------------------------------


def test_querydr_finds_a_payment_whose_ipn_was_lost_and_the_order_is_paid(vnpay_live):
    order, payment = vnpay_order()
    sandbox.drop_next_ipn()
    press(payment.action["url"], "approve")
    assert delivered(payment.reference).dropped
    assert not Notification.objects.exists()

    notices = gateway_named("vnpay").query(payment)

    number = sandbox.transaction_of(payment.reference).transaction_no
    assert [(n.kind, n.amount, n.gateway_reference) for n in notices] == [("charge", TOTAL, number)]
    outcome, _payment = notice_apply(notices[0], gateway="vnpay")
    assert outcome == Outcome.RECORDED
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    # The IPN, had it come late, is the same transaction: already confirmed.
    late = sandbox.transaction_of(payment.reference)
    params = ipn_params(payment, vnp_TransactionNo=late.transaction_no, vnp_PayDate=late.pay_date)
    assert send_ipn(vnpay_live, params).json()["RspCode"] == "02"
    assert TransactionEvent.objects.filter(kind=Kind.CHARGE).count() == 1


def test_querydr_of_an_unfinished_payment_is_pending_and_changes_nothing(vnpay_live):
    _order, payment = vnpay_order()
    requests.get(payment.action["url"], timeout=HTTP_TIMEOUT).raise_for_status()

    notices = gateway_named("vnpay").query(payment)

    assert [notice.kind for notice in notices] == ["pending"]
    assert notice_apply(notices[0], gateway="vnpay")[0] == Outcome.IGNORED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_querydr_of_a_payment_vnpay_never_saw_is_empty(vnpay_live):
    _order, payment = vnpay_order()

    assert gateway_named("vnpay").query(payment) == []


@pytest.mark.parametrize("reason", ["24", "51"])
def test_querydr_of_a_declined_payment_is_the_failure_its_ipn_recorded(vnpay_live, reason):
    _order, payment = vnpay_order()
    press(payment.action["url"], "decline", reason=reason)
    assert delivered(payment.reference).answers == ["00"]

    notices = gateway_named("vnpay").query(payment)

    assert [notice.kind for notice in notices] == ["failure"]
    assert notice_apply(notices[0], gateway="vnpay")[0] == Outcome.DUPLICATE
    assert TransactionEvent.objects.get().kind == Kind.FAILURE


def test_querydr_when_vnpay_cannot_be_reached_is_a_gateway_error(vnpay_live, settings, closed_port):
    _order, payment = vnpay_order()
    settings.VNPAY_API_URL = f"http://127.0.0.1:{closed_port}/merchant_webapi/api/transaction"

    with pytest.raises(GatewayError):
        gateway_named("vnpay").query(payment)


def test_a_querydr_answer_without_vnpays_signature_is_not_believed(vnpay_live, settings):
    _order, payment = vnpay_order()

    with forged_vnpay_api() as url:
        settings.VNPAY_API_URL = url
        with pytest.raises(GatewayError):
            gateway_named("vnpay").query(payment)

    assert not TransactionEvent.objects.exists()


# -- refunds -------------------------------------------------------------------------------


def test_a_full_refund_goes_through_vnpays_refund_api(vnpay_live):
    payment = paid_payment()

    notice = gateway_named("vnpay").refund(
        payment, TOTAL, refund_reference="RF1", reason="Người bán hủy đơn"
    )

    assert (notice.kind, notice.amount, notice.gateway_reference) == ("refund", TOTAL, "RF1")
    [refund] = sandbox.transaction_of(payment.reference).refunds
    assert (refund["type"], refund["amount"]) == ("02", TOTAL * 100)
    assert notice.message == f"VNPay refund {refund['transaction_no']}: Người bán hủy đơn"
    assert notice_apply(notice, gateway="vnpay")[0] == Outcome.RECORDED
    payment.refresh_from_db()
    assert (payment.status, payment.refunded) == (Payment.Status.REFUNDED, TOTAL)


def test_partial_refunds_go_through_until_nothing_is_left(vnpay_live):
    payment = paid_payment()
    gateway = gateway_named("vnpay")

    first = gateway.refund(payment, 50_000, refund_reference="RF1", reason="Một phần")
    notice_apply(first, gateway="vnpay")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    second = gateway.refund(payment, 100_000, refund_reference="RF2", reason="Phần còn lại")
    notice_apply(second, gateway="vnpay")
    with pytest.raises(GatewayError):
        gateway.refund(payment, 1_000, refund_reference="RF3", reason="Quá số tiền")

    refunds = sandbox.transaction_of(payment.reference).refunds
    assert [(refund["type"], refund["amount"]) for refund in refunds] == [
        ("03", 5_000_000),
        ("03", 10_000_000),
    ]
    payment.refresh_from_db()
    assert (payment.status, payment.refunded) == (Payment.Status.REFUNDED, TOTAL)
    assert TransactionEvent.objects.filter(kind=Kind.REFUND).count() == 2


def test_the_same_refund_sent_twice_is_refunded_once(vnpay_live):
    payment = paid_payment()
    gateway = gateway_named("vnpay")
    gateway.refund(payment, 20_000, refund_reference="RF-cancel/seller-7", reason="Hủy")

    with pytest.raises(GatewayError):
        gateway.refund(payment, 20_000, refund_reference="RF-cancel/seller-7", reason="Hủy")

    assert len(sandbox.transaction_of(payment.reference).refunds) == 1


def test_a_payment_that_was_never_paid_cannot_be_refunded(vnpay_live):
    _order, payment = vnpay_order()
    press(payment.action["url"], "decline", reason="51")
    delivered(payment.reference)
    payment.refresh_from_db()

    with pytest.raises(GatewayError):
        gateway_named("vnpay").refund(payment, TOTAL, refund_reference="RF1", reason="")
    with pytest.raises(GatewayError):
        gateway_named("vnpay").refund(payment, TOTAL, refund_reference="", reason="")
