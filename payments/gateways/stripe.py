"""Stripe cards: a PaymentIntent in VND, its webhooks, retrieval and refunds.

VND is zero-decimal at Stripe: an intent's ``amount`` is whole đồng, as ``payment.amount``.
The storefront confirms the intent with Stripe.js (the answer is the intent's client
secret and the publishable key); the money is confirmed by the signed webhook, which the
official client verifies (``Stripe-Signature: t=…,v1=…``, 300 s tolerance).

Exactly-once keys (``Notice.gateway_reference``), chosen so that one thing Stripe did is
one event here whichever of Stripe's events tells it, and however often:

- a charge or an authorisation is keyed by its PaymentIntent (an intent charges at most
  once), so ``payment_intent.succeeded`` and ``charge.succeeded``/``charge.captured`` about
  the same money, or a resent event, append one charge;
- a refund by the Refund's id (``re_…``), from ``refund.created``, ``refund.updated`` and
  the older ``charge.refund.updated``, counted once it has ``succeeded``. ``charge.refunded``
  is ignored: its Charge says how much was refunded in all, not which refund it was (its
  ``refunds`` list is no longer sent), and the refund events carry each one;
- a failure by the failed Charge (``payment_intent.payment_failed`` and ``charge.failed``
  name the same one), else by the intent, payment method and error code;
- a void (``payment_intent.canceled``) by its PaymentIntent.

Which payment an event is about comes from ``metadata.reference``: set on the intent when
it is created (Stripe copies an intent's metadata to its charge on confirmation) and on
each refund this server makes. A refund made in Stripe's Dashboard has none: it is stored
in the inbox as an unknown payment for an operator. Every other event type is ignored.
The webhook endpoint at Stripe subscribes to the ``payment_intent.*``, ``charge.*`` and
``refund.*`` events above.

The client is built per call from settings (never the global ``stripe.api_key``), with
``PAYMENT_GATEWAY_TIMEOUT_SECONDS`` and no retries of its own, so a call costs at most
that long; reconciliation asks again later.
"""

import json
from dataclasses import replace

import stripe
from django.conf import settings
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

Outcome = Notification.Outcome
Kind = TransactionEvent.Kind
PENDING = "pending"
SIGNATURE_HEADER = "stripe-signature"

# What a processed event is answered (Stripe stops sending it), whatever its outcome.
RECEIVED = Answer(200, {"received": True})
# Refused as not Stripe's or unreadable: Stripe's dashboard shows the failed delivery.
REFUSED = Answer(400, {"received": False})
# Not processed (an error, a lock that timed out): Stripe retries, with backoff, for days.
RETRY = Answer(500, {"received": False})
PROCESSED = frozenset(
    {
        Outcome.RECORDED,
        Outcome.DUPLICATE,
        Outcome.DEFERRED,
        Outcome.UNKNOWN_PAYMENT,
        Outcome.AMOUNT_MISMATCH,
        Outcome.IGNORED,
    }
)

CHARGE_EVENTS = frozenset({"charge.succeeded", "charge.captured"})
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "charge.refund.updated"})
# A Refund's statuses (``pending`` and ``requires_action`` may still succeed or fail).
REFUND_SUCCEEDED = "succeeded"
REFUND_REFUSED = frozenset({"failed", "canceled"})


class Malformed(ValueError):
    """An object from Stripe that does not have the shape Stripe documents."""


def _field(values: dict, name: str, kind):
    value = values.get(name)
    # bool is an int in Python; no Stripe amount is a boolean.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f"{name} is not a {kind.__name__}")
    if kind is int and value < 0:
        raise Malformed(f"{name} is negative")
    return value


def _id_of(value) -> str:
    """An id field of a Stripe object, sent as the id or expanded into the object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _reference_of(values: dict) -> str:
    metadata = values.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise Malformed("metadata is not an object")
    reference = metadata.get("reference", "")
    return reference if isinstance(reference, str) else ""


def _currency_of(values: dict) -> str:
    # Stripe writes currencies in lower case; the payment keeps ISO 4217's upper case. A
    # currency other than the payment's is passed on, for notice_apply to refuse.
    return _field(values, "currency", str).upper()


def _failure_key(intent_id: str, error: dict) -> str:
    charge = _id_of(error.get("charge"))
    if charge:
        return charge
    parts = (intent_id, _id_of(error.get("payment_method")), error.get("code") or error.get("type"))
    return ":".join(part for part in parts if isinstance(part, str) and part)


def _failure_message(error: dict) -> str:
    parts = (error.get("code"), error.get("decline_code"), error.get("message"))
    return " ".join(part for part in parts if isinstance(part, str) and part)


def intent_notice(
    intent: dict, *, reference: str | None = None, kind: str | None = None
) -> Notice | None:
    """The notice of a PaymentIntent, by its status (or as ``kind`` when an event says what
    happened); ``None`` for a status that says nothing to record.

    ``reference`` replaces the intent's ``metadata.reference`` (a query of a payment knows
    which payment it asked about).
    """
    intent_id = _field(intent, "id", str)
    status = _field(intent, "status", str)
    common = {
        "reference": _reference_of(intent) if reference is None else reference,
        "currency": _currency_of(intent),
        "payment_reference": intent_id,
        "raw_status": status,
    }
    error = intent.get("last_payment_error") or {}
    if not isinstance(error, dict):
        raise Malformed("last_payment_error is not an object")
    if kind is None:
        kind = _kind_of_status(status, error)
    if kind == Kind.CHARGE:
        amount = _field(intent, "amount_received", int)
        return Notice(kind=Kind.CHARGE, amount=amount, gateway_reference=intent_id, **common)
    if kind == Kind.AUTHORIZATION:
        amount = _field(intent, "amount_capturable", int)
        if status != "requires_capture" or amount == 0:
            return None
        return Notice(kind=Kind.AUTHORIZATION, amount=amount, gateway_reference=intent_id, **common)
    amount = _field(intent, "amount", int)
    if kind == Kind.VOID:
        reason = intent.get("cancellation_reason")
        message = reason if isinstance(reason, str) else ""
        return Notice(
            kind=Kind.VOID, amount=amount, gateway_reference=intent_id, message=message, **common
        )
    if kind == Kind.FAILURE:
        return Notice(
            kind=Kind.FAILURE,
            amount=amount,
            gateway_reference=_failure_key(intent_id, error),
            message=_failure_message(error),
            **common,
        )
    return Notice(kind=PENDING, amount=amount, gateway_reference=intent_id, **common)


def _kind_of_status(status: str, error: dict) -> str:
    if status == "succeeded":
        return Kind.CHARGE
    if status == "requires_capture":
        return Kind.AUTHORIZATION
    if status == "canceled":
        return Kind.VOID
    # Back to requires_payment_method with an error: the last attempt failed (the buyer may
    # still try another card on the same intent, which then succeeds as usual).
    if status == "requires_payment_method" and error:
        return Kind.FAILURE
    # requires_payment_method (not tried yet), requires_confirmation, requires_action,
    # processing: the buyer or the bank has not finished.
    return PENDING


def charge_notice(charge: dict, *, failed: bool = False) -> Notice:
    """The notice of a Charge event, keyed as its intent's would be (see the module)."""
    charge_id = _field(charge, "id", str)
    intent_id = _id_of(charge.get("payment_intent")) or charge_id
    common = {
        "reference": _reference_of(charge),
        "currency": _currency_of(charge),
        "payment_reference": intent_id,
        "raw_status": _field(charge, "status", str),
    }
    if failed:
        message = " ".join(
            part
            for part in (charge.get("failure_code"), charge.get("failure_message"))
            if isinstance(part, str) and part
        )
        amount = _field(charge, "amount", int)
        return Notice(
            kind=Kind.FAILURE, amount=amount, gateway_reference=charge_id, message=message, **common
        )
    if charge.get("captured") is True:
        amount = _field(charge, "amount_captured", int)
        return Notice(kind=Kind.CHARGE, amount=amount, gateway_reference=intent_id, **common)
    amount = _field(charge, "amount", int)
    return Notice(kind=Kind.AUTHORIZATION, amount=amount, gateway_reference=intent_id, **common)


def refund_notice(refund: dict, *, reference: str | None = None) -> Notice | None:
    """The notice of a Refund: a refund once it has succeeded, pending before; ``None``
    when it failed or was cancelled (nothing went back to the buyer)."""
    status = _field(refund, "status", str)
    if status in REFUND_REFUSED:
        return None
    return Notice(
        reference=_reference_of(refund) if reference is None else reference,
        kind=Kind.REFUND if status == REFUND_SUCCEEDED else PENDING,
        amount=_field(refund, "amount", int),
        gateway_reference=_field(refund, "id", str),
        currency=_currency_of(refund),
        payment_reference=_id_of(refund.get("payment_intent")),
        raw_status=status,
    )


def event_notice(event: dict) -> Notice | None:
    """The notice of a webhook event (a dict of its JSON); ``None`` to ignore it."""
    if event.get("object") != "event":
        raise Malformed("not an event")
    event_type = _field(event, "type", str)
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise Malformed("data.object is not an object")
    found = data["object"]
    if event_type == "payment_intent.succeeded":
        return intent_notice(found, kind=Kind.CHARGE)
    if event_type == "payment_intent.amount_capturable_updated":
        return intent_notice(found, kind=Kind.AUTHORIZATION)
    if event_type == "payment_intent.canceled":
        return intent_notice(found, kind=Kind.VOID)
    if event_type == "payment_intent.payment_failed":
        return intent_notice(found, kind=Kind.FAILURE)
    if event_type in CHARGE_EVENTS:
        return charge_notice(found)
    if event_type == "charge.failed":
        return charge_notice(found, failed=True)
    if event_type in REFUND_EVENTS:
        notice = refund_notice(found)
        return notice if notice is not None and notice.kind == Kind.REFUND else None
    return None


def _signature_of(headers: dict[str, str]) -> str:
    return next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER), "")


def _refused(error: stripe.StripeError) -> GatewayError:
    # The class, the HTTP status and Stripe's error code: never the message, which may
    # echo a request's values.
    status = getattr(error, "http_status", None) or "-"
    return GatewayError(f"Stripe {type(error).__name__} ({status}, {error.code or '-'})")


class StripeGateway(Gateway):
    code = "stripe"
    name = gettext_lazy("International card")

    def configured(self) -> bool:
        # Neither has a default (there is no card sandbox): cards are offered only with a
        # Stripe server (or stripe-mock) and a key to call it with. The health check, too,
        # counts Stripe "not configured" without its base.
        return bool(settings.STRIPE_API_BASE and settings.STRIPE_SECRET_KEY)

    def _call(self, request):
        """``request(client)`` with a client built from settings now, its errors as
        ``GatewayError``."""
        http_client = stripe.RequestsClient(timeout=settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS)
        try:
            client = stripe.StripeClient(
                settings.STRIPE_SECRET_KEY,
                base_addresses={"api": settings.STRIPE_API_BASE}
                if settings.STRIPE_API_BASE
                else None,
                http_client=http_client,
                max_network_retries=0,
            )
            return request(client)
        except stripe.StripeError as error:
            raise _refused(error) from error
        finally:
            http_client.close()

    def start(self, payment, context: StartContext) -> Started:
        intent = self._call(
            lambda client: client.v1.payment_intents.create(
                params={
                    "amount": payment.amount,
                    "currency": "vnd",
                    "payment_method_types": ["card"],
                    "metadata": {"reference": payment.reference, "order": payment.order.number},
                },
                # One intent per attempt, even when this call is repeated after a timeout.
                options={"idempotency_key": f"payment-intent-{payment.reference}"},
            )
        )
        values = intent.to_dict()
        intent_id, client_secret = values.get("id"), values.get("client_secret")
        if not isinstance(intent_id, str) or not isinstance(client_secret, str):
            raise GatewayError("Stripe answered a PaymentIntent without id or client secret")
        return Started(
            PaymentAction(
                kind="client_secret",
                data={
                    "client_secret": client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                },
            ),
            gateway_reference=intent_id,
        )

    def authenticate(self, incoming: Incoming) -> None:
        try:
            payload = incoming.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NotificationRefused(Outcome.INVALID, "the body is not UTF-8") from error
        try:
            stripe.WebhookSignature.verify_header(
                payload,
                _signature_of(incoming.headers),
                settings.STRIPE_WEBHOOK_SECRET,
                tolerance=stripe.Webhook.DEFAULT_TOLERANCE,
            )
        except stripe.SignatureVerificationError as error:
            raise NotificationRefused(Outcome.BAD_SIGNATURE, str(error)[:200]) from error

    def parse(self, incoming: Incoming) -> Notice | None:
        try:
            event = json.loads(incoming.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise NotificationRefused(Outcome.INVALID, "the body is not JSON") from error
        if not isinstance(event, dict):
            raise NotificationRefused(Outcome.INVALID, "the body is not an event")
        try:
            return event_notice(event)
        except Malformed as error:
            raise NotificationRefused(Outcome.INVALID, str(error)) from error

    def return_reference(self, query: dict[str, str]) -> str:
        # Stripe.js sends the buyer back with ``payment_intent`` and its client secret; the
        # storefront adds ``reference`` (the payment's, from its start) to the return URL
        # it gives Stripe.js, which is what finds the payment here without asking Stripe.
        return (query.get("reference") or "")[:64]

    def answer(self, outcome: str) -> Answer:
        if outcome in PROCESSED:
            return RECEIVED
        if outcome in (Outcome.BAD_SIGNATURE, Outcome.INVALID):
            return REFUSED
        return RETRY

    def query(self, payment) -> list[Notice]:
        if not payment.gateway_reference:
            return []
        intent = self._call(
            lambda client: client.v1.payment_intents.retrieve(payment.gateway_reference)
        )
        try:
            notice = intent_notice(intent.to_dict(), reference=payment.reference)
        except Malformed as error:
            raise GatewayError(f"Stripe answered a malformed PaymentIntent: {error}") from error
        return [notice] if notice is not None else []

    def refund(self, payment, amount: int, *, refund_reference: str, reason: str) -> Notice:
        if not payment.gateway_reference:
            raise GatewayError("The payment has no PaymentIntent to refund")
        answered = self._call(
            lambda client: client.v1.refunds.create(
                params={
                    "payment_intent": payment.gateway_reference,
                    "amount": amount,
                    "metadata": {"reference": payment.reference, "reason": reason[:500]},
                },
                # A refund repeated after a timeout is the same refund at Stripe.
                options={"idempotency_key": f"refund-{refund_reference}"},
            )
        )
        values = answered.to_dict()
        try:
            notice = refund_notice(values, reference=payment.reference)
        except Malformed as error:
            raise GatewayError(f"Stripe answered a malformed Refund: {error}") from error
        if notice is None:
            raise GatewayError(f"Stripe refused the refund ({values.get('status')})")
        # A refund is in its charge's currency, which is the payment's. A pending one is
        # answered as pending: its refund.updated webhook records it once it succeeds.
        return replace(
            notice,
            currency=payment.currency,
            payment_reference=notice.payment_reference or payment.gateway_reference,
        )
