"""MoMo AIO v2: create (``captureWallet`` and the other request types), IPN, query, refund.

Signatures are ``payments.protocols.momo``'s; this module speaks MoMo's JSON over HTTP
(``requests``, ``PAYMENT_GATEWAY_TIMEOUT_SECONDS``) with the ``MOMO_*`` settings, read at
call time, and never writes a model.

Requests:

- **create** (``{MOMO_ENDPOINT}/create``): ``orderId`` is the payment's ``reference``, the
  amount ``payment.amount``; ``requestId`` (MoMo's idempotency key) is the reference plus a
  random suffix, new for every request. The request type is ``captureWallet`` unless the
  caller asks for another MoMo names (``context.extra["request_type"]``). An amount outside
  MoMo's wallet range (1,000 to 50,000,000 VND, applied to every request type) is refused
  here, before any call, with ``MomoAmountOutOfRange`` (a ``GatewayError``, which
  ``payment_start`` answers as ``GATEWAY_UNAVAILABLE`` with the attempt failed;
  ``accepts_amount`` lets a caller refuse such an order before opening an attempt).
  MoMo does not sign the create answer (the protocol defines no signature for it): the
  answer is taken as MoMo's because it came back on our own HTTPS request, and it must
  echo our ``partnerCode``, ``orderId``, ``requestId`` and ``amount``.
- **query** (``/query``): a new ``requestId`` each time; the answer becomes notices (below),
  with a refund notice for each successful entry of its ``refundTrans``. A refused query
  (a ``resultCode`` under 1000 other than 0: bad signature, bad format, order not found,
  maintenance) is a ``GatewayError``: it says nothing about the payment.
- **refund** (``/refund``): ``orderId`` is the refund's own new id (``refund_reference``, as
  MoMo requires) and also its ``requestId``, so a refund retried after a lost answer is the
  same request to MoMo, which answers it again instead of refunding twice; ``transId`` is
  MoMo's id of the payment (``payment.gateway_reference``). Its notice is keyed by the
  refund's own ``transId``.

The IPN (JSON POST at ``/payments/momo/ipn``): ``authenticate`` checks the signature, then
that ``partnerCode`` is ours; ``parse`` reads it. ``resultCode`` 0 is a charge, 9000 an
authorisation (held, not captured), MoMo's pending codes ``pending`` (ignored), any other a
failure. The exactly-once key is MoMo's ``transId``; a failure without one is keyed by
``orderId`` and ``resultCode`` (``result_key``): stable across MoMo's retries, and the
same whether the IPN or a query tells it (a query's answer carries the query's own
``requestId``, not the create's, and MoMo takes one create per ``orderId``, so the
``requestId`` would add nothing). A charge or an authorisation without one is malformed.

The IPN's answer: MoMo wants HTTP 204 (no body) once it is received, within 15 s, and
retries otherwise. So 204 for every outcome that is final here: recorded, duplicate,
ignored, deferred, an unknown payment, and an amount mismatch (recorded and flagged for an
operator; MoMo resending it would not change it). 400 for one refused as not MoMo's or
unreadable (bad signature, another merchant, malformed): it is stored, and a retry would
be refused alike. 500 when processing failed (a bug, a lock that timed out): MoMo retries.

Messages in ``GatewayError`` and ``NotificationRefused`` are for operators and logs
(English, never a secret); the buyer is told by ``payments.services``.
"""

import json
import uuid

import requests
from django.conf import settings
from django.utils import translation
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
from payments.protocols import momo as protocol

Outcome = Notification.Outcome
Kind = TransactionEvent.Kind
PENDING = "pending"

RECEIVED = Answer(204)
REFUSED = Answer(400)
RETRY = Answer(500)
ANSWERS = {
    Outcome.RECORDED: RECEIVED,
    Outcome.DUPLICATE: RECEIVED,
    Outcome.IGNORED: RECEIVED,
    Outcome.DEFERRED: RECEIVED,
    Outcome.AMOUNT_MISMATCH: RECEIVED,
    Outcome.UNKNOWN_PAYMENT: RECEIVED,
    Outcome.BAD_SIGNATURE: REFUSED,
    Outcome.INVALID: REFUSED,
    Outcome.FAILED: RETRY,
}
# MoMo's transaction results start at 1000 (1000 itself is "waiting for the buyer"); codes
# below it, 0 aside, refuse the request itself (signature, format, limits, duplicates).
FIRST_TRANSACTION_RESULT = 1000
DESCRIPTION_MAX_LENGTH = 255


class MomoAmountOutOfRange(GatewayError):
    """The amount is outside what MoMo's wallet accepts: refused before calling MoMo."""


def result_kind(result_code: int) -> str:
    """The notice kind of a payment's ``resultCode`` (an IPN's, or a query's)."""
    if result_code == protocol.ResultCode.SUCCESS:
        return Kind.CHARGE
    if result_code == protocol.ResultCode.AUTHORIZED:
        return Kind.AUTHORIZATION
    if protocol.is_pending(result_code):
        return PENDING
    return Kind.FAILURE


def result_key(order_id: str, result_code: int) -> str:
    """The exactly-once key of a result MoMo gave no ``transId`` for (a failure, a pending)."""
    return f"{order_id}:{result_code}"


def _request_id(reference: str) -> str:
    # Unique per request and still in MoMo's orderId alphabet (requestId has no pattern,
    # but keeping to it keeps logs and MoMo's portal searches simple).
    return f"{reference}-{uuid.uuid4().hex[:12]}"


def _language(language: str) -> str:
    return "en" if (language or "").lower().startswith("en") else "vi"


def _whole(value: object) -> int | None:
    """A whole number as MoMo's JSON carries it (a number, sometimes a digit string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _trans_id(value: object) -> str:
    """MoMo's ``transId`` as text, or ``""`` when absent (MoMo sends 0 for none)."""
    number = _whole(value)
    return str(number) if number else ""


class MomoGateway(Gateway):
    code = "momo"
    name = gettext_lazy("MoMo e-wallet")
    signed_return = True

    # ---------------------------------------------------------------- start

    @staticmethod
    def accepts_amount(amount: int) -> bool:
        """Whether MoMo's wallet takes ``amount`` VND (1,000 to 50,000,000)."""
        return protocol.WALLET_MIN_AMOUNT <= amount <= protocol.WALLET_MAX_AMOUNT

    def start(self, payment, context: StartContext) -> Started:
        amount = payment.amount
        if not self.accepts_amount(amount):
            raise MomoAmountOutOfRange(
                f"MoMo takes {protocol.WALLET_MIN_AMOUNT} to {protocol.WALLET_MAX_AMOUNT} VND;"
                f" payment {payment.reference} is {amount} VND"
            )
        with translation.override(_language(context.language)):
            order_info = _("Payment for order %(number)s") % {"number": payment.order.number}
        request = {
            "partnerCode": settings.MOMO_PARTNER_CODE,
            "requestId": _request_id(payment.reference),
            "amount": amount,
            "orderId": payment.reference,
            "orderInfo": order_info,
            "redirectUrl": context.return_url,
            "ipnUrl": context.notify_url,
            "requestType": context.extra.get("request_type", protocol.CAPTURE_WALLET),
            "extraData": "",
            "lang": _language(context.language),
        }
        request["signature"] = self._signed(protocol.sign_create, request)
        answer = self._post("create", request)
        self._require_success(answer, "create")
        self._require_echo(answer, request, ("partnerCode", "orderId", "requestId"))
        if _whole(answer.get("amount")) != amount:
            raise GatewayError("MoMo's create answer names another amount")
        pay_url = answer.get("payUrl")
        if not isinstance(pay_url, str) or not pay_url.startswith(("https://", "http://")):
            raise GatewayError("MoMo's create answer has no payUrl")
        return Started(
            PaymentAction(
                kind="redirect",
                data={
                    "url": pay_url,
                    "deeplink": _text_or_empty(answer.get("deeplink")),
                    "qr_code_url": _text_or_empty(answer.get("qrCodeUrl")),
                },
            )
        )

    # ---------------------------------------------------------------- notifications

    def authenticate(self, incoming: Incoming) -> None:
        body = _json_object(incoming.body)
        if not protocol.verify_ipn(body, settings.MOMO_ACCESS_KEY, settings.MOMO_SECRET_KEY):
            raise NotificationRefused(Outcome.BAD_SIGNATURE, "bad or missing MoMo signature")
        if body.get("partnerCode") != settings.MOMO_PARTNER_CODE:
            raise NotificationRefused(
                Outcome.INVALID, "another partnerCode than ours", signature_valid=True
            )

    def parse(self, incoming: Incoming) -> Notice | None:
        body = _json_object(incoming.body)
        order_id = body.get("orderId")
        result_code = _whole(body.get("resultCode"))
        amount = _whole(body.get("amount"))
        if not isinstance(order_id, str) or not order_id or result_code is None or amount is None:
            raise NotificationRefused(Outcome.INVALID, "MoMo IPN without orderId, amount or code")
        kind = result_kind(result_code)
        trans_id = _trans_id(body.get("transId"))
        if not trans_id and kind in (Kind.CHARGE, Kind.AUTHORIZATION):
            raise NotificationRefused(Outcome.INVALID, "MoMo IPN of a payment without transId")
        return Notice(
            reference=order_id,
            kind=kind,
            amount=amount,
            gateway_reference=trans_id or result_key(order_id, result_code),
            message=_text_or_empty(body.get("message"))[:255],
            payment_reference=trans_id,
            raw_status=str(result_code),
        )

    def return_reference(self, query: dict[str, str]) -> str:
        # MoMo signs the redirect as it signs the IPN: an unsigned one names no payment.
        if not protocol.verify_ipn(query, settings.MOMO_ACCESS_KEY, settings.MOMO_SECRET_KEY):
            return ""
        order_id = query.get("orderId", "")
        return order_id if isinstance(order_id, str) else ""

    def answer(self, outcome: str) -> Answer:
        return ANSWERS.get(outcome, RETRY)

    # ---------------------------------------------------------------- query and refund

    def query(self, payment) -> list[Notice]:
        request = {
            "partnerCode": settings.MOMO_PARTNER_CODE,
            "requestId": _request_id(payment.reference),
            "orderId": payment.reference,
            "lang": "vi",
        }
        request["signature"] = self._signed(protocol.sign_query, request)
        answer = self._post("query", request)
        result_code = _result_code(answer)
        if result_code != 0 and result_code < FIRST_TRANSACTION_RESULT:
            raise GatewayError(f"MoMo refused the query: resultCode {result_code}")
        self._require_echo(answer, request, ("partnerCode", "orderId"))
        amount = _whole(answer.get("amount"))
        if amount is None:
            raise GatewayError("MoMo's query answer has no amount")
        kind = result_kind(result_code)
        trans_id = _trans_id(answer.get("transId"))
        if not trans_id and kind in (Kind.CHARGE, Kind.AUTHORIZATION):
            raise GatewayError("MoMo's query answer of a payment has no transId")
        message = _text_or_empty(answer.get("message"))[:255]
        notices = [
            Notice(
                reference=payment.reference,
                kind=kind,
                amount=amount,
                gateway_reference=trans_id or result_key(payment.reference, result_code),
                message=message,
                payment_reference=trans_id,
                raw_status=str(result_code),
            )
        ]
        if kind == Kind.CHARGE:
            notices += self._refunds_listed(payment, answer.get("refundTrans"))
        return notices

    def _refunds_listed(self, payment, entries: object) -> list[Notice]:
        if not isinstance(entries, list):
            return []
        notices = []
        for entry in entries:
            if not isinstance(entry, dict) or _whole(entry.get("resultCode")) != 0:
                continue
            trans_id, amount = _trans_id(entry.get("transId")), _whole(entry.get("amount"))
            if trans_id and amount:
                notices.append(
                    Notice(
                        reference=payment.reference,
                        kind=Kind.REFUND,
                        amount=amount,
                        gateway_reference=trans_id,
                        raw_status="0",
                    )
                )
        return notices

    def refund(self, payment, amount: int, *, refund_reference: str, reason: str) -> Notice:
        trans_id = _whole(payment.gateway_reference)
        if not trans_id:
            raise GatewayError(f"payment {payment.reference} has no MoMo transId to refund")
        request = {
            "partnerCode": settings.MOMO_PARTNER_CODE,
            "orderId": refund_reference,
            "requestId": refund_reference,
            "amount": amount,
            "transId": trans_id,
            "lang": "vi",
            "description": (reason or "")[:DESCRIPTION_MAX_LENGTH],
        }
        request["signature"] = self._signed(protocol.sign_refund, request)
        answer = self._post("refund", request)
        self._require_success(answer, "refund")
        self._require_echo(answer, request, ("orderId",))
        refund_trans_id = _trans_id(answer.get("transId"))
        if not refund_trans_id:
            raise GatewayError("MoMo's refund answer has no transId")
        if _whole(answer.get("amount")) != amount:
            raise GatewayError("MoMo's refund answer names another amount")
        return Notice(
            reference=payment.reference,
            kind=Kind.REFUND,
            amount=amount,
            gateway_reference=refund_trans_id,
            message=_text_or_empty(answer.get("message"))[:255],
            raw_status="0",
        )

    # ---------------------------------------------------------------- HTTP

    @staticmethod
    def _signed(sign, request: dict) -> str:
        try:
            return sign(request, settings.MOMO_ACCESS_KEY, settings.MOMO_SECRET_KEY)
        except protocol.MomoParameterError as error:
            raise GatewayError(f"MoMo request not sent: {error.code} {error.field}") from error

    @staticmethod
    def _post(operation: str, request: dict) -> dict:
        url = f"{settings.MOMO_ENDPOINT.rstrip('/')}/{operation}"
        try:
            response = requests.post(
                url, json=request, timeout=settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            raise GatewayError(f"MoMo {operation}: {type(error).__name__}") from error
        try:
            answer = response.json()
        except ValueError:
            answer = None
        # MoMo answers a refused request with a 4xx and a resultCode in JSON: the code says
        # more than the status. Anything else that is not a 2xx JSON object is trouble.
        if not isinstance(answer, dict) or (
            not response.ok and _whole(answer.get("resultCode")) is None
        ):
            raise GatewayError(f"MoMo {operation}: HTTP {response.status_code}")
        return answer

    @staticmethod
    def _require_success(answer: dict, operation: str) -> None:
        result_code = _result_code(answer)
        if result_code != 0:
            message = _text_or_empty(answer.get("message"))[:200]
            raise GatewayError(f"MoMo refused the {operation}: resultCode {result_code} {message}")

    @staticmethod
    def _require_echo(answer: dict, request: dict, fields: tuple[str, ...]) -> None:
        for name in fields:
            if answer.get(name) != request[name]:
                raise GatewayError(f"MoMo's answer names another {name}")


def _result_code(answer: dict) -> int:
    result_code = _whole(answer.get("resultCode"))
    if result_code is None:
        raise GatewayError("MoMo's answer has no resultCode")
    return result_code


def _text_or_empty(value: object) -> str:
    return value if isinstance(value, str) else ""


def _json_object(body: bytes) -> dict:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise NotificationRefused(Outcome.INVALID, "MoMo IPN body is not JSON") from error
    if not isinstance(parsed, dict):
        raise NotificationRefused(Outcome.INVALID, "MoMo IPN body is not a JSON object")
    return parsed
