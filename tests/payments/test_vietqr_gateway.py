"""The VietQR gateway over real HTTP: the QR code of a started payment, then SePay- and
Casso-style bank notifications at ``POST /payments/bank/notify`` on a live server.

Orders are placed as checkout places them (``tests/orders/factories.place``) and their
payment started through ``payment_start``, so the payment's reference is the order code
the buyer's bank carries in the transfer's content.
"""

import base64
import datetime
import io
import itertools
import json
import time

import pytest
import requests
import zxingcpp
from django.conf import settings as django_settings
from PIL import Image

from market.orders.models import Order
from payments.gateways import gateway_named
from payments.gateways.base import Incoming
from payments.gateways.vietqr import VietQRGateway
from payments.models import Notification, Payment, TransactionEvent
from payments.protocols import bank_notifications as bank
from payments.protocols import vietqr
from payments.services.events import notice_apply
from payments.services.start import payment_start
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db(transaction=True)

PRICE = 120_000
# The orders factory's flat shipping for the one seller.
TOTAL = PRICE + 30_000
_transfer_ids = itertools.count(int(time.time()))


@pytest.fixture
def merchant(live_server, settings):
    """This server, live, as the bank notification services reach it."""
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    settings.PAYMENT_METHODS = ["cod", "vietqr"]
    return live_server.url


def vietqr_order() -> tuple[Order, Payment]:
    """An unpaid order of 150,000 VND placed to be paid by VietQR, its payment started."""
    order = place([(stocked_variant(price=PRICE), 1)], online=True, email="khach@example.vn")
    # Checkout places the order with the method the buyer chose.
    Order.objects.filter(pk=order.pk).update(payment_method="vietqr")
    payment = payment_start(
        order_id=order.pk,
        gateway_code="vietqr",
        by=None,
        token=order.token,
        client_ip="127.0.0.1",
    )
    assert order.total == TOTAL
    return order, payment


def next_transfer_id() -> int:
    return next(_transfer_ids)


def sepay_body(content, amount=TOTAL, *, transfer_id=None, account=None, direction="in"):
    return {
        "id": transfer_id if transfer_id is not None else next_transfer_id(),
        "gateway": "Vietcombank",
        "transactionDate": "2026-03-02 10:15:00",
        "accountNumber": account or django_settings.VIETQR_ACCOUNT_NO,
        "code": None,
        "content": content,
        "transferType": direction,
        "transferAmount": amount,
        "accumulated": 19_077_000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": f"BankAPINotify {content}",
    }


def casso_body(content, amount=TOTAL, *, transfer_id=None, account=None):
    return {
        "error": 0,
        "data": {
            "id": transfer_id if transfer_id is not None else next_transfer_id(),
            "reference": "FT26061123456",
            "description": content,
            "amount": amount,
            "runningBalance": 25_000_000,
            "transactionDateTime": "2026-03-02 10:15:00",
            "accountNumber": account or django_settings.VIETQR_ACCOUNT_NO,
            "bankName": "Vietcombank",
            "bankAbbreviation": "VCB",
            "virtualAccountNumber": "",
            "virtualAccountName": "",
            "counterAccountName": "TRẦN THỊ MAI",
            "counterAccountNumber": "0123456789",
            "counterAccountBankId": "970415",
            "counterAccountBankName": "VietinBank",
        },
    }


def notify(url: str, body: bytes, headers: dict) -> requests.Response:
    return requests.post(
        f"{url}/payments/bank/notify",
        data=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )


def post_sepay(url: str, payload: dict, *, key: str | None = None) -> requests.Response:
    api_key = django_settings.SEPAY_API_KEY if key is None else key
    return notify(
        url,
        json.dumps(payload).encode(),
        {"Authorization": bank.sepay_authorization_header(api_key)},
    )


def post_casso(
    url: str,
    payload: dict,
    *,
    key: str | None = None,
    signed_at_ms: int | None = None,
    sent: dict | None = None,
) -> requests.Response:
    """``payload`` signed as Casso signs it; ``sent`` is what goes on the wire instead
    (an altered body under the original's signature)."""
    checksum_key = django_settings.CASSO_CHECKSUM_KEY if key is None else key
    moment = signed_at_ms if signed_at_ms is not None else time.time_ns() // 1_000_000
    header = bank.casso_signature_header(payload, checksum_key, moment)
    body = json.dumps(sent if sent is not None else payload, ensure_ascii=False).encode()
    return notify(url, body, {bank.CASSO_SIGNATURE_HEADER: header})


def last_notification() -> Notification:
    return Notification.objects.order_by("-pk").first()


def assert_unpaid(order: Order, payment: Payment) -> None:
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.payment_status) == ("unpaid", "unpaid")
    assert (payment.status, payment.charged) == ("pending", 0)
    assert not TransactionEvent.objects.filter(payment=payment).exists()


def assert_paid_by(order: Order, payment: Payment, gateway_reference: str) -> None:
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "paid")
    assert (payment.status, payment.charged, payment.needs_review) == ("paid", TOTAL, False)
    (event,) = TransactionEvent.objects.filter(payment=payment)
    assert (event.kind, event.amount, event.gateway) == ("charge", TOTAL, "vietqr")
    assert event.gateway_reference == gateway_reference
    assert order.events.filter(type="paid").get().data["reference"] == gateway_reference


# ---------------------------------------------------------------- starting


def test_a_started_payment_shows_a_vietqr_code_of_the_order(merchant):
    order, payment = vietqr_order()

    action = payment.action
    assert payment.reference == order.number.replace("-", "")
    assert action["kind"] == "qr"
    request = vietqr.parse_payload(action["payload"])
    assert request == vietqr.TransferRequest(
        bank_bin=django_settings.VIETQR_BANK_BIN,
        account_number=django_settings.VIETQR_ACCOUNT_NO,
        amount=TOTAL,
        purpose=payment.reference,
    )
    assert action["image"].startswith("data:image/png;base64,")
    png = base64.b64decode(action["image"].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded.text == action["payload"]
    assert {key: action[key] for key in ("bank_bin", "account_no", "account_name")} == {
        "bank_bin": django_settings.VIETQR_BANK_BIN,
        "account_no": django_settings.VIETQR_ACCOUNT_NO,
        "account_name": django_settings.VIETQR_ACCOUNT_NAME,
    }
    assert (action["amount"], action["content"]) == (TOTAL, payment.reference)
    assert payment.status == "pending"


def test_the_qr_code_takes_the_account_from_the_settings_at_call_time(merchant, settings):
    settings.VIETQR_BANK_BIN = "970418"
    settings.VIETQR_ACCOUNT_NO = "21510001234567"

    _order, payment = vietqr_order()

    request = vietqr.parse_payload(payment.action["payload"])
    assert (request.bank_bin, request.account_number) == ("970418", "21510001234567")


# ---------------------------------------------------------------- SePay


def content_variants(order: Order) -> list[str]:
    """How people and banks write the order code ``OCOP-2026-000123`` in a transfer."""
    code = order.number.replace("-", "")
    prefix, year, sequence = order.number.split("-")
    return [
        f"thanh toan {code}",
        f"thanh toan {code.lower()}",
        f"Thanh toán đơn hàng {order.number}, cảm ơn!",
        f"{prefix.lower()} {year} {sequence}",
        f"MBVCB.3278907687.{prefix}.{year}.{sequence}.CT tu 0123456789",
        f"CHUYEN TIEN{code}NHO XANH",
    ]


@pytest.mark.parametrize("variant", range(6))
def test_a_sepay_transfer_of_the_exact_amount_pays_the_order(merchant, variant):
    order, payment = vietqr_order()
    content = content_variants(order)[variant]
    payload = sepay_body(content)

    response = post_sepay(merchant, payload)

    assert (response.status_code, response.json()) == (200, {"success": True})
    assert_paid_by(order, payment, f"sepay:{payload['id']}")
    stored = last_notification()
    assert (stored.gateway, stored.outcome, stored.signature_valid) == (
        "vietqr",
        "recorded",
        True,
    )
    assert (stored.payment_id, stored.event_key) == (payment.pk, f"sepay:{payload['id']}")
    assert stored.answer == {"status": 200, "body": {"success": True}}
    # The API key is a secret: never stored.
    assert stored.headers["Authorization"] == "[redacted]"
    assert django_settings.SEPAY_API_KEY not in json.dumps(stored.headers) + stored.body


def test_a_stored_notification_reads_again_as_the_same_notice(merchant):
    order, _payment = vietqr_order()
    sepay = sepay_body(f"thanh toan {order.number}")
    post_sepay(merchant, sepay)
    sepay_stored = last_notification()
    other, _other_payment = vietqr_order()
    casso = casso_body(f"thanh toan {other.number}")
    post_casso(merchant, casso)
    casso_stored = last_notification()
    gateway = VietQRGateway()

    # The stored copy has no API key, yet each style reads back as itself.
    sepay_notice = gateway.notice_of_record(sepay_stored)
    casso_notice = gateway.notice_of_record(casso_stored)

    assert (sepay_notice.reference, sepay_notice.gateway_reference) == (
        order.number.replace("-", ""),
        f"sepay:{sepay['id']}",
    )
    assert (casso_notice.reference, casso_notice.gateway_reference) == (
        other.number.replace("-", ""),
        f"casso:{casso['data']['id']}",
    )
    assert (sepay_notice.kind, sepay_notice.amount) == ("charge", TOTAL)
    assert casso_notice.message == f"thanh toan {other.number}"


def test_sepays_own_payment_code_stands_in_for_a_content_without_one(merchant):
    order, payment = vietqr_order()
    payload = {**sepay_body("CT tu 0123456789"), "code": order.number.replace("-", "")}

    response = post_sepay(merchant, payload)

    assert response.status_code == 200
    assert_paid_by(order, payment, f"sepay:{payload['id']}")


def test_a_duplicate_sepay_transfer_charges_once(merchant):
    order, payment = vietqr_order()
    payload = sepay_body(f"thanh toan {order.number}")

    first = post_sepay(merchant, payload)
    again = post_sepay(merchant, payload)

    assert [first.status_code, again.status_code] == [200, 200]
    assert again.json() == {"success": True}
    assert_paid_by(order, payment, f"sepay:{payload['id']}")
    outcomes = list(Notification.objects.order_by("pk").values_list("outcome", "signature_valid"))
    assert outcomes == [("recorded", True), ("duplicate", True)]


def test_the_same_transaction_id_from_sepay_and_casso_never_collides(merchant):
    shared_id = next_transfer_id()
    sepay_order, sepay_payment = vietqr_order()
    casso_order, casso_payment = vietqr_order()

    post_sepay(merchant, sepay_body(sepay_order.number, transfer_id=shared_id))
    post_casso(merchant, casso_body(casso_order.number, transfer_id=shared_id))

    assert_paid_by(sepay_order, sepay_payment, f"sepay:{shared_id}")
    assert_paid_by(casso_order, casso_payment, f"casso:{shared_id}")


@pytest.mark.parametrize(
    "authorization",
    [
        "Apikey not-the-key",
        "Apikey ",
        "Basic b2NvcDpvY29w",
        None,
    ],
)
def test_a_sepay_notification_without_the_api_key_is_refused_and_stored(merchant, authorization):
    order, payment = vietqr_order()
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = notify(merchant, json.dumps(sepay_body(order.number)).encode(), headers)

    assert (response.status_code, response.json()) == (401, {"success": False})
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid, stored.payment_id) == (
        "bad_signature",
        False,
        None,
    )
    assert stored.detail
    assert order.number in stored.body
    assert_unpaid(order, payment)


def test_the_api_key_scheme_is_read_in_any_case(merchant):
    order, payment = vietqr_order()
    payload = sepay_body(order.number)
    header = f"APIKEY {django_settings.SEPAY_API_KEY}"

    response = notify(merchant, json.dumps(payload).encode(), {"Authorization": header})

    assert response.status_code == 200
    assert_paid_by(order, payment, f"sepay:{payload['id']}")


# ---------------------------------------------------------------- Casso


@pytest.mark.parametrize("variant", [0, 2, 3])
def test_a_casso_transfer_of_the_exact_amount_pays_the_order(merchant, variant):
    order, payment = vietqr_order()
    payload = casso_body(content_variants(order)[variant])

    response = post_casso(merchant, payload)

    assert (response.status_code, response.json()) == (200, {"success": True})
    assert_paid_by(order, payment, f"casso:{payload['data']['id']}")
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == ("recorded", True)
    assert stored.headers[bank.CASSO_SIGNATURE_HEADER].startswith("t=")


def test_a_duplicate_casso_transfer_charges_once(merchant):
    order, payment = vietqr_order()
    payload = casso_body(f"thanh toan {order.number}")

    # Signed again at another moment, as a resent webhook is.
    first = post_casso(merchant, payload)
    again = post_casso(merchant, payload, signed_at_ms=time.time_ns() // 1_000_000 + 5)

    assert [first.status_code, again.status_code] == [200, 200]
    assert_paid_by(order, payment, f"casso:{payload['data']['id']}")
    assert last_notification().outcome == "duplicate"


def a_stale_moment() -> int:
    ten_minutes_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10)
    return int(ten_minutes_ago.timestamp() * 1000)


@pytest.mark.parametrize("forgery", ["wrong key", "altered amount", "altered code", "stale"])
def test_a_forged_casso_notification_is_refused_and_stored(merchant, forgery):
    order, payment = vietqr_order()
    other, other_payment = vietqr_order()
    genuine = casso_body(f"thanh toan {order.number}", amount=1_000)
    options = {}
    if forgery == "wrong key":
        options = {"key": "not-the-checksum-key"}
        genuine = casso_body(f"thanh toan {order.number}")
    elif forgery == "altered amount":
        options = {"sent": {**genuine, "data": {**genuine["data"], "amount": TOTAL}}}
    elif forgery == "altered code":
        genuine = casso_body(f"thanh toan {order.number}")
        altered = {**genuine["data"], "description": f"thanh toan {other.number}"}
        options = {"sent": {**genuine, "data": altered}}
    else:
        genuine = casso_body(f"thanh toan {order.number}")
        options = {"signed_at_ms": a_stale_moment()}

    response = post_casso(merchant, genuine, **options)

    assert (response.status_code, response.json()) == (401, {"success": False})
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == ("bad_signature", False)
    assert stored.detail
    assert_unpaid(order, payment)
    assert_unpaid(other, other_payment)


def test_a_malformed_casso_signature_is_refused(merchant):
    order, payment = vietqr_order()
    body = json.dumps(casso_body(order.number)).encode()

    response = notify(merchant, body, {bank.CASSO_SIGNATURE_HEADER: "v1=abc"})

    assert response.status_code == 401
    assert last_notification().signature_valid is False
    assert_unpaid(order, payment)


def test_a_casso_signature_wins_over_an_api_key(merchant):
    # Told apart by the headers: with a Casso signature, the SePay key does not count.
    order, payment = vietqr_order()
    body = json.dumps(casso_body(order.number)).encode()
    headers = {
        bank.CASSO_SIGNATURE_HEADER: "t=1,v1=00",
        "Authorization": bank.sepay_authorization_header(django_settings.SEPAY_API_KEY),
    }

    response = notify(merchant, body, headers)

    assert response.status_code == 401
    assert_unpaid(order, payment)


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("style", "amount"),
    [("sepay", TOTAL - 1_000), ("sepay", TOTAL + 50_000), ("casso", 1), ("casso", TOTAL * 2)],
)
def test_an_under_or_over_payment_is_recorded_and_flagged_but_does_not_pay(merchant, style, amount):
    order, payment = vietqr_order()
    content = f"thanh toan {order.number}"
    if style == "sepay":
        response = post_sepay(merchant, sepay_body(content, amount))
    else:
        response = post_casso(merchant, casso_body(content, amount))

    # Answered as received: SePay would otherwise retry; an operator settles it.
    assert (response.status_code, response.json()) == (200, {"success": True})
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid, stored.payment_id) == (
        "amount_mismatch",
        True,
        payment.pk,
    )
    assert stored.event_key.startswith(f"{style}:")
    assert_unpaid(order, payment)
    assert payment.needs_review
    assert str(amount) in payment.review_reason


def test_after_a_flagged_underpayment_the_exact_amount_still_pays(merchant):
    order, payment = vietqr_order()
    post_sepay(merchant, sepay_body(order.number, TOTAL - 50_000))
    exact = sepay_body(order.number)

    post_sepay(merchant, exact)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.payment_status, payment.status, payment.charged) == ("paid", "paid", TOTAL)
    assert TransactionEvent.objects.get(payment=payment).gateway_reference == (
        f"sepay:{exact['id']}"
    )
    # The earlier underpayment stays for an operator to refund.
    assert payment.needs_review


# ---------------------------------------------------------------- what is not a payment


def test_an_unknown_order_code_is_stored_and_touches_nothing(merchant):
    order, payment = vietqr_order()
    year = order.number.split("-")[1]

    response = post_sepay(merchant, sepay_body(f"thanh toan OCOP{year}999999"))

    assert (response.status_code, response.json()) == (200, {"success": True})
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid, stored.payment_id) == (
        "unknown_payment",
        True,
        None,
    )
    assert_unpaid(order, payment)


@pytest.mark.parametrize("style", ["sepay", "casso"])
def test_an_outgoing_transfer_is_ignored(merchant, style):
    order, payment = vietqr_order()
    content = f"hoan tien {order.number}"
    if style == "sepay":
        response = post_sepay(merchant, sepay_body(content, direction="out"))
    else:
        response = post_casso(merchant, casso_body(content, -TOTAL))

    assert (response.status_code, response.json()) == (200, {"success": True})
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid, stored.event_key) == ("ignored", True, "")
    assert_unpaid(order, payment)


@pytest.mark.parametrize("style", ["sepay", "casso"])
def test_a_transfer_without_an_order_code_is_kept_for_an_operator(merchant, style):
    order, payment = vietqr_order()
    content = "chuyen tien mua nho xanh"
    if style == "sepay":
        response = post_sepay(merchant, sepay_body(content))
    else:
        response = post_casso(merchant, casso_body(content))

    assert (response.status_code, response.json()) == (200, {"success": True})
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == ("invalid", True)
    assert content in stored.detail
    assert_unpaid(order, payment)


def test_a_transfer_naming_two_orders_is_kept_for_an_operator(merchant):
    first, first_payment = vietqr_order()
    second, second_payment = vietqr_order()

    post_sepay(merchant, sepay_body(f"{first.number} va {second.number}", TOTAL * 2))

    stored = last_notification()
    assert stored.outcome == "invalid"
    assert first.number.replace("-", "") in stored.detail
    assert_unpaid(first, first_payment)
    assert_unpaid(second, second_payment)


@pytest.mark.parametrize("style", ["sepay", "casso"])
def test_a_transfer_to_another_account_does_not_pay(merchant, style):
    order, payment = vietqr_order()
    content = f"thanh toan {order.number}"
    if style == "sepay":
        response = post_sepay(merchant, sepay_body(content, account="9999999999"))
    else:
        response = post_casso(merchant, casso_body(content, account="9999999999"))

    assert response.status_code == 200
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == ("invalid", True)
    assert "9999999999" in stored.detail
    assert_unpaid(order, payment)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"id": 1, "transferType": "sideways"}',
        b'{"id": 1, "transferType": "in", "accountNumber": "0011001234567",'
        b' "transferAmount": "150000", "content": "OCOP2026000001"}',
        b'{"transferType": "in", "accountNumber": "0011001234567",'
        b' "transferAmount": 150000, "content": "OCOP2026000001"}',
        b'{"id": 1, "transferType": "in", "accountNumber": "0011001234567",'
        b' "transferAmount": NaN, "content": "OCOP2026000001"}',
    ],
)
def test_an_authentic_but_malformed_sepay_body_is_kept_as_invalid(merchant, body):
    headers = {"Authorization": bank.sepay_authorization_header(django_settings.SEPAY_API_KEY)}

    response = notify(merchant, body, headers)

    assert (response.status_code, response.json()) == (200, {"success": True})
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == ("invalid", True)
    assert stored.detail
    assert not TransactionEvent.objects.exists()


def test_a_casso_body_that_is_not_a_webhook_v2_transaction_is_invalid(merchant):
    order, payment = vietqr_order()
    for payload in (
        {"error": 1, "data": casso_body(order.number)["data"]},
        {"error": 0, "data": [casso_body(order.number)["data"]]},
    ):
        response = post_casso(merchant, payload)

        assert response.status_code == 200
        assert last_notification().outcome == "invalid"
    assert_unpaid(order, payment)


# ---------------------------------------------------------------- the rest of the interface


def test_the_buyers_return_page_finds_the_payment_by_its_order_code_and_token(merchant):
    order, payment = vietqr_order()

    for reference in (payment.reference, order.number):
        response = requests.get(
            f"{merchant}/payments/vietqr/return",
            params={"reference": reference, "token": str(order.token)},
            timeout=10,
        )
        guessed = requests.get(
            f"{merchant}/payments/vietqr/return", params={"reference": reference}, timeout=10
        )

        assert response.status_code == 200
        assert order.number in response.text
        # Order numbers count up: without the order's token, nothing of the order shows.
        assert guessed.status_code == 200
        assert order.number not in guessed.text
        assert "data-payment-status" not in guessed.text
    assert VietQRGateway().return_reference({"reference": "not a code"}) == ""


def test_answers_stop_retries_except_for_a_forgery_or_a_failure():
    gateway = gateway_named("vietqr")

    answers = {outcome: gateway.answer(outcome) for outcome in Notification.Outcome.values}

    assert answers.pop("bad_signature").as_record() == {
        "status": 401,
        "body": {"success": False},
    }
    assert answers.pop("failed").as_record() == {"status": 500, "body": {"success": False}}
    assert {answer.status for answer in answers.values()} == {200}
    assert {json.dumps(answer.body) for answer in answers.values()} == {'{"success": true}'}


def test_a_bank_transfer_has_no_status_query(merchant):
    _order, payment = vietqr_order()

    assert VietQRGateway().query(payment) == []


def test_a_refund_is_recorded_as_manual(merchant):
    order, payment = vietqr_order()
    post_sepay(merchant, sepay_body(order.number))
    gateway = VietQRGateway()

    notice = gateway.refund(
        payment, 30_000, refund_reference="R7", reason="Hoàn phí giao hàng của người bán"
    )
    outcome, refunded = notice_apply(notice, gateway="vietqr")

    assert (notice.kind, notice.amount, notice.gateway_reference) == ("refund", 30_000, "manual:R7")
    assert notice.reference == payment.reference
    assert outcome == "recorded"
    assert (refunded.status, refunded.charged, refunded.refunded) == (
        "partially_refunded",
        TOTAL,
        30_000,
    )


def test_parse_reads_the_style_from_the_headers_whatever_their_case():
    gateway = VietQRGateway()
    body = json.dumps(casso_body("OCOP2026000001")).encode()
    incoming = Incoming(
        method="POST",
        path="/payments/bank/notify",
        query={},
        headers={"x-casso-signature": "t=1,v1=00"},
        body=body,
        source_address="127.0.0.1",
    )

    notice = gateway.parse(incoming)

    assert notice.gateway_reference.startswith("casso:")
    assert notice.reference == "OCOP2026000001"
