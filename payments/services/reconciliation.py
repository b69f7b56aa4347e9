"""Reconciliation: payments still pending after a while are asked about at their gateway.

A notification can be lost (a gateway's outage, a dropped IPN): Celery beat runs
``payments_reconcile`` and each pending payment older than
``PAYMENT_RECONCILE_AFTER_MINUTES`` is queried (VNPay ``querydr``, MoMo query, Stripe
retrieve); what the gateway answers goes through ``notice_apply`` like a notification,
so a payment confirmed twice (by its IPN and by the query) is charged once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from payments.gateways import gateway_named
from payments.gateways.base import GatewayError
from payments.models import Payment
from payments.services.events import notice_apply

logger = logging.getLogger(__name__)

# At most this many payments per run, oldest first: a backlog drains over a few runs.
BATCH = 200


def payments_reconcile(*, now=None) -> dict[str, int]:
    """Query the gateway of every stale pending payment; counts by outcome."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    pending = (
        Payment.objects.filter(
            status__in=(Payment.Status.PENDING, Payment.Status.AUTHORIZED),
            created_at__lte=stale,
        )
        .exclude(gateway="cod")
        .order_by("created_at", "pk")[:BATCH]
    )
    counts: dict[str, int] = {}
    for payment in pending:
        gateway = gateway_named(payment.gateway)
        if gateway is None:
            continue
        try:
            notices = gateway.query(payment)
        except GatewayError as error:
            logger.warning("reconciling %s: %s", payment.reference, error)
            counts["unreachable"] = counts.get("unreachable", 0) + 1
            continue
        for notice in notices:
            outcome, _payment = notice_apply(notice, gateway=payment.gateway)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
