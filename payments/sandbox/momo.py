"""MoMo's side of AIO v2, as a sandbox on this server (mounted at ``/sandbox/momo/``).

It speaks what ``payments.protocols.momo`` describes, from MoMo's side, for the one
merchant of the ``MOMO_*`` settings (read at call time):

- ``v2/gateway/api/create`` (POST JSON): checks the signature (13), the partner (11), the
  fields (20), the amount against the wallet's range, 1,000 to 50,000,000 VND, for every
  request type (21), a ``requestId`` already used for another request (40) and an
  ``orderId`` already used (41). MoMo's idempotency: the same ``requestId`` with the very
  same request is answered again as it was, not processed twice. The answer's ``payUrl``
  is this sandbox's page ``pay/<id>``; so are its ``deeplink`` and ``qrCodeUrl`` (there is
  no app here: a phone scanning the QR code opens the page).
- ``pay/<id>``: the buyer's page, in Vietnamese. "Xác nhận thanh toán" pays (0),
  "Từ chối" declines (1006); both send the buyer to ``redirectUrl`` with the signed
  result and, from a daemon thread, POST the signed IPN to the ``ipnUrl`` given at create,
  retried while the merchant answers anything but 204 (``IPN_ATTEMPTS`` in all,
  ``MOMO_SANDBOX_RETRY_SECONDS`` apart, 0.2 s by default: MoMo's retries on a fast clock).
  "Hủy" abandons: nothing is sent, the transaction waits (1000) as a real one would
  until it expires (``expire``).
- ``v2/gateway/api/query`` (POST JSON, signed): the transaction's state, with its
  ``refundTrans``; 42 for an ``orderId`` it does not know.
- ``v2/gateway/api/refund`` (POST JSON, signed): needs a **new** ``orderId`` (41 when it is
  a payment's or an earlier refund's) and the ``transId`` of a paid transaction (1080
  otherwise); partial refunds up to what was paid (1081 beyond it).

Refusals are answered with HTTP 400 and the ``resultCode``, as MoMo does for a request
it will not process. For the tests: ``drop_next_ipn`` (the next IPN is not sent, for
reconciliation), ``expire``, ``transaction_of``, ``deliveries`` / ``wait_for_ipn`` (every
IPN sent, with each attempt's answer) and ``reset``.

State is in memory, in this module, under one lock: one sandbox serves one process (the
development server, or the tests' live server); it forgets everything on restart.
"""

import hmac
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments.protocols import momo as protocol

Code = protocol.ResultCode
ORDER_NOT_FOUND = 42
REFUND_NOT_ALLOWED = 1080
REFUND_EXCEEDS_PAID = 1081
IPN_ATTEMPTS = 5
IPN_TIMEOUT_SECONDS = 15  # MoMo waits this long for the merchant's answer
DEFAULT_RETRY_SECONDS = 0.2
REFUND_MIN_AMOUNT = 1_000

MESSAGES = {
    Code.SUCCESS: "Thành công.",
    Code.AWAITING_BUYER: "Giao dịch đã được khởi tạo, chờ người dùng xác nhận thanh toán.",
    Code.EXPIRED: "Giao dịch thất bại do đã hết hạn thanh toán.",
    Code.DECLINED_BY_BUYER: "Giao dịch bị từ chối bởi người dùng.",
    Code.ACCESS_DENIED: "Truy cập bị từ chối.",
    Code.BAD_SIGNATURE: "Xác thực doanh nghiệp thất bại.",
    Code.BAD_FORMAT: "Yêu cầu bị từ chối vì sai định dạng.",
    Code.BAD_AMOUNT: "Số tiền không hợp lệ.",
    Code.DUPLICATE_REQUEST_ID: "requestId bị trùng.",
    Code.DUPLICATE_ORDER_ID: "orderId bị trùng.",
    ORDER_NOT_FOUND: "orderId không hợp lệ hoặc không được tìm thấy.",
    REFUND_NOT_ALLOWED: "Giao dịch hoàn tiền bị từ chối: không tìm thấy giao dịch đã thanh toán.",
    REFUND_EXCEEDS_PAID: "Giao dịch hoàn tiền bị từ chối: số tiền vượt quá số có thể hoàn.",
}
METHOD_LABELS = {
    protocol.CAPTURE_WALLET: "Ví MoMo",
    protocol.PAY_WITH_METHOD: "Ví MoMo, thẻ ATM hoặc thẻ quốc tế",
    protocol.PAY_WITH_ATM: "Thẻ ATM nội địa",
    protocol.PAY_WITH_CC: "Thẻ quốc tế",
}
ORDER_TYPE = "momo_wallet"
PAY_TYPE = "webApp"


@dataclass
class Transaction:
    id: str
    request: dict  # the create request as received (signature included)
    result_code: int = Code.AWAITING_BUYER
    trans_id: int = 0
    pay_type: str = ""
    updated_at: int = 0
    refunds: list[dict] = field(default_factory=list)

    @property
    def order_id(self) -> str:
        return self.request["orderId"]

    @property
    def amount(self) -> int:
        return self.request["amount"]

    @property
    def refunded(self) -> int:
        return sum(refund["amount"] for refund in self.refunds)


@dataclass
class Delivery:
    """One IPN the sandbox sent (or dropped): where, what, and each attempt's answer (an
    HTTP status, or the name of the error that stopped it)."""

    order_id: str
    url: str
    body: dict
    dropped: bool = False
    answers: list = field(default_factory=list)
    finished: bool = False

    @property
    def delivered(self) -> bool:
        return bool(self.answers) and self.answers[-1] == 204


_lock = threading.Lock()
_changed = threading.Condition(_lock)
_transactions: dict[str, Transaction] = {}  # by the sandbox's id (the page's)
_by_order_id: dict[str, Transaction] = {}
_refund_order_ids: set[str] = set()
# (operation, requestId) -> (the request, its HTTP status, its answer): MoMo's idempotency.
_answered: dict[tuple[str, str], tuple[dict, int, dict]] = {}
_deliveries: list[Delivery] = []
_threads: list[threading.Thread] = []
_drops = 0
_trans_ids = itertools.count(int(time.time()) % 1_000_000 * 10_000 + 4_000_000_000)


def _now_ms() -> int:
    return int(time.time() * 1000)


# ---------------------------------------------------------------- hooks for the tests


def reset(timeout: float = 10.0) -> None:
    """Forget every transaction and delivery, after the IPNs under way have finished."""
    global _drops
    for thread in list(_threads):
        thread.join(timeout)
    with _lock:
        _transactions.clear()
        _by_order_id.clear()
        _refund_order_ids.clear()
        _answered.clear()
        _deliveries.clear()
        _threads.clear()
        _drops = 0


def drop_next_ipn(count: int = 1) -> None:
    """Send none of the next ``count`` IPNs (the buyer is still redirected)."""
    global _drops
    with _lock:
        _drops += count


def transaction_of(order_id: str) -> Transaction | None:
    with _lock:
        return _by_order_id.get(order_id)


def deliveries(order_id: str | None = None) -> list[Delivery]:
    with _lock:
        return [item for item in _deliveries if order_id in (None, item.order_id)]


def wait_for_ipn(order_id: str, *, count: int = 1, timeout: float = 10.0) -> list[Delivery]:
    """The finished deliveries of ``order_id`` once there are ``count`` (fewer on timeout)."""
    deadline = time.monotonic() + timeout

    def finished() -> list[Delivery]:
        return [item for item in _deliveries if item.order_id == order_id and item.finished]

    with _changed:
        while len(finished()) < count and (left := deadline - time.monotonic()) > 0:
            _changed.wait(left)
        return finished()


def expire(order_id: str) -> None:
    """The buyer never paid: the transaction expires (1005) and its IPN is sent."""
    with _lock:
        transaction = _by_order_id[order_id]
        if transaction.result_code != Code.AWAITING_BUYER:
            return
        _settle(transaction, Code.EXPIRED)
        body = _result_of(transaction)
    _notify(transaction, body)


# ---------------------------------------------------------------- the merchant's API


def _answer(status: int, request: dict, result_code: int, **extra) -> JsonResponse:
    body = {
        "partnerCode": request.get("partnerCode", ""),
        "requestId": request.get("requestId", ""),
        "orderId": request.get("orderId", ""),
        "resultCode": int(result_code),
        "message": MESSAGES.get(result_code, ""),
        "responseTime": _now_ms(),
        **extra,
    }
    return JsonResponse(body, status=status)


def _refusal(request: dict, result_code: int) -> JsonResponse:
    return _answer(400, request, result_code)


def _read_signed(http_request: HttpRequest, sign) -> tuple[dict, JsonResponse | None]:
    """The JSON request and, when it is refused, the refusal (format, partner, signature)."""
    try:
        request = json.loads(http_request.body)
    except (ValueError, UnicodeDecodeError):
        return {}, _refusal({}, Code.BAD_FORMAT)
    if not isinstance(request, dict):
        return {}, _refusal({}, Code.BAD_FORMAT)
    if request.get("partnerCode") != settings.MOMO_PARTNER_CODE:
        return request, _refusal(request, Code.ACCESS_DENIED)
    try:
        expected = sign(request, settings.MOMO_ACCESS_KEY, settings.MOMO_SECRET_KEY)
    except protocol.MomoParameterError:
        return request, _refusal(request, Code.BAD_FORMAT)
    received = request.get(protocol.SIGNATURE_FIELD)
    if not isinstance(received, str) or not _same(expected, received):
        return request, _refusal(request, Code.BAD_SIGNATURE)
    return request, None


def _same(expected: str, received: str) -> bool:
    return hmac.compare_digest(expected.encode("ascii"), received.lower().encode("utf-8"))


def _replayed(operation: str, request: dict) -> JsonResponse | None:
    """MoMo's idempotency (under the lock): the same request again gets the same answer;
    another request under a used ``requestId`` is refused (40)."""
    seen = _answered.get((operation, request.get("requestId")))
    if seen is None:
        return None
    previous, status, body = seen
    if previous == request:
        return JsonResponse(body, status=status)
    return _refusal(request, Code.DUPLICATE_REQUEST_ID)


def _remember(operation: str, request: dict, response: JsonResponse) -> JsonResponse:
    body = json.loads(response.content)
    _answered[(operation, request["requestId"])] = (request, response.status_code, body)
    return response


@csrf_exempt
@require_POST
def create(http_request: HttpRequest) -> HttpResponse:
    request, refusal = _read_signed(http_request, protocol.sign_create)
    if refusal is not None:
        return refusal
    if not protocol.WALLET_MIN_AMOUNT <= request["amount"] <= protocol.WALLET_MAX_AMOUNT:
        return _refusal(request, Code.BAD_AMOUNT)
    if not isinstance(request.get("requestId"), str) or not request["requestId"]:
        return _refusal(request, Code.BAD_FORMAT)
    with _lock:
        if (replay := _replayed("create", request)) is not None:
            return replay
        if request["orderId"] in _by_order_id or request["orderId"] in _refund_order_ids:
            return _refusal(request, Code.DUPLICATE_ORDER_ID)
        transaction = Transaction(id=uuid.uuid4().hex, request=request, updated_at=_now_ms())
        _transactions[transaction.id] = transaction
        _by_order_id[transaction.order_id] = transaction
        pay_url = http_request.build_absolute_uri(
            reverse("sandbox-momo-pay", args=[transaction.id])
        )
        response = _answer(
            200,
            request,
            Code.SUCCESS,
            amount=transaction.amount,
            payUrl=pay_url,
            deeplink=pay_url,
            qrCodeUrl=pay_url,
        )
        return _remember("create", request, response)


@csrf_exempt
@require_POST
def query(http_request: HttpRequest) -> HttpResponse:
    request, refusal = _read_signed(http_request, protocol.sign_query)
    if refusal is not None:
        return refusal
    with _lock:
        transaction = _by_order_id.get(request["orderId"])
        if transaction is None:
            return _refusal(request, ORDER_NOT_FOUND)
        return _answer(
            200,
            request,
            transaction.result_code,
            extraData=transaction.request.get("extraData", ""),
            amount=transaction.amount,
            transId=transaction.trans_id,
            payType=transaction.pay_type,
            lastUpdated=transaction.updated_at,
            refundTrans=[dict(refund) for refund in transaction.refunds],
        )


@csrf_exempt
@require_POST
def refund(http_request: HttpRequest) -> HttpResponse:
    request, refusal = _read_signed(http_request, protocol.sign_refund)
    if refusal is not None:
        return refusal
    if not isinstance(request.get("requestId"), str) or not request["requestId"]:
        return _refusal(request, Code.BAD_FORMAT)
    with _lock:
        if (replay := _replayed("refund", request)) is not None:
            return replay
        order_id = request["orderId"]
        if order_id in _by_order_id or order_id in _refund_order_ids:
            return _refusal(request, Code.DUPLICATE_ORDER_ID)
        paid = next(
            (
                item
                for item in _transactions.values()
                if item.trans_id
                and str(item.trans_id) == str(request["transId"])
                and item.result_code == Code.SUCCESS
            ),
            None,
        )
        if paid is None:
            return _refusal(request, REFUND_NOT_ALLOWED)
        amount = request["amount"]
        if amount < REFUND_MIN_AMOUNT:
            return _refusal(request, Code.BAD_AMOUNT)
        if amount > paid.amount - paid.refunded:
            return _refusal(request, REFUND_EXCEEDS_PAID)
        trans_id = next(_trans_ids)
        paid.refunds.append(
            {
                "orderId": order_id,
                "amount": amount,
                "resultCode": int(Code.SUCCESS),
                "transId": trans_id,
                "createdTime": _now_ms(),
            }
        )
        paid.updated_at = _now_ms()
        _refund_order_ids.add(order_id)
        response = _answer(200, request, Code.SUCCESS, amount=amount, transId=trans_id)
        return _remember("refund", request, response)


# ---------------------------------------------------------------- the buyer's page


def _settle(transaction: Transaction, result_code: int) -> None:
    transaction.result_code = result_code
    transaction.trans_id = next(_trans_ids)
    transaction.pay_type = PAY_TYPE
    transaction.updated_at = _now_ms()


def _result_of(transaction: Transaction) -> dict:
    """The signed result MoMo sends in the IPN and on the buyer's redirect."""
    request = transaction.request
    body = {
        "partnerCode": request["partnerCode"],
        "orderId": transaction.order_id,
        "requestId": request["requestId"],
        "amount": transaction.amount,
        "orderInfo": request["orderInfo"],
        "orderType": ORDER_TYPE,
        "transId": transaction.trans_id,
        "resultCode": int(transaction.result_code),
        "message": MESSAGES.get(transaction.result_code, ""),
        "payType": transaction.pay_type,
        "responseTime": _now_ms(),
        "extraData": request.get("extraData", ""),
    }
    body["signature"] = protocol.sign_ipn(body, settings.MOMO_ACCESS_KEY, settings.MOMO_SECRET_KEY)
    return body


def _page(request: HttpRequest, template: str, transaction, status: int = 200) -> HttpResponse:
    context = {"transaction": transaction}
    if transaction is not None:
        context |= {
            "waiting": transaction.result_code == Code.AWAITING_BUYER,
            "paid": transaction.result_code == Code.SUCCESS,
            "order_info": transaction.request.get("orderInfo", ""),
            "method": METHOD_LABELS.get(transaction.request.get("requestType"), ""),
            "shop_url": transaction.request.get("redirectUrl", ""),
        }
    return render(request, f"payments/sandbox/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, transaction_id: str) -> HttpResponse:
    with _lock:
        transaction = _transactions.get(transaction_id)
    if transaction is None:
        return _page(request, "momo_pay.html", None, status=404)
    if request.method == "GET":
        return _page(request, "momo_pay.html", transaction)
    choice = request.POST.get("choice")
    if choice == "abandon":
        return _page(request, "momo_left.html", transaction)
    if choice not in ("approve", "decline"):
        return _page(request, "momo_pay.html", transaction, status=400)
    with _lock:
        if transaction.result_code != Code.AWAITING_BUYER:
            return _page(request, "momo_pay.html", transaction, status=409)
        _settle(transaction, Code.SUCCESS if choice == "approve" else Code.DECLINED_BY_BUYER)
        result = _result_of(transaction)
    _notify(transaction, result)
    redirect_url = transaction.request["redirectUrl"]
    if not redirect_url:  # MoMo allows none: the buyer stays on MoMo's page
        return _page(request, "momo_pay.html", transaction)
    separator = "&" if "?" in redirect_url else "?"
    return HttpResponseRedirect(f"{redirect_url}{separator}{urlencode(result)}")


# ---------------------------------------------------------------- the IPN


def _notify(transaction: Transaction, body: dict) -> None:
    global _drops
    delivery = Delivery(order_id=transaction.order_id, url=transaction.request["ipnUrl"], body=body)
    with _changed:
        _deliveries.append(delivery)
        if _drops > 0:
            _drops -= 1
            delivery.dropped = delivery.finished = True
            _changed.notify_all()
            return
        thread = threading.Thread(
            target=_deliver, args=(delivery,), name=f"momo-ipn-{delivery.order_id}", daemon=True
        )
        _threads.append(thread)
    thread.start()


def _deliver(delivery: Delivery) -> None:
    pause = float(getattr(settings, "MOMO_SANDBOX_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    for attempt in range(IPN_ATTEMPTS):
        if attempt:
            time.sleep(pause)
        try:
            response = requests.post(delivery.url, json=delivery.body, timeout=IPN_TIMEOUT_SECONDS)
            answer = response.status_code
        except requests.RequestException as error:
            answer = type(error).__name__
        with _changed:
            delivery.answers.append(answer)
        if answer == 204:
            break
    with _changed:
        delivery.finished = True
        _changed.notify_all()


urlpatterns = [
    path("v2/gateway/api/create", create, name="sandbox-momo-create"),
    path("v2/gateway/api/query", query, name="sandbox-momo-query"),
    path("v2/gateway/api/refund", refund, name="sandbox-momo-refund"),
    path("pay/<str:transaction_id>", pay, name="sandbox-momo-pay"),
]
