"""VNPay's side of API 2.1.0, for the tests and ``make run`` (mounted at ``/sandbox/vnpay/``).

- ``paymentv2/vpcpay.html`` is VNPay's payment page: it checks the merchant's
  ``vnp_SecureHash`` and ``vnp_TmnCode`` (an error page otherwise), keeps the transaction
  and shows the "buyer" a page in Vietnamese to approve (``Thanh toán``), decline
  (``Từ chối``, with the response code to answer) or abandon (``Hủy``) the payment.
- Approving or declining sends the buyer back to ``vnp_ReturnUrl`` with the signed result
  and, from a daemon thread, sends the same signed parameters to the merchant's IPN URL
  (``callback_url("vnpay", "ipn")``, which VNPay's merchant portal would hold) as a GET,
  as VNPay does: again until the answer's ``RspCode`` is ``00`` or ``02``, at most
  ``MAX_RETRIES`` more times, ``settings.VNPAY_SANDBOX_RETRY_SECONDS`` apart (VNPay waits
  minutes; the sandbox's clock is fast). Abandoning sends nothing.
- ``merchant_webapi/api/transaction`` answers ``querydr`` and refund requests
  (``vnpay_api``).

Its state is in memory (``vnpay_store``, whose hooks for the tests are repeated here),
behind one lock: one sandbox serves one process. The tests read what was delivered
(``deliveries``), make the next IPN get lost (``drop_next_ipn``) to prove reconciliation,
and start clean (``reset``).
"""

import secrets
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from payments.protocols import vnpay as protocol
from payments.sandbox import vnpay_store as store
from payments.sandbox.vnpay_api import transaction_api
from payments.sandbox.vnpay_store import (
    ABANDONED,
    APPROVED,
    DECLINED,
    PENDING,
    Delivery,
    SandboxTransaction,
    deliveries,
    drop_next_ipn,
    reset,
    transaction_of,
)
from payments.services.start import callback_url

__all__ = [
    "ABANDONED",
    "MAX_RETRIES",
    "Delivery",
    "SandboxTransaction",
    "deliveries",
    "drop_next_ipn",
    "reset",
    "transaction_of",
    "urlpatterns",
]

# VNPay sends the IPN once, then again up to this many times while the answer is not final.
MAX_RETRIES = 10
DEFAULT_RETRY_SECONDS = 0.2
CARD_TYPE = "ATM"
CANCELLED_BY_BUYER = "24"
TIMED_OUT = "11"

# The codes the "buyer" may decline with, as VNPay's page would report them.
DECLINE_REASONS = {
    "24": "Khách hàng hủy giao dịch",
    "51": "Tài khoản không đủ số dư",
    "11": "Hết hạn chờ thanh toán",
    "12": "Thẻ/Tài khoản bị khóa",
    "13": "Nhập sai mật khẩu xác thực (OTP)",
    "65": "Vượt quá hạn mức giao dịch trong ngày",
    "75": "Ngân hàng đang bảo trì",
    "79": "Nhập sai mật khẩu thanh toán quá số lần quy định",
    "99": "Lỗi khác",
}
# The error page's texts (VNPay's pages are Vietnamese), by VNPay's error code.
PAGE_ERRORS = {
    "01": "Giao dịch đã tồn tại.",
    "03": "Dữ liệu gửi sang không đúng định dạng.",
    "11": "Giao dịch đã quá thời gian chờ thanh toán.",
    "70": "Sai chữ ký.",
    "72": "Không tìm thấy website (mã TmnCode không hợp lệ).",
    "91": "Không tìm thấy giao dịch.",
    "92": "Giao dịch đã được xử lý.",
}
REQUIRED_PAYMENT_PARAMETERS = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
)


@require_GET
def payment_page(request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in request.GET}
    code = _payment_refusal(params)
    if code:
        return _error_page(request, code)
    record = SandboxTransaction(
        tmn_code=params["vnp_TmnCode"],
        txn_ref=params["vnp_TxnRef"],
        amount=int(params["vnp_Amount"]),
        order_info=params["vnp_OrderInfo"],
        return_url=params["vnp_ReturnUrl"],
        create_date=params["vnp_CreateDate"],
        expires_at=protocol.parse_timestamp(params["vnp_ExpireDate"]),
        session=secrets.token_urlsafe(24),
    )
    with store.lock:
        existing = store.transactions.get(record.txn_ref)
        if existing is not None and existing.state != PENDING:
            return _error_page(request, "01")
        if existing is not None:
            # The buyer opened the same payment again: the newest page is the one.
            store.sessions.pop(existing.session, None)
        store.transactions[record.txn_ref] = record
        store.sessions[record.session] = record.txn_ref
    return render(
        request,
        "payments/sandbox/vnpay_pay.html",
        {
            "record": record,
            "amount": record.amount // 100,
            "reasons": sorted(DECLINE_REASONS.items(), key=lambda item: item[0] != "24"),
        },
    )


def _payment_refusal(params: dict[str, str]) -> str:
    """VNPay's error code for a payment request it would refuse, or ``""``."""
    secret = settings.VNPAY_HASH_SECRET
    if not protocol.verify(params, secret):
        return "70"
    if params.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE:
        return "72"
    if any(not params.get(name) for name in REQUIRED_PAYMENT_PARAMETERS):
        return "03"
    if (
        params["vnp_Version"] != protocol.VERSION
        or params["vnp_Command"] != protocol.PAY_COMMAND
        or params["vnp_CurrCode"] != protocol.CURRENCY
        or urlsplit(params["vnp_ReturnUrl"]).scheme not in ("http", "https")
    ):
        return "03"
    signed_back = {
        name: value
        for name, value in params.items()
        if name.startswith(protocol.PARAMETER_PREFIX) and name not in protocol.HASH_FIELDS
    }
    try:
        protocol.amount_vnd(params["vnp_Amount"])
        expires_at = protocol.parse_timestamp(params["vnp_ExpireDate"])
        protocol.parse_timestamp(params["vnp_CreateDate"])
        # What the sandbox signs back must be signable (the protocol's own refusals).
        protocol.canonical_query(signed_back)
    except protocol.VnpayParameterError:
        return "03"
    if expires_at <= timezone.now():
        return "11"
    return ""


@csrf_exempt  # the form's session is an unguessable token of its own
@require_POST
def payment_decide(request: HttpRequest) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "decline", "abandon"):
        return _error_page(request, "03")
    with store.lock:
        record = store.transactions.get(store.sessions.get(request.POST.get("session", ""), ""))
        if record is None:
            return _error_page(request, "91", status=404)
        if record.state != PENDING:
            return _error_page(request, "92", status=409)
        if decision == "abandon":
            record.state = ABANDONED
            result = None
        else:
            _decide(record, decision, request.POST.get("reason", ""))
            result = _result_parameters(record)
    if result is None:
        return render(request, "payments/sandbox/vnpay_abandoned.html", {"record": record})
    secret = settings.VNPAY_HASH_SECRET
    _send_ipn(record.txn_ref, protocol.payment_url(callback_url("vnpay", "ipn"), result, secret))
    return HttpResponseRedirect(protocol.payment_url(record.return_url, result, secret))


def _decide(record: SandboxTransaction, decision: str, reason: str) -> None:
    if decision == "approve":
        code = protocol.SUCCESS
    else:
        code = reason if reason in DECLINE_REASONS else CANCELLED_BY_BUYER
    if record.expires_at <= timezone.now():
        code = TIMED_OUT
    record.state = APPROVED if code == protocol.SUCCESS else DECLINED
    record.response_code = code
    # VNPay numbers no transaction the buyer cancelled on its page: it writes 0.
    record.transaction_no = "0" if code == CANCELLED_BY_BUYER else store.next_number()
    record.pay_date = protocol.timestamp(timezone.now())


def _result_parameters(record: SandboxTransaction) -> dict[str, str]:
    result = {
        "vnp_Amount": str(record.amount),
        "vnp_BankCode": store.BANK_CODE,
        "vnp_OrderInfo": record.order_info,
        "vnp_PayDate": record.pay_date,
        "vnp_ResponseCode": record.response_code,
        "vnp_TmnCode": record.tmn_code,
        "vnp_TransactionNo": record.transaction_no,
        "vnp_TransactionStatus": record.transaction_status,
        "vnp_TxnRef": record.txn_ref,
    }
    if record.state == APPROVED:
        result["vnp_BankTranNo"] = f"VNP{record.transaction_no}"
        result["vnp_CardType"] = CARD_TYPE
    return result


def _error_page(request: HttpRequest, code: str, *, status: int = 400) -> HttpResponse:
    return render(
        request,
        "payments/sandbox/vnpay_error.html",
        {"code": code, "message": PAGE_ERRORS[code]},
        status=status,
    )


# -- the IPN -------------------------------------------------------------------------------


def _send_ipn(txn_ref: str, url: str) -> None:
    delivery = Delivery(txn_ref=txn_ref, url=url)
    with store.lock:
        store.sent.append(delivery)
        generation = store.state["generation"]
        if store.state["drops"]:
            store.state["drops"] -= 1
            delivery.dropped = True
    if delivery.dropped:
        delivery.finished.set()
        return
    # Settings are read here, in the request, not in the thread (a test may restore them).
    retry_seconds = float(getattr(settings, "VNPAY_SANDBOX_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    timeout = settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS
    threading.Thread(
        target=_deliver,
        args=(delivery, generation, retry_seconds, timeout),
        name=f"vnpay-sandbox-ipn-{txn_ref}",
        daemon=True,
    ).start()


def _deliver(delivery: Delivery, generation: int, retry_seconds: float, timeout: float) -> None:
    try:
        for attempt in range(1, MAX_RETRIES + 2):
            if store.state["generation"] != generation:
                return
            outcome = _attempt(delivery.url, attempt, timeout)
            with store.lock:
                delivery.attempts.append(outcome)
            if (outcome["answer"] or {}).get("RspCode") in protocol.FINAL_ANSWERS:
                return
            if attempt <= MAX_RETRIES:
                time.sleep(retry_seconds)
    finally:
        delivery.finished.set()


def _attempt(url: str, attempt: int, timeout: float) -> dict:
    outcome = {"attempt": attempt, "status": None, "answer": None, "error": ""}
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as error:
        outcome["error"] = type(error).__name__
        return outcome
    outcome["status"] = response.status_code
    try:
        answer = response.json()
    except ValueError:
        outcome["error"] = "not JSON"
        return outcome
    outcome["answer"] = answer if isinstance(answer, dict) else None
    return outcome


urlpatterns = [
    path("paymentv2/vpcpay.html", payment_page, name="sandbox-vnpay-pay"),
    path("paymentv2/decide", payment_decide, name="sandbox-vnpay-decide"),
    path("merchant_webapi/api/transaction", transaction_api, name="sandbox-vnpay-transaction"),
]
