"""A gateway's notification: stored first, then authenticated, read and applied once.

The raw request is written to the inbox (``Notification``) in its own transaction before
anything reads it: whatever happens next (a forged signature, an unknown payment, a bug, a
lock that times out), what arrived is kept, with its outcome written after. The answer is
the gateway's protocol's own (``Gateway.answer``): a duplicate is answered as done, so the
gateway stops retrying, and a failure as one to retry.
"""

import logging

from django.utils import timezone

from market.core.sql import row_insert, row_update
from payments.gateways.base import Gateway, Incoming, NotificationRefused
from payments.models import Notification
from payments.services.events import notice_apply

logger = logging.getLogger(__name__)
Outcome = Notification.Outcome

# Headers that carry a secret (SePay's "Authorization: Apikey <key>"), redacted when stored.
SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
REDACTED = "[redacted]"


def stored_headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


def notification_receive(gateway: Gateway, incoming: Incoming) -> tuple[Notification, object]:
    """Store, authenticate, read and apply ``incoming``; the stored row and the answer.

    The row is written and then completed with SQL written once (``market.core.sql``): every
    notification pays these two statements, and the ORM's compiling of them was a fifth of
    a retried notification's time (bench/payments_bench.py)."""
    notification = Notification(
        gateway=gateway.code,
        received_at=timezone.now(),
        source_address=incoming.source_address,
        method=incoming.method[:8],
        path=incoming.path[:255],
        query_string=_encoded(incoming.query),
        headers=stored_headers(incoming.headers),
        body=incoming.body.decode("utf-8", errors="replace"),
    )
    notification.pk = row_insert(
        Notification, {name: getattr(notification, name) for name in STORED_FIRST}
    )
    outcome, detail, payment = _process(gateway, incoming, notification)
    answer = gateway.answer(outcome)
    notification.outcome = outcome
    notification.detail = detail[:255]
    notification.payment = payment
    notification.answer = answer.as_record()
    notification.processed_at = timezone.now()
    row_update(
        Notification, notification.pk, {name: getattr(notification, name) for name in WRITTEN_AFTER}
    )
    return notification, answer


# The row as it arrived, then what processing found.
STORED_FIRST = (
    "gateway", "received_at", "source_address", "method", "path", "query_string", "headers",
    "body", "signature_valid", "event_key", "payment_id", "outcome", "detail", "answer",
    "processed_at",
)  # fmt: skip
WRITTEN_AFTER = (
    "outcome",
    "detail",
    "payment_id",
    "answer",
    "processed_at",
    "signature_valid",
    "event_key",
)


def _encoded(query: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def _process(gateway: Gateway, incoming: Incoming, notification: Notification):
    try:
        gateway.authenticate(incoming)
    except NotificationRefused as refusal:
        notification.signature_valid = refusal.signature_valid
        return refusal.outcome, refusal.detail, None
    notification.signature_valid = True
    try:
        notice = gateway.parse(incoming)
    except NotificationRefused as refusal:
        return refusal.outcome, refusal.detail, None
    if notice is None:
        return Outcome.IGNORED, "", None
    notification.event_key = notice.gateway_reference[:128]
    try:
        outcome, payment = notice_apply(
            notice, gateway=gateway.code, notification_id=notification.pk
        )
    except Exception as error:  # kept in the inbox as failed; the gateway retries
        logger.exception("payment notification %s failed", notification.pk)
        return Outcome.FAILED, f"{type(error).__name__}", None
    return outcome, notice.message, payment
