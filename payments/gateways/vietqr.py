"""VietQR bank transfer: a QR code to scan, confirmed by the bank account's notifications.

Starting a payment makes no HTTP call: the buyer is shown a dynamic VietQR code (EMVCo,
``payments.protocols.vietqr``) for the marketplace's collection account
(``VIETQR_BANK_BIN``, ``VIETQR_ACCOUNT_NO``) with the payment's amount and, as the
transfer's purpose, the order code (``OCOP2026000123``, the payment's ``reference``).

The money is confirmed when a service watching the account posts the incoming transfer to
``POST /payments/bank/notify``. Two are spoken (``payments.protocols.bank_notifications``),
told apart by their headers: ``X-Casso-Signature`` is Casso's (HMAC-SHA512 of the payload,
checked with ``CASSO_CHECKSUM_KEY`` within the protocol's timestamp tolerance), otherwise
``Authorization: Apikey <key>`` is SePay's (``SEPAY_API_KEY``, compared in constant time).
The stored copy of a notification keeps the Casso header but not SePay's key (redacted), so
``parse`` tells the two apart by the Casso header alone, the same rule as ``authenticate``.

Reading a transfer:

- an outgoing transfer (SePay ``transferType`` "out", a negative Casso amount) is not a
  payment: ignored;
- a transfer to another account than the collection account, a body that is not the
  service's shape, or a content with no order code (or several) is ``invalid``: stored with
  its reason for an operator, and answered as received (retrying would not change it);
- otherwise the order code is found in the content with the protocol's tolerant matcher
  (banks strip punctuation and diacritics, change the case) and becomes a charge notice
  of the transferred amount. Its exactly-once key is the service's transaction id,
  prefixed by the service (``sepay:92704``, ``casso:1234``) so the two never collide.
  Whether the amount is the payment's is checked by ``payments.services.events``: an
  under- or over-payment is recorded and flagged, never accepted.

Banks offer no status query here (``query`` answers nothing: reconciliation skips VietQR,
which is confirmed by notifications only), and a bank transfer is refunded by a person
from the bank account: ``refund`` calls nothing and answers a refund notice keyed
``manual:<refund reference>``, which the services record as a manual refund.
"""

import base64
import json

from django.conf import settings
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
from payments.protocols import bank_notifications as bank
from payments.protocols import vietqr

Outcome = Notification.Outcome

SEPAY = "sepay"
CASSO = "casso"
MANUAL = "manual"
SEPAY_INCOMING = "in"
SEPAY_OUTGOING = "out"
# Statuses the services retry on; every other outcome is final for the sender.
_RETRY = Answer(status=500, body={"success": False})
_REFUSED = Answer(status=401, body={"success": False})
_RECEIVED = Answer(status=200, body={"success": True})


def _header(headers: dict[str, str], name: str) -> str | None:
    """``headers[name]``, whatever the case the sender (or the stored copy) wrote it in."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def notification_style(headers: dict[str, str]) -> str:
    """``casso`` when the notification carries Casso's signature header, else ``sepay``."""
    return CASSO if _header(headers, bank.CASSO_SIGNATURE_HEADER) is not None else SEPAY


def _invalid(detail: str) -> NotificationRefused:
    return NotificationRefused(Outcome.INVALID, detail)


def _json_object(body: bytes) -> dict:
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise _invalid(_("The notification is not a JSON object.")) from error
    if not isinstance(payload, dict):
        raise _invalid(_("The notification is not a JSON object."))
    return payload


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _whole_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _transaction_id(value: object) -> str | None:
    """The service's transaction id as text (a whole number, 0 included, or a non-empty string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, str) and value.strip() and len(value) <= 100:
        return value.strip()
    return None


class VietQRGateway(Gateway):
    code = "vietqr"
    name = gettext_lazy("Bank transfer (VietQR)")

    # ------------------------------------------------------------ starting

    @staticmethod
    def accepts_amount(amount: int) -> bool:
        return 0 < amount < vietqr.MAX_AMOUNT_EXCLUSIVE

    def start(self, payment, context: StartContext) -> Started:
        try:
            payload = vietqr.build_payload(
                settings.VIETQR_BANK_BIN,
                settings.VIETQR_ACCOUNT_NO,
                payment.amount,
                payment.reference,
            )
            image = vietqr.qr_png(payload)
        except vietqr.VietQRError as error:
            # A collection account misconfigured, or an amount NAPAS 247 cannot carry.
            raise GatewayError(error.message) from error
        return Started(
            action=PaymentAction(
                kind="qr",
                data={
                    "payload": payload,
                    "image": "data:image/png;base64," + base64.b64encode(image).decode("ascii"),
                    "bank_bin": settings.VIETQR_BANK_BIN,
                    "account_no": settings.VIETQR_ACCOUNT_NO,
                    "account_name": settings.VIETQR_ACCOUNT_NAME,
                    "amount": payment.amount,
                    "content": payment.reference,
                },
            )
        )

    # ------------------------------------------------------------ notifications

    def authenticate(self, incoming: Incoming) -> None:
        casso_header = _header(incoming.headers, bank.CASSO_SIGNATURE_HEADER)
        if casso_header is not None:
            try:
                bank.check_casso_signature(casso_header, incoming.body, settings.CASSO_CHECKSUM_KEY)
            except bank.BankNotificationError as error:
                raise NotificationRefused(Outcome.BAD_SIGNATURE, error.message) from error
            return
        authorization = _header(incoming.headers, bank.SEPAY_AUTHORIZATION_HEADER)
        if authorization is None:
            raise NotificationRefused(
                Outcome.BAD_SIGNATURE,
                _("The notification has neither a Casso signature nor a SePay API key."),
            )
        if not bank.verify_sepay_authorization(authorization, settings.SEPAY_API_KEY):
            raise NotificationRefused(
                Outcome.BAD_SIGNATURE, _("The SePay API key is missing or wrong.")
            )

    def parse(self, incoming: Incoming) -> Notice | None:
        payload = _json_object(incoming.body)
        if notification_style(incoming.headers) == CASSO:
            return self._casso_notice(payload)
        return self._sepay_notice(payload)

    def _sepay_notice(self, payload: dict) -> Notice | None:
        direction = payload.get("transferType")
        if direction == SEPAY_OUTGOING:
            return None
        if direction != SEPAY_INCOMING:
            raise _invalid(_("The SePay transfer type is neither in nor out."))
        content = payload.get("content")
        if not isinstance(content, str):
            content = ""
        # SePay's own ``code`` (when its "payment code" rule is set up) stands in for a
        # content in which no code was found.
        fallback = payload.get("code") if isinstance(payload.get("code"), str) else ""
        return self._charge(
            style=SEPAY,
            transaction_id=payload.get("id"),
            account_number=payload.get("accountNumber"),
            amount=_whole_number(payload.get("transferAmount")),
            content=content,
            fallback=fallback,
            bank_status=direction,
        )

    def _casso_notice(self, payload: dict) -> Notice | None:
        data = payload.get("data")
        if payload.get("error") != 0 or not isinstance(data, dict):
            raise _invalid(_("The Casso notification is not a webhook v2 transaction."))
        amount = _whole_number(data.get("amount"))
        if amount is not None and amount < 0:
            return None  # money going out of the account
        content = data.get("description")
        return self._charge(
            style=CASSO,
            transaction_id=data.get("id"),
            account_number=data.get("accountNumber"),
            amount=amount,
            content=content if isinstance(content, str) else "",
            fallback="",
            bank_status="in",
        )

    def _charge(
        self,
        *,
        style: str,
        transaction_id: object,
        account_number: object,
        amount: int | None,
        content: str,
        fallback: str,
        bank_status: str,
    ) -> Notice:
        identifier = _transaction_id(transaction_id)
        if identifier is None:
            raise _invalid(_("The transfer has no transaction id."))
        if not isinstance(account_number, str) or not account_number:
            raise _invalid(_("The transfer names no account."))
        if account_number != settings.VIETQR_ACCOUNT_NO:
            raise _invalid(
                _("The transfer went to account %(account)s, not the collection account.")
                % {"account": account_number[:40]}
            )
        if amount is None or amount <= 0:
            raise _invalid(_("The transfer's amount is not a positive whole number of VND."))
        codes = bank.order_codes_in(content) or bank.order_codes_in(fallback)
        if not codes:
            raise _invalid(
                _("No order code in the transfer's content: %(content)s")
                % {"content": content[:150]}
            )
        if len(codes) > 1:
            raise _invalid(
                _("Several order codes in the transfer's content: %(codes)s")
                % {"codes": ", ".join(codes)[:150]}
            )
        gateway_reference = f"{style}:{identifier}"
        return Notice(
            reference=codes[0],
            kind=TransactionEvent.Kind.CHARGE,
            amount=amount,
            gateway_reference=gateway_reference,
            message=content,
            payment_reference=gateway_reference,
            raw_status=bank_status,
        )

    def return_reference(self, query: dict[str, str]) -> str:
        # The storefront's "I have paid" page links here with the order code, in either form.
        reference = query.get("reference", "")
        try:
            return bank.transfer_code(reference)
        except bank.BankNotificationError:
            return ""

    def answer(self, outcome: str) -> Answer:
        # SePay retries any non-2xx up to 7 times, Casso wants a 2xx: everything read is
        # answered as received (an operator handles what needs a person), a forgery is
        # refused, and only a failure of ours asks for the notification again.
        if outcome == Outcome.BAD_SIGNATURE:
            return _REFUSED
        if outcome == Outcome.FAILED:
            return _RETRY
        return _RECEIVED

    # ------------------------------------------------------------ after the payment

    def query(self, payment) -> list[Notice]:
        # Neither the bank nor the notification services are asked for a transfer's status
        # here: VietQR is confirmed by notifications only, and reconciliation skips it.
        return []

    def refund(self, payment, amount: int, *, refund_reference: str, reason: str) -> Notice:
        # A bank transfer is refunded by a person, from the collection account: nothing is
        # called, and the refund is recorded as manual under its own reference.
        return Notice(
            reference=payment.reference,
            kind=TransactionEvent.Kind.REFUND,
            amount=amount,
            gateway_reference=f"{MANUAL}:{refund_reference}",
            message=reason,
            raw_status=MANUAL,
        )
