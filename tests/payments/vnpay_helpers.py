"""Helpers of the VNPay tests: settings pointing at the sandbox on the live server, an order
to pay, a buyer pressing a button on the sandbox's page over HTTP, and IPNs signed as
VNPay signs them."""

import json
import re
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import requests
from django.conf import settings

from market.orders.models import Order
from payments.models import Payment
from payments.protocols import vnpay
from payments.sandbox import vnpay as sandbox
from payments.services.start import payment_start
from tests.factories import UserFactory
from tests.orders.factories import place, stocked_variant

HTTP_TIMEOUT = 20
# Generous: an IPN is delivered in well under a second on loopback.
DELIVERY_WAIT_SECONDS = 30
PRICE = 120_000
# The orders factory's flat shipping for the one seller.
TOTAL = PRICE + 30_000
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
SESSION_FIELD = re.compile(r'name="session" value="([^"]+)"')


def point_at_sandbox(settings, live_server) -> None:
    """This server's callbacks and VNPay's URLs on the live server, VNPay offered, and the
    sandbox's retries on a fast clock."""
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    settings.VNPAY_PAYMENT_URL = f"{live_server.url}/sandbox/vnpay/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = f"{live_server.url}/sandbox/vnpay/merchant_webapi/api/transaction"
    settings.PAYMENT_METHODS = ["cod", "vnpay"]
    settings.VNPAY_SANDBOX_RETRY_SECONDS = 0.05


@contextmanager
def sandbox_on(settings, live_server):
    """The live server with VNPay's sandbox, empty (for a module's fixture); IPNs still
    under way are stopped and waited for, before the test's database is emptied."""
    point_at_sandbox(settings, live_server)
    sandbox.reset()
    try:
        yield live_server
    finally:
        pending = sandbox.deliveries()
        sandbox.reset()
        for delivery in pending:
            delivery.finished.wait(DELIVERY_WAIT_SECONDS)


def vnpay_order(*, language: str = "vi", client_ip: str = "203.113.1.10") -> tuple[Order, Payment]:
    """An unpaid order of 150,000 VND by a signed-in buyer, its VNPay payment started."""
    buyer = UserFactory()
    order = place([(stocked_variant(price=PRICE), 1)], user=buyer, online=True, language=language)
    payment = payment_start(order_id=order.pk, gateway_code="vnpay", by=buyer, client_ip=client_ip)
    return order, payment


def open_page(pay_url: str) -> requests.Response:
    return requests.get(pay_url, timeout=HTTP_TIMEOUT)


def press(
    pay_url: str, decision: str, *, reason: str | None = None, follow: bool = True
) -> requests.Response:
    """Open VNPay's page as a browser does and press ``approve``, ``decline`` or
    ``abandon`` (with the decline's ``reason`` code)."""
    page = open_page(pay_url)
    page.raise_for_status()
    action = urljoin(pay_url, FORM_ACTION.search(page.text).group(1))
    data = {"session": SESSION_FIELD.search(page.text).group(1), "decision": decision}
    if reason is not None:
        data["reason"] = reason
    return requests.post(action, data=data, allow_redirects=follow, timeout=HTTP_TIMEOUT)


def delivered(txn_ref: str) -> sandbox.Delivery:
    """The one IPN of ``txn_ref``, once the sandbox is done with it."""
    found = sandbox.deliveries(txn_ref)
    assert len(found) == 1, found
    assert found[0].finished.wait(DELIVERY_WAIT_SECONDS)
    return found[0]


def wait_until(condition, *, seconds: float = DELIVERY_WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def ipn_params(payment: Payment, **changes: str) -> dict[str, str]:
    """What VNPay's IPN says of a successful payment of ``payment``, before signing."""
    params = {
        "vnp_Amount": str(payment.amount * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14422574",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Thanh toan don hang",
        "vnp_PayDate": "20260115091806",
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_TransactionNo": "14422574",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": payment.reference,
    }
    params.update(changes)
    return params


def send_ipn(live_server, params: dict[str, str], *, secret: str | None = None):
    """GET this server's IPN endpoint with ``params`` signed (as VNPay signs its IPN)."""
    url = vnpay.payment_url(
        f"{live_server.url}/payments/vnpay/ipn", params, secret or settings.VNPAY_HASH_SECRET
    )
    return requests.get(url, timeout=HTTP_TIMEOUT)


def paid_payment() -> Payment:
    """A payment approved on the sandbox's page, its IPN recorded."""
    _order, payment = vnpay_order()
    press(payment.action["url"], "approve")
    assert delivered(payment.reference).answers == ["00"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    return payment


class _ForgedVnpayApi(BaseHTTPRequestHandler):
    """Answers every request with a querydr success signed with another secret."""

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {
            "vnp_ResponseId": "forged",
            "vnp_Command": "querydr",
            "vnp_ResponseCode": "00",
            "vnp_Message": "QueryDR Success",
            "vnp_TmnCode": request["vnp_TmnCode"],
            "vnp_TxnRef": request["vnp_TxnRef"],
            "vnp_Amount": "15000000",
            "vnp_TransactionNo": "777",
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": "00",
        }
        answer["vnp_SecureHash"] = vnpay.sign_querydr_response(answer, "NOTTHEMERCHANTSSECRET")
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def forged_vnpay_api():
    """The URL of a VNPay API on loopback whose answers are signed with another secret."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForgedVnpayApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/merchant_webapi/api/transaction"
    finally:
        server.shutdown()
        server.server_close()
