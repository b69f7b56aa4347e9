"""The bank simulator at /sandbox/bank/ over real HTTP: a person's transfer, or a script's,
is notified to the merchant as SePay or Casso would, with SePay's retries.

Where the point is how the simulator sends (its headers, its retries), the merchant is a
small recording HTTP server of the test's own on loopback, told how to answer; elsewhere
it is this project's live server.
"""

import http.server
import json
import re
import threading

import pytest
import requests
from django.conf import settings as django_settings

from market.orders.models import Order
from payments.models import Notification, TransactionEvent
from payments.protocols import bank_notifications as bank
from payments.sandbox import bank as sandbox
from payments.services.start import payment_start
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db(transaction=True)

TOTAL = 150_000
DELIVERY_WAIT_SECONDS = 20


@pytest.fixture
def merchant(live_server, settings):
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    settings.PAYMENT_METHODS = ["cod", "vietqr"]
    settings.BANK_SANDBOX_RETRY_SECONDS = 0.01
    return live_server.url


def vietqr_order() -> Order:
    order = place([(stocked_variant(price=TOTAL - 30_000), 1)], online=True)
    Order.objects.filter(pk=order.pk).update(payment_method="vietqr")
    payment_start(
        order_id=order.pk, gateway_code="vietqr", by=None, token=order.token, client_ip="127.0.0.1"
    )
    return order


def delivered(transfer_id: int, deliveries: int = 1) -> sandbox.Delivery:
    """The last delivery of the transfer, once it has finished (delivered or given up)."""
    transfer = sandbox.transfer_named(transfer_id)
    assert transfer is not None
    assert len(transfer.deliveries) == deliveries
    delivery = transfer.deliveries[-1]
    assert delivery.finished.wait(DELIVERY_WAIT_SECONDS)
    return delivery


def paid(order: Order) -> bool:
    order.refresh_from_db()
    return order.payment_status == "paid"


# ---------------------------------------------------------------- the page


def test_the_page_is_in_vietnamese_and_prefilled_from_the_query(merchant):
    response = requests.get(
        f"{merchant}/sandbox/bank/",
        params={"content": "OCOP2026000123", "amount": "150000", "style": "casso"},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert '<html lang="vi">' in page
    assert "Chuyển khoản" in page
    assert "Nội dung chuyển khoản" in page
    assert "Số tiền" in page
    assert 'value="OCOP2026000123"' in page
    assert 'value="150000"' in page
    assert '<option value="casso" selected>' in page
    assert django_settings.VIETQR_ACCOUNT_NO in page
    # No external assets: everything the page needs is in it.
    assert not re.search(r'(src|href)="https?://', page)


def test_a_prefilled_amount_that_is_not_a_number_is_left_empty(merchant):
    response = requests.get(
        f"{merchant}/sandbox/bank/", params={"amount": "<script>", "style": "x"}, timeout=10
    )

    assert response.status_code == 200
    assert 'id="amount" name="amount" value=""' in response.text
    assert "<script>" not in response.text
    assert '<option value="sepay" selected>' in response.text


def form_session(url: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{url}/sandbox/bank/", timeout=10)
    (token,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    return session, token


@pytest.mark.parametrize("style", ["sepay", "casso"])
def test_posting_the_page_pays_the_order(merchant, style):
    order = vietqr_order()
    session, token = form_session(merchant)

    response = session.post(
        f"{merchant}/sandbox/bank/",
        data={
            "csrfmiddlewaretoken": token,
            "content": f"Thanh toán đơn {order.number}",
            "amount": "150.000",
            "style": style,
        },
        timeout=10,
    )

    assert response.status_code == 200
    (transfer_id,) = re.findall(r"/sandbox/bank/sent/(\d+)$", response.url)
    delivery = delivered(int(transfer_id))
    assert delivery.state == "delivered"
    assert [attempt.status for attempt in delivery.attempts] == [200]
    assert paid(order)
    stored = Notification.objects.get()
    assert (stored.outcome, stored.signature_valid) == ("recorded", True)
    assert stored.event_key == f"{style}:{transfer_id}"
    page = session.get(response.url, timeout=10).text
    assert "sàn đã nhận" in page


def test_a_page_post_without_the_csrf_token_is_refused(merchant):
    order = vietqr_order()

    response = requests.post(
        f"{merchant}/sandbox/bank/",
        data={"content": order.number, "amount": "150000", "style": "sepay"},
        timeout=10,
    )

    assert response.status_code == 403
    assert not Notification.objects.exists()
    assert not paid(order)


def test_a_page_post_with_bad_fields_shows_them_and_sends_nothing(merchant):
    session, token = form_session(merchant)
    before = len(sandbox.transfers_recent(limit=1000))

    response = session.post(
        f"{merchant}/sandbox/bank/",
        data={"csrfmiddlewaretoken": token, "content": " ", "amount": "abc", "style": "x"},
        timeout=10,
    )

    assert response.status_code == 400
    assert response.text.count('class="error"') == 3
    assert len(sandbox.transfers_recent(limit=1000)) == before
    assert not Notification.objects.exists()


def test_sending_again_from_the_page_is_a_duplicate_charged_once(merchant):
    order = vietqr_order()
    session, token = form_session(merchant)
    sent = session.post(
        f"{merchant}/sandbox/bank/",
        data={"csrfmiddlewaretoken": token, "content": order.number, "amount": "150000"},
        timeout=10,
    )
    (transfer_id,) = re.findall(r"/sandbox/bank/sent/(\d+)$", sent.url)
    delivered(int(transfer_id))
    token = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', sent.text)[0]

    again = session.post(f"{sent.url}/resend", data={"csrfmiddlewaretoken": token}, timeout=10)

    assert again.status_code == 200
    assert delivered(int(transfer_id), deliveries=2).state == "delivered"
    assert list(Notification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "recorded",
        "duplicate",
    ]
    assert TransactionEvent.objects.count() == 1
    assert paid(order)


def test_an_unknown_transfer_page_is_not_found(merchant):
    assert requests.get(f"{merchant}/sandbox/bank/sent/1", timeout=10).status_code == 404


# ---------------------------------------------------------------- the JSON API


def api_transfer(url: str, **fields) -> requests.Response:
    return requests.post(f"{url}/sandbox/bank/transfers", json=fields, timeout=10)


@pytest.mark.parametrize("style", ["sepay", "casso"])
def test_a_transfer_through_the_api_pays_the_order(merchant, style):
    order = vietqr_order()

    response = api_transfer(merchant, content=f"ck {order.number}", amount=TOTAL, style=style)

    assert response.status_code == 202
    created = response.json()
    assert (created["style"], created["amount"]) == (style, TOTAL)
    delivered(created["id"])
    assert paid(order)
    state = requests.get(f"{merchant}{created['status_url']}", timeout=10).json()
    assert state["deliveries"][0]["state"] == "delivered"
    assert [item["status"] for item in state["deliveries"][0]["attempts"]] == [200]
    assert json.loads(state["deliveries"][0]["attempts"][0]["answer"]) == {"success": True}
    assert Notification.objects.get().event_key == f"{style}:{created['id']}"


@pytest.mark.parametrize("style", ["sepay", "casso"])
def test_an_outgoing_transfer_through_the_api_is_ignored(merchant, style):
    order = vietqr_order()

    response = api_transfer(
        merchant, content=order.number, amount=TOTAL, style=style, direction="out"
    )

    delivered(response.json()["id"])
    assert Notification.objects.get().outcome == "ignored"
    assert not paid(order)


def test_an_underpayment_through_the_api_is_flagged_and_does_not_pay(merchant):
    order = vietqr_order()

    response = api_transfer(merchant, content=order.number, amount=TOTAL - 1)

    assert delivered(response.json()["id"]).state == "delivered"
    assert Notification.objects.get().outcome == "amount_mismatch"
    assert not paid(order)
    assert order.payments.get().needs_review


def test_resending_through_the_api_is_a_duplicate(merchant):
    order = vietqr_order()
    created = api_transfer(merchant, content=order.number, amount=TOTAL, style="casso").json()
    delivered(created["id"])

    again = requests.post(f"{merchant}/sandbox/bank/transfers/{created['id']}/resend", timeout=10)

    assert again.status_code == 202
    delivered(created["id"], deliveries=2)
    assert list(Notification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "recorded",
        "duplicate",
    ]
    assert TransactionEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"amount": TOTAL}, {"content"}),
        ({"content": "x" * 201, "amount": TOTAL}, {"content"}),
        ({"content": "OCOP", "amount": 0}, {"amount"}),
        ({"content": "OCOP", "amount": 500_000_000}, {"amount"}),
        ({"content": "OCOP", "amount": 1.5}, {"amount"}),
        ({"content": "OCOP", "amount": True}, {"amount"}),
        ({"content": "OCOP", "amount": TOTAL, "style": "momo"}, {"style"}),
        ({"content": "OCOP", "amount": TOTAL, "style": ["sepay"]}, {"style"}),
        ({"content": ["OCOP"], "amount": {"vnd": 1}}, {"content", "amount"}),
        ({"content": "OCOP", "amount": TOTAL, "direction": "up"}, {"direction"}),
        ({"content": "OCOP", "amount": TOTAL, "account_number": "12ab"}, {"account_number"}),
    ],
)
def test_the_api_refuses_what_cannot_be_a_transfer(merchant, fields, refused):
    before = len(sandbox.transfers_recent(limit=1000))

    response = api_transfer(merchant, **fields)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {error["field"] for error in errors} == refused
    assert all(error["code"] == "INVALID" and error["message"] for error in errors)
    assert len(sandbox.transfers_recent(limit=1000)) == before


def test_the_api_refuses_a_body_that_is_not_a_json_object(merchant):
    response = requests.post(f"{merchant}/sandbox/bank/transfers", data=b"[]", timeout=10)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_the_api_answers_json_for_an_unknown_transfer(merchant):
    for response in (
        requests.get(f"{merchant}/sandbox/bank/transfers/1", timeout=10),
        requests.post(f"{merchant}/sandbox/bank/transfers/1/resend", timeout=10),
    ):
        assert response.status_code == 404
        assert response.json()["errors"][0]["field"] == "id"


# ---------------------------------------------------------------- how it sends


class Recorder:
    """A merchant on loopback that records each notification and answers the statuses
    it is given in turn (the last one for every request after)."""

    def __init__(self, statuses: list[int]):
        self.statuses = statuses
        self.requests: list[tuple[dict, bytes]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append((dict(self.headers), body))
                index = min(len(recorder.requests), len(recorder.statuses)) - 1
                self.send_response(recorder.statuses[index])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def send(style: str, **fields) -> sandbox.Delivery:
    transfer = sandbox.transfer_make(
        content="thanh toan OCOP2026000123", amount=TOTAL, style=style, **fields
    )
    sandbox.transfer_send(transfer)
    return delivered(transfer.id)


def test_a_sepay_notification_failing_is_retried_up_to_seven_times(settings):
    settings.BANK_SANDBOX_RETRY_SECONDS = 0.001
    with Recorder([500]) as merchant_server:
        settings.PAYMENT_CALLBACK_BASE_URL = merchant_server.url

        delivery = send("sepay")

    assert delivery.state == "failed"
    assert [attempt.status for attempt in delivery.attempts] == [500] * 8
    assert len(merchant_server.requests) == 8
    authorizations = {headers["Authorization"] for headers, _body in merchant_server.requests}
    assert authorizations == {f"Apikey {settings.SEPAY_API_KEY}"}


def test_a_sepay_notification_is_retried_until_it_is_answered_2xx(settings):
    settings.BANK_SANDBOX_RETRY_SECONDS = 0.001
    with Recorder([503, 401, 201]) as merchant_server:
        settings.PAYMENT_CALLBACK_BASE_URL = merchant_server.url

        delivery = send("sepay")

    assert delivery.state == "delivered"
    assert [attempt.status for attempt in delivery.attempts] == [503, 401, 201]
    # Every attempt is the same transaction, the same bytes.
    assert len({body for _headers, body in merchant_server.requests}) == 1
    headers, body = merchant_server.requests[0]
    assert headers["Content-Type"] == "application/json"
    sent = json.loads(body)
    assert sent["transferType"] == "in"
    assert sent["transferAmount"] == TOTAL
    assert sent["accountNumber"] == settings.VIETQR_ACCOUNT_NO
    assert sent["content"] == "thanh toan OCOP2026000123"


def test_a_merchant_that_does_not_answer_is_retried(settings, closed_port):
    settings.BANK_SANDBOX_RETRY_SECONDS = 0.001
    settings.PAYMENT_CALLBACK_BASE_URL = f"http://127.0.0.1:{closed_port}"

    delivery = send("sepay")

    assert delivery.state == "failed"
    assert [attempt.status for attempt in delivery.attempts] == [None] * 8
    assert all(attempt.answer for attempt in delivery.attempts)


def test_a_casso_notification_is_signed_and_sent_once(settings):
    settings.BANK_SANDBOX_RETRY_SECONDS = 0.001
    with Recorder([500]) as merchant_server:
        settings.PAYMENT_CALLBACK_BASE_URL = merchant_server.url

        delivery = send("casso")

    assert delivery.state == "failed"
    assert len(delivery.attempts) == 1
    ((headers, body),) = merchant_server.requests
    assert "Authorization" not in headers
    bank.check_casso_signature(
        headers[bank.CASSO_SIGNATURE_HEADER], body, settings.CASSO_CHECKSUM_KEY
    )
    sent = json.loads(body)
    assert sent["error"] == 0
    assert (sent["data"]["amount"], sent["data"]["description"]) == (
        TOTAL,
        "thanh toan OCOP2026000123",
    )


def test_an_outgoing_casso_transfer_has_a_negative_amount(settings):
    with Recorder([200]) as merchant_server:
        settings.PAYMENT_CALLBACK_BASE_URL = merchant_server.url

        send("casso", direction="out")

    ((_headers, body),) = merchant_server.requests
    assert json.loads(body)["data"]["amount"] == -TOTAL


def test_transaction_ids_never_repeat():
    first = sandbox.transfer_make(content="a", amount=1)
    second = sandbox.transfer_make(content="b", amount=1)

    assert second.id > first.id
