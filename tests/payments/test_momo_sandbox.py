"""The MoMo sandbox as a merchant sees it: its API, its page and its IPNs, over real HTTP.

The IPNs go to a small HTTP server of the test's own on loopback, which answers each
attempt with the status the test chooses, so MoMo's retries can be watched.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.conf import settings

from payments.protocols import momo
from payments.sandbox import momo as sandbox
from tests.payments.momo_helpers import CSRF_FIELD, HTTP_TIMEOUT, point_at_sandbox, press

pytestmark = pytest.mark.django_db(transaction=True)
SHOP_RETURN = "https://shop.example.vn/momo/return"


@pytest.fixture
def api(live_server, settings):
    point_at_sandbox(settings, live_server)
    sandbox.reset()

    def call(operation: str, request) -> requests.Response:
        url = f"{live_server.url}/sandbox/momo/v2/gateway/api/{operation}"
        if isinstance(request, bytes):
            return requests.post(url, data=request, timeout=HTTP_TIMEOUT)
        return requests.post(url, json=request, timeout=HTTP_TIMEOUT)

    yield call
    sandbox.reset()


class Receiver:
    """The merchant's IPN endpoint: answers the next statuses given, then 204."""

    def __init__(self):
        self.statuses: list[int] = []
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/payments/momo/ipn"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


def keys() -> tuple[str, str]:
    return settings.MOMO_ACCESS_KEY, settings.MOMO_SECRET_KEY


def create_request(ipn_url: str, **changes) -> dict:
    request = {
        "partnerCode": settings.MOMO_PARTNER_CODE,
        "requestId": f"REQ-{uuid.uuid4().hex}",
        "amount": 150_000,
        "orderId": f"OCOPT{uuid.uuid4().hex[:10]}",
        "orderInfo": "Thanh toán đơn hàng OCOP-2026-000001 Nho xanh Ninh Thuận",
        "redirectUrl": SHOP_RETURN,
        "ipnUrl": ipn_url,
        "requestType": momo.CAPTURE_WALLET,
        "extraData": "",
        "lang": "vi",
    } | changes
    return request | {"signature": momo.sign_create(request, *keys())}


def query_request(order_id: str) -> dict:
    request = {
        "partnerCode": settings.MOMO_PARTNER_CODE,
        "requestId": f"Q-{uuid.uuid4().hex}",
        "orderId": order_id,
        "lang": "vi",
    }
    return request | {"signature": momo.sign_query(request, *keys())}


def refund_request(trans_id, amount: int, order_id: str | None = None, **changes) -> dict:
    refund_id = order_id or f"REF{uuid.uuid4().hex[:10]}"
    request = {
        "partnerCode": settings.MOMO_PARTNER_CODE,
        "orderId": refund_id,
        "requestId": refund_id,
        "amount": amount,
        "transId": trans_id,
        "lang": "vi",
        "description": "Hoàn tiền đơn hàng",
    } | changes
    return request | {"signature": momo.sign_refund(request, *keys())}


def created(api, receiver, **changes) -> tuple[dict, dict]:
    request = create_request(receiver.url, **changes)
    answer = api("create", request)
    assert answer.status_code == 200, answer.text
    return request, answer.json()


def paid(api, receiver, **changes) -> tuple[dict, int]:
    """A transaction paid on the page, its IPN delivered; the request and MoMo's transId."""
    request, answer = created(api, receiver, **changes)
    press(answer["payUrl"], "approve", follow=False)
    sandbox.wait_for_ipn(request["orderId"])
    return request, sandbox.transaction_of(request["orderId"]).trans_id


# ---------------------------------------------------------------- create


def test_create_answers_a_pay_url_on_the_sandbox(api, receiver, live_server):
    request, answer = created(api, receiver)

    assert answer["resultCode"] == 0
    assert answer["orderId"] == request["orderId"]
    assert answer["requestId"] == request["requestId"]
    assert answer["amount"] == 150_000
    assert answer["payUrl"].startswith(f"{live_server.url}/sandbox/momo/pay/")
    assert answer["qrCodeUrl"]
    assert answer["deeplink"]


@pytest.mark.parametrize(
    ("change", "result_code"),
    [
        ({"signature": "0" * 64}, 13),
        ({"partnerCode": "OTHERSHOP"}, 11),
        ({"orderId": "OCOP 2026/1"}, 20),
        ({"requestType": "payWithGold"}, 20),
        ({"amount": "150000"}, 20),
    ],
)
def test_create_refuses_what_momo_would(api, receiver, change, result_code):
    request = create_request(receiver.url) | change

    answer = api("create", request)

    assert answer.status_code == 400
    assert answer.json()["resultCode"] == result_code
    assert sandbox.transaction_of(request["orderId"]) is None


def test_create_refuses_an_altered_vietnamese_order_info(api, receiver):
    request = create_request(receiver.url)
    request["orderInfo"] = request["orderInfo"].replace("Thuận", "Thuan")

    assert api("create", request).json()["resultCode"] == 13


def test_create_refuses_what_is_not_json(api):
    answer = api("create", b"{partnerCode")

    assert answer.status_code == 400
    assert answer.json()["resultCode"] == 20


@pytest.mark.parametrize(
    ("amount", "result_code"), [(999, 21), (1_000, 0), (50_000_000, 0), (50_000_001, 21)]
)
def test_create_keeps_to_the_wallets_range(api, receiver, amount, result_code):
    answer = api("create", create_request(receiver.url, amount=amount))

    assert answer.json()["resultCode"] == result_code


def test_the_same_request_again_is_answered_again_not_created_twice(api, receiver):
    request, first = created(api, receiver)

    again = api("create", request)

    assert again.status_code == 200
    assert again.json() == first


def test_a_used_request_id_with_another_request_is_refused(api, receiver):
    request, _answer = created(api, receiver)
    other = create_request(receiver.url, requestId=request["requestId"])

    answer = api("create", other)

    assert answer.json()["resultCode"] == 40
    assert sandbox.transaction_of(other["orderId"]) is None


def test_a_used_order_id_is_refused(api, receiver):
    request, _answer = created(api, receiver)

    answer = api("create", create_request(receiver.url, orderId=request["orderId"]))

    assert answer.json()["resultCode"] == 41


# ---------------------------------------------------------------- the page


def test_the_page_shows_the_payment_in_vietnamese(api, receiver):
    _request, answer = created(api, receiver)

    page = requests.get(answer["payUrl"], timeout=HTTP_TIMEOUT)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'lang="vi"' in page.text
    assert "150.000 ₫" in page.text
    assert "Nho xanh Ninh Thuận" in page.text
    for label in ("Xác nhận thanh toán", "Từ chối", "Hủy"):
        assert f">{label}</button>" in page.text
    # Nothing from elsewhere: no scripts, no external styles or images.
    assert "<script" not in page.text
    assert 'href="http' not in page.text
    assert "src=" not in page.text


def test_an_unknown_page_is_not_found(api, live_server):
    page = requests.get(f"{live_server.url}/sandbox/momo/pay/nothing", timeout=HTTP_TIMEOUT)

    assert page.status_code == 404
    assert "Không tìm thấy giao dịch" in page.text


def test_approving_redirects_the_buyer_with_the_signed_result_and_sends_the_ipn(api, receiver):
    request, answer = created(api, receiver)

    redirect = press(answer["payUrl"], "approve", follow=False)

    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == SHOP_RETURN
    result = dict(parse_qsl(location.query))
    assert momo.verify_ipn(result, *keys())
    assert result["resultCode"] == "0"
    assert result["orderId"] == request["orderId"]
    (delivery,) = sandbox.wait_for_ipn(request["orderId"])
    assert delivery.delivered
    assert delivery.answers == [204]
    (ipn,) = receiver.bodies
    assert momo.verify_ipn(ipn, *keys())
    assert ipn["resultCode"] == 0
    assert ipn["amount"] == 150_000
    assert ipn["transId"] == int(result["transId"]) > 0
    assert ipn["orderInfo"] == request["orderInfo"]


def test_without_a_redirect_url_the_buyer_stays_on_momos_page(api, receiver):
    request, answer = created(api, receiver, redirectUrl="")

    page = press(answer["payUrl"], "approve", follow=False)

    assert page.status_code == 200
    assert "Giao dịch này đã được thanh toán." in page.text
    assert sandbox.wait_for_ipn(request["orderId"])[0].delivered


def test_declining_sends_1006(api, receiver):
    request, answer = created(api, receiver)

    press(answer["payUrl"], "decline", follow=False)

    sandbox.wait_for_ipn(request["orderId"])
    (ipn,) = receiver.bodies
    assert ipn["resultCode"] == 1006
    assert momo.verify_ipn(ipn, *keys())


def test_a_settled_payment_cannot_be_pressed_again(api, receiver):
    request, answer = created(api, receiver)
    # A second tab, opened while the payment was waiting.
    other_tab = requests.Session()
    page = other_tab.get(answer["payUrl"], timeout=HTTP_TIMEOUT)
    token = CSRF_FIELD.search(page.text).group(1)
    press(answer["payUrl"], "approve", follow=False)
    sandbox.wait_for_ipn(request["orderId"])

    again = other_tab.post(
        answer["payUrl"],
        data={"csrfmiddlewaretoken": token, "choice": "decline"},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )

    assert again.status_code == 409
    assert "Giao dịch này đã được thanh toán." in again.text
    assert len(sandbox.deliveries(request["orderId"])) == 1
    assert sandbox.transaction_of(request["orderId"]).result_code == 0


def test_abandoning_sends_nothing_until_the_payment_expires(api, receiver):
    request, answer = created(api, receiver)

    left = press(answer["payUrl"], "abandon", follow=False)

    assert left.status_code == 200
    assert "Bạn đã rời trang thanh toán" in left.text
    assert sandbox.deliveries(request["orderId"]) == []
    sandbox.expire(request["orderId"])
    sandbox.wait_for_ipn(request["orderId"])
    (ipn,) = receiver.bodies
    assert ipn["resultCode"] == 1005


# ---------------------------------------------------------------- the IPN's retries


def test_an_ipn_not_answered_204_is_sent_again(api, receiver):
    receiver.statuses = [500, 200]
    request, answer = created(api, receiver)

    press(answer["payUrl"], "approve", follow=False)

    (delivery,) = sandbox.wait_for_ipn(request["orderId"])
    assert delivery.answers == [500, 200, 204]
    assert len(receiver.bodies) == 3
    assert receiver.bodies[0] == receiver.bodies[2]


def test_the_sandbox_gives_up_after_its_attempts(api, receiver):
    receiver.statuses = [503] * 10
    request, answer = created(api, receiver)

    press(answer["payUrl"], "approve", follow=False)

    (delivery,) = sandbox.wait_for_ipn(request["orderId"])
    assert delivery.answers == [503] * sandbox.IPN_ATTEMPTS
    assert not delivery.delivered


def test_an_unreachable_merchant_is_retried_then_given_up(api, closed_port):
    request = create_request(f"http://127.0.0.1:{closed_port}/payments/momo/ipn")
    answer = api("create", request).json()

    press(answer["payUrl"], "approve", follow=False)

    (delivery,) = sandbox.wait_for_ipn(request["orderId"])
    assert delivery.answers == ["ConnectionError"] * sandbox.IPN_ATTEMPTS


def test_the_next_ipn_can_be_dropped(api, receiver):
    sandbox.drop_next_ipn()
    dropped, answer = created(api, receiver)
    press(answer["payUrl"], "approve", follow=False)
    sent, answer = created(api, receiver)
    press(answer["payUrl"], "approve", follow=False)

    sandbox.wait_for_ipn(sent["orderId"])
    (delivery,) = sandbox.deliveries(dropped["orderId"])
    assert delivery.dropped
    assert not delivery.answers
    assert [body["orderId"] for body in receiver.bodies] == [sent["orderId"]]


# ---------------------------------------------------------------- query


def test_query_follows_the_transaction(api, receiver):
    request, answer = created(api, receiver)
    waiting = api("query", query_request(request["orderId"])).json()
    press(answer["payUrl"], "approve", follow=False)
    sandbox.wait_for_ipn(request["orderId"])

    done = api("query", query_request(request["orderId"])).json()

    assert (waiting["resultCode"], waiting["transId"]) == (1000, 0)
    assert done["resultCode"] == 0
    assert done["amount"] == 150_000
    assert done["transId"] == sandbox.transaction_of(request["orderId"]).trans_id
    assert done["refundTrans"] == []


def test_query_refuses_a_bad_signature_and_an_unknown_order(api, receiver):
    request, _answer = created(api, receiver)

    forged = api("query", query_request(request["orderId"]) | {"signature": "f" * 64})
    unknown = api("query", query_request("OCOPNOTHING"))

    assert forged.json()["resultCode"] == 13
    assert unknown.json()["resultCode"] == 42


# ---------------------------------------------------------------- refund


def test_refunds_take_a_new_order_id_and_up_to_what_was_paid(api, receiver):
    request, trans_id = paid(api, receiver)

    partial = api("refund", refund_request(trans_id, 100_000)).json()
    rest = api("refund", refund_request(trans_id, 50_000)).json()
    beyond = api("refund", refund_request(trans_id, 1_000)).json()

    assert (partial["resultCode"], partial["amount"]) == (0, 100_000)
    assert partial["transId"] not in (0, trans_id)
    assert rest["resultCode"] == 0
    assert beyond["resultCode"] == 1081
    listed = api("query", query_request(request["orderId"])).json()["refundTrans"]
    assert [(item["amount"], item["transId"]) for item in listed] == [
        (100_000, partial["transId"]),
        (50_000, rest["transId"]),
    ]


def test_a_refund_under_the_payments_own_order_id_is_refused(api, receiver):
    request, trans_id = paid(api, receiver)

    answer = api("refund", refund_request(trans_id, 10_000, order_id=request["orderId"]))

    assert answer.json()["resultCode"] == 41


def test_a_refund_order_id_is_used_once(api, receiver):
    _request, trans_id = paid(api, receiver)
    first = refund_request(trans_id, 10_000)
    assert api("refund", first).json()["resultCode"] == 0

    reused = refund_request(trans_id, 10_000, order_id=first["orderId"], requestId="NEW-REQ")

    assert api("refund", reused).json()["resultCode"] == 41


def test_the_same_refund_request_again_refunds_once(api, receiver):
    request, trans_id = paid(api, receiver)
    refund = refund_request(trans_id, 30_000)

    first, again = api("refund", refund).json(), api("refund", refund).json()

    assert first == again
    assert len(sandbox.transaction_of(request["orderId"]).refunds) == 1


@pytest.mark.parametrize(
    ("change", "result_code"),
    [({"signature": "a" * 64}, 13), ({"partnerCode": "OTHERSHOP"}, 11), ({"amount": 500}, 21)],
)
def test_refund_refuses_what_momo_would(api, receiver, change, result_code):
    _request, trans_id = paid(api, receiver)
    request = refund_request(trans_id, 10_000)
    if "amount" in change:
        request = refund_request(trans_id, change["amount"])
    else:
        request |= change

    assert api("refund", request).json()["resultCode"] == result_code


def test_a_refund_of_an_unpaid_or_unknown_transaction_is_refused(api, receiver):
    request, answer = created(api, receiver)
    press(answer["payUrl"], "decline", follow=False)
    sandbox.wait_for_ipn(request["orderId"])
    declined = sandbox.transaction_of(request["orderId"]).trans_id

    assert api("refund", refund_request(declined, 10_000)).json()["resultCode"] == 1080
    assert api("refund", refund_request(123456789, 10_000)).json()["resultCode"] == 1080
