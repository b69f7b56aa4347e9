"""VNPay's merchant API for the sandbox: ``querydr`` and refund at
``/sandbox/vnpay/merchant_webapi/api/transaction`` (JSON POST, always answered HTTP 200).

A request is checked as VNPay checks it (every signed field present, its
``vnp_SecureHash`` over the ``|``-joined fields, the merchant's ``vnp_TmnCode``, a request
id not used before), then answered about the transaction the payment page keeps
(``vnpay_store``), signed over the answer's own fields as VNPay signs them.
"""

import hmac
import json
import uuid

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.protocols import vnpay as protocol
from payments.sandbox import vnpay_store as store

# The API's vnp_ResponseCode values, with the messages the sandbox answers.
API_MESSAGES = {
    "00": "Request success",
    "02": "Invalid TmnCode",
    "03": "Invalid data format",
    "91": "Transaction not found",
    "94": "Duplicate request",
    "95": "Transaction was not successful, refund refused",
    "97": "Invalid checksum",
    "99": "Invalid refund amount",
}


@csrf_exempt  # a server-to-server API, authenticated by its signature
@require_POST
def transaction_api(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _api_answer(protocol.sign_querydr_response, {}, "03")
    command = body.get("vnp_Command")
    if command == protocol.QUERYDR_COMMAND:
        return _querydr(body)
    if command == protocol.REFUND_COMMAND:
        return _refund(body)
    return _api_answer(protocol.sign_querydr_response, body, "03")


def _request_refusal(body: dict, fields: tuple[str, ...], signer, *, remember: bool) -> str:
    """The API's code for a request it refuses before looking for the transaction.

    A request id already used is refused (``94``); the id of a signed query is kept at
    once, a refund's only once it is done, so a refused refund can be asked again."""
    if any(not isinstance(body.get(name), str | int) for name in fields):
        return "03"
    received = body.get(protocol.SECURE_HASH)
    try:
        expected = signer(body, settings.VNPAY_HASH_SECRET)
    except protocol.VnpayParameterError:
        return "03"
    if not isinstance(received, str) or not hmac.compare_digest(
        expected.encode("ascii"), received.lower().encode("utf-8")
    ):
        return "97"
    if body["vnp_TmnCode"] != settings.VNPAY_TMN_CODE:
        return "02"
    request_id = str(body["vnp_RequestId"])
    with store.lock:
        if request_id in store.request_ids:
            return "94"
        if remember:
            store.request_ids.add(request_id)
    return ""


def _querydr(body: dict) -> JsonResponse:
    signer = protocol.sign_querydr_response
    code = _request_refusal(
        body, protocol.QUERYDR_SIGNED_FIELDS, protocol.sign_querydr, remember=True
    )
    if code:
        return _api_answer(signer, body, code)
    with store.lock:
        record = store.transactions.get(str(body["vnp_TxnRef"]))
        if record is None or str(body["vnp_TransactionDate"]) != record.create_date:
            return _api_answer(signer, body, "91")
        return _api_answer(
            signer,
            body,
            "00",
            vnp_Amount=str(record.amount),
            vnp_BankCode=store.BANK_CODE if record.pay_date else "",
            vnp_PayDate=record.pay_date,
            vnp_TransactionNo=record.transaction_no,
            vnp_TransactionType="01",
            vnp_TransactionStatus=record.transaction_status,
            vnp_OrderInfo=record.order_info,
        )


def _refund(body: dict) -> JsonResponse:
    signer = protocol.sign_refund_response
    code = _request_refusal(
        body, protocol.REFUND_SIGNED_FIELDS, protocol.sign_refund, remember=False
    )
    if code:
        return _api_answer(signer, body, code)
    kind = str(body["vnp_TransactionType"])
    try:
        # Kept in VNPay's hundredths, as the transaction's amount is.
        amount = protocol.amount_vnd(str(body["vnp_Amount"])) * 100
    except protocol.VnpayParameterError:
        return _api_answer(signer, body, "03")
    if amount <= 0 or kind not in (protocol.REFUND_FULL, protocol.REFUND_PARTIAL):
        return _api_answer(signer, body, "03")
    with store.lock:
        record = store.transactions.get(str(body["vnp_TxnRef"]))
        number = str(body["vnp_TransactionNo"])
        if (
            record is None
            or str(body["vnp_TransactionDate"]) != record.create_date
            or (number and number != record.transaction_no)
        ):
            return _api_answer(signer, body, "91")
        if record.state != store.APPROVED:
            return _api_answer(signer, body, "95")
        left = record.amount - record.refunded
        if (kind == protocol.REFUND_FULL and (amount != record.amount or record.refunded)) or (
            kind == protocol.REFUND_PARTIAL and amount > left
        ):
            return _api_answer(signer, body, "99")
        request_id = str(body["vnp_RequestId"])
        if request_id in store.request_ids:
            # The same refund raced on two connections: the first one did it.
            return _api_answer(signer, body, "94")
        store.request_ids.add(request_id)
        record.refunded += amount
        refund_no = store.next_number()
        pay_date = protocol.timestamp(timezone.now())
        record.refunds.append({"transaction_no": refund_no, "amount": amount, "type": kind})
    return _api_answer(
        signer,
        body,
        "00",
        vnp_Amount=str(amount),
        vnp_BankCode=store.BANK_CODE,
        vnp_PayDate=pay_date,
        vnp_TransactionNo=refund_no,
        vnp_TransactionType=kind,
        vnp_TransactionStatus=store.REFUND_PROCESSING,
        vnp_OrderInfo=str(body["vnp_OrderInfo"]),
    )


def _api_answer(signer, body: dict, code: str, **fields: str) -> JsonResponse:
    """VNPay's answer (always HTTP 200), echoing the request's merchant and reference,
    signed over the answer's own fields."""
    answer = {
        "vnp_ResponseId": uuid.uuid4().hex,
        "vnp_Command": _echo(body.get("vnp_Command")),
        "vnp_ResponseCode": code,
        "vnp_Message": API_MESSAGES[code],
        "vnp_TmnCode": _echo(body.get("vnp_TmnCode")),
        "vnp_TxnRef": _echo(body.get("vnp_TxnRef")),
        **fields,
    }
    answer[protocol.SECURE_HASH] = signer(answer, settings.VNPAY_HASH_SECRET)
    return JsonResponse(answer)


def _echo(value) -> str:
    """A request's value repeated in the answer, when it can be signed as it is."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return "" if "|" in text else text[:100]
