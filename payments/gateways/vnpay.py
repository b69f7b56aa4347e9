"""VNPay 2.1.0 as a ``Gateway``: the signed payment URL, the IPN, ``querydr`` and refunds.

Everything VNPay signs or checks is ``payments.protocols.vnpay``; this module only fills
the parameters from the payment and settings (read at call time), speaks HTTP to
``VNPAY_API_URL`` and turns what VNPay says into ``Notice`` values. It writes no model.

Choices, and why:

- ``vnp_CreateDate`` is the payment's ``created_at``: ``querydr`` and refund must repeat
  the payment's create date as ``vnp_TransactionDate``, and the stored row gives it back
  exactly without keeping anything else. ``vnp_ExpireDate`` is ``ORDER_PAYMENT_MINUTES``
  from now, but never after the order itself stops waiting for its money.
- An IPN's charge is keyed by ``vnp_TransactionNo`` (VNPay's id of the transaction), so
  the IPN and a ``querydr`` about the same transaction are one event. VNPay writes ``0``
  there for a transaction the buyer cancelled on its page; such a failure is keyed by
  the reference and ``vnp_PayDate``, which the IPN and ``querydr`` both carry.
- A refund is keyed by its ``vnp_RequestId``, made from the caller's
  ``refund_reference``: retrying the same refund cannot record it twice, and two refunds
  of one payment never share a key (VNPay's answer repeats numbers of its own).
- The return URL shows a payment only when VNPay signed it, so nobody can read another
  order's payment by typing references into the return page.
"""

import datetime
import hashlib
import re
import uuid

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from payments.gateways.base import (
    Answer,
    Gateway,
    GatewayError,
    Incoming,
    Notice,
    NotificationRefused,
    StartContext,
    Started,
)
from payments.methods import PaymentAction
from payments.models import Notification, TransactionEvent
from payments.protocols import vnpay as protocol
from payments.protocols.bank_notifications import BankNotificationError, transfer_code

Outcome = Notification.Outcome
Kind = TransactionEvent.Kind
PENDING = "pending"

ORDER_TYPE = "other"
# What VNPay records as the address of the merchant's server calling its API.
SERVER_ADDRESS = "127.0.0.1"
REFUND_CREATED_BY = "system"
# vnp_TransactionNo of a transaction VNPay never numbered (cancelled on its page).
NO_TRANSACTION = frozenset({"", "0"})
# vnp_RequestId is Alphanumeric[1,32].
_REQUEST_ID = re.compile(r"[A-Za-z0-9]{1,32}")

# querydr's answers: the query went through, or VNPay has no such transaction.
QUERY_SUCCESS = "00"
QUERY_NOT_FOUND = "91"
# vnp_TransactionStatus of querydr: 00 paid, 01 not finished, 02 failed; the others
# (04 reversed, 05-06 refund under way, 07 suspected fraud, 09 refund refused) are left
# for an operator and a later query, never taken as a charge or a failure.
TRANSACTION_PAID = "00"
TRANSACTION_FAILED = "02"

# What the merchant answers VNPay for each outcome of a notification.
ANSWERS = {
    Outcome.RECORDED: protocol.RspCode.CONFIRMED,
    # A failure or a "still pending" that changes nothing is still received: 00 ends it.
    Outcome.IGNORED: protocol.RspCode.CONFIRMED,
    Outcome.DEFERRED: protocol.RspCode.CONFIRMED,
    Outcome.DUPLICATE: protocol.RspCode.ALREADY_CONFIRMED,
    Outcome.BAD_SIGNATURE: protocol.RspCode.INVALID_SIGNATURE,
    Outcome.UNKNOWN_PAYMENT: protocol.RspCode.ORDER_NOT_FOUND,
    Outcome.AMOUNT_MISMATCH: protocol.RspCode.INVALID_AMOUNT,
    # Another merchant's or malformed: VNPay has no code for it; 99 is its "other error".
    Outcome.INVALID: protocol.RspCode.UNKNOWN_ERROR,
    # Our failure: 99 makes VNPay retry later.
    Outcome.FAILED: protocol.RspCode.UNKNOWN_ERROR,
}

# vnp_ResponseCode of a payment, as VNPay's documentation names them (for operators).
RESPONSE_MESSAGES = {
    "00": "successful",
    "07": "money taken, transaction suspected of fraud",
    "09": "card or account not registered for internet banking",
    "10": "failed authentication more than 3 times",
    "11": "timed out waiting for the payment",
    "12": "card or account locked",
    "13": "wrong one-time password",
    "24": "cancelled by the buyer",
    "51": "insufficient funds",
    "65": "over the daily limit",
    "75": "bank under maintenance",
    "79": "wrong payment password too many times",
    "99": "other error",
}


class VnpayGateway(Gateway):
    code = "vnpay"
    name = gettext_lazy("VNPay")
    signed_return = True

    # -- the payment page -------------------------------------------------------------

    def start(self, payment, context: StartContext) -> Started:
        now = timezone.now()
        expires = now + datetime.timedelta(minutes=settings.ORDER_PAYMENT_MINUTES)
        order_expires = payment.order.expires_at
        if order_expires is not None and now < order_expires < expires:
            expires = order_expires
        params = {
            "vnp_Version": protocol.VERSION,
            "vnp_Command": protocol.PAY_COMMAND,
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_Amount": _amount_parameter(payment.amount),
            "vnp_CurrCode": protocol.CURRENCY,
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": f"Thanh toan don hang {_order_code(payment)}",
            "vnp_OrderType": ORDER_TYPE,
            "vnp_Locale": "en" if context.language.lower().startswith("en") else "vn",
            "vnp_ReturnUrl": context.return_url,
            "vnp_IpAddr": context.client_ip,
            "vnp_CreateDate": protocol.timestamp(_created_at(payment)),
            "vnp_ExpireDate": protocol.timestamp(expires),
        }
        try:
            url = protocol.payment_url(
                settings.VNPAY_PAYMENT_URL, params, settings.VNPAY_HASH_SECRET
            )
        except protocol.VnpayParameterError as error:
            raise GatewayError(
                _("VNPay cannot be given this payment: %(reason)s") % {"reason": error.message}
            ) from error
        return Started(PaymentAction(kind="redirect", data={"url": url}))

    def return_reference(self, query) -> str:
        params = {key: query.get(key, "") for key in query}
        if not protocol.verify(params, settings.VNPAY_HASH_SECRET):
            return ""
        return params.get("vnp_TxnRef", "")

    # -- the IPN ----------------------------------------------------------------------

    def authenticate(self, incoming: Incoming) -> None:
        query = incoming.query
        if not protocol.verify(query, settings.VNPAY_HASH_SECRET):
            raise NotificationRefused(Outcome.BAD_SIGNATURE, "vnp_SecureHash missing or wrong")
        if query.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE:
            raise NotificationRefused(
                Outcome.INVALID, "vnp_TmnCode of another merchant", signature_valid=True
            )

    def parse(self, incoming: Incoming) -> Notice | None:
        query = incoming.query
        reference = query.get("vnp_TxnRef", "")
        response_code = query.get("vnp_ResponseCode", "")
        if not reference or not response_code:
            raise NotificationRefused(Outcome.INVALID, "vnp_TxnRef or vnp_ResponseCode missing")
        amount = _amount_of(query.get("vnp_Amount", ""), refusal=NotificationRefused)
        transaction_no = query.get("vnp_TransactionNo", "")
        numbered = transaction_no not in NO_TRANSACTION
        message = f"VNPay {response_code}: {RESPONSE_MESSAGES.get(response_code, 'unknown')}"
        if protocol.payment_succeeded(query):
            if not numbered:
                raise NotificationRefused(Outcome.INVALID, "a payment without vnp_TransactionNo")
            return Notice(
                reference=reference,
                kind=Kind.CHARGE,
                amount=amount,
                gateway_reference=transaction_no,
                message=message,
                payment_reference=transaction_no,
                raw_status=response_code,
            )
        return Notice(
            reference=reference,
            kind=Kind.FAILURE,
            amount=amount,
            gateway_reference=_failure_key(reference, transaction_no, query, response_code),
            message=message,
            payment_reference=transaction_no if numbered else "",
            raw_status=response_code,
        )

    def answer(self, outcome: str) -> Answer:
        code = ANSWERS.get(outcome, protocol.RspCode.UNKNOWN_ERROR)
        return Answer(status=200, body=protocol.ipn_answer(code))

    # -- querydr ----------------------------------------------------------------------

    def query(self, payment) -> list[Notice]:
        fields = {
            "vnp_RequestId": uuid.uuid4().hex,
            "vnp_Version": protocol.VERSION,
            "vnp_Command": protocol.QUERYDR_COMMAND,
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": f"Truy van giao dich {payment.reference}",
            "vnp_TransactionDate": protocol.timestamp(_created_at(payment)),
            "vnp_CreateDate": protocol.timestamp(timezone.now()),
            "vnp_IpAddr": SERVER_ADDRESS,
        }
        answer = self._call(fields, protocol.sign_querydr, protocol.verify_querydr_response)
        code = answer.get("vnp_ResponseCode")
        if code == QUERY_NOT_FOUND:
            # The buyer never reached VNPay's page: nothing to apply.
            return []
        self._check_answer(answer, payment, fields)
        status = _text(answer.get("vnp_TransactionStatus"))
        reference = payment.reference
        transaction_no = _text(answer.get("vnp_TransactionNo"))
        numbered = transaction_no not in NO_TRANSACTION
        message = f"VNPay querydr: transaction status {status}"
        # Only a charge's amount is checked against the payment; the others carry the
        # payment's own, whatever VNPay wrote (it may leave it out of an unfinished one).
        amount = payment.amount
        if status == TRANSACTION_PAID:
            if not numbered:
                raise GatewayError(_("VNPay reported a payment without its transaction number."))
            kind, key = Kind.CHARGE, transaction_no
            amount = _amount_of(_text(answer.get("vnp_Amount")), refusal=_gateway_error)
        elif status == TRANSACTION_FAILED:
            kind, key = Kind.FAILURE, _failure_key(reference, transaction_no, answer, status)
        else:
            kind, key = PENDING, ""
        return [
            Notice(
                reference=reference,
                kind=kind,
                amount=amount,
                gateway_reference=key,
                message=message,
                payment_reference=transaction_no if numbered else "",
                raw_status=status,
            )
        ]

    # -- refunds ----------------------------------------------------------------------

    def refund(self, payment, amount: int, *, refund_reference: str, reason: str) -> Notice:
        if not refund_reference:
            raise GatewayError(_("A refund needs its own reference."))
        full = amount == payment.charged
        fields = {
            "vnp_RequestId": _request_id(refund_reference),
            "vnp_Version": protocol.VERSION,
            "vnp_Command": protocol.REFUND_COMMAND,
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_TransactionType": protocol.REFUND_FULL if full else protocol.REFUND_PARTIAL,
            "vnp_TxnRef": payment.reference,
            "vnp_Amount": _amount_parameter(amount),
            "vnp_TransactionNo": payment.gateway_reference,
            "vnp_TransactionDate": protocol.timestamp(_created_at(payment)),
            "vnp_CreateBy": REFUND_CREATED_BY,
            "vnp_CreateDate": protocol.timestamp(timezone.now()),
            "vnp_IpAddr": SERVER_ADDRESS,
            "vnp_OrderInfo": f"Hoan tien giao dich {payment.reference}",
        }
        answer = self._call(fields, protocol.sign_refund, protocol.verify_refund_response)
        self._check_answer(answer, payment, fields)
        refunded = _amount_of(_text(answer.get("vnp_Amount")), refusal=_gateway_error)
        transaction_no = _text(answer.get("vnp_TransactionNo"))
        message = f"VNPay refund {transaction_no or '-'}: {reason}"
        return Notice(
            reference=payment.reference,
            kind=Kind.REFUND,
            amount=refunded,
            gateway_reference=fields["vnp_RequestId"],
            message=message[:255],
            raw_status=_text(answer.get("vnp_TransactionStatus")),
        )

    # -- HTTP -------------------------------------------------------------------------

    def _call(self, fields: dict, signer, verifier) -> dict:
        """POST ``fields`` signed by ``signer``; VNPay's answer once ``verifier`` passes."""
        secret = settings.VNPAY_HASH_SECRET
        try:
            body = {**fields, protocol.SECURE_HASH: signer(fields, secret)}
        except protocol.VnpayParameterError as error:
            raise GatewayError(
                _("VNPay cannot be sent this request: %(reason)s") % {"reason": error.message}
            ) from error
        try:
            response = requests.post(
                settings.VNPAY_API_URL,
                json=body,
                timeout=settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise GatewayError(
                _("VNPay could not be reached: %(reason)s") % {"reason": type(error).__name__}
            ) from error
        if not 200 <= response.status_code < 300:
            raise GatewayError(
                _("VNPay answered HTTP %(status)s.") % {"status": response.status_code}
            )
        try:
            answer = response.json()
        except ValueError as error:
            raise GatewayError(_("VNPay's answer is not JSON.")) from error
        if not isinstance(answer, dict):
            raise GatewayError(_("VNPay's answer is not a JSON object."))
        # Nothing in an answer is read before its signature is checked.
        if not verifier(answer, secret):
            raise GatewayError(_("VNPay's answer does not carry a valid signature."))
        return answer

    def _check_answer(self, answer: dict, payment, fields: dict) -> None:
        code = _text(answer.get("vnp_ResponseCode"))
        if code != QUERY_SUCCESS:
            raise GatewayError(
                _("VNPay refused the %(command)s request with code %(code)s: %(message)s")
                % {
                    "command": fields["vnp_Command"],
                    "code": code or "-",
                    "message": _text(answer.get("vnp_Message")) or "-",
                }
            )
        if (
            answer.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE
            or answer.get("vnp_TxnRef") != payment.reference
        ):
            raise GatewayError(_("VNPay answered about another merchant's or payment's request."))


def _created_at(payment) -> datetime.datetime:
    return payment.created_at or timezone.now()


def _order_code(payment) -> str:
    try:
        return transfer_code(payment.order.number)
    except BankNotificationError:
        return payment.reference


def _amount_parameter(amount: int) -> str:
    try:
        return protocol.amount_parameter(amount)
    except protocol.VnpayParameterError as error:
        raise GatewayError(error.message) from error


def _gateway_error(outcome: str, detail: str) -> GatewayError:
    return GatewayError(detail)


def _amount_of(parameter: str, *, refusal) -> int:
    try:
        return protocol.amount_vnd(parameter)
    except protocol.VnpayParameterError as error:
        raise refusal(Outcome.INVALID, f"vnp_Amount: {error.message}") from error


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _failure_key(reference: str, transaction_no: str, source, status: str) -> str:
    """The exactly-once key of a failure: VNPay's transaction number when it gave one,
    else the reference and the moment VNPay closed it (both in the IPN and querydr)."""
    if transaction_no not in NO_TRANSACTION:
        return transaction_no
    pay_date = _text(source.get("vnp_PayDate"))
    return f"{reference}-{pay_date}" if pay_date else f"{reference}-{status}"


def _request_id(refund_reference: str) -> str:
    """vnp_RequestId for a refund: the caller's reference when VNPay accepts it as is,
    else a digest of it (the same refund always sends the same id)."""
    if _REQUEST_ID.fullmatch(refund_reference):
        return refund_reference
    digest = hashlib.sha256(refund_reference.encode("utf-8")).hexdigest()
    return digest[:32]
