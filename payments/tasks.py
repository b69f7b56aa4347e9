"""Payments work outside the request: thin wrappers around the services."""

from celery import shared_task


@shared_task(name="payments.reconcile_pending")
def reconcile_pending() -> dict:
    """Run by Celery beat (``CELERY_BEAT_SCHEDULE``)."""
    from payments.services.reconciliation import payments_reconcile

    return payments_reconcile()


@shared_task(name="payments.refund_cancelled_parts")
def refund_cancelled_parts() -> int:
    """Run by Celery beat: the shares of cancelled parts of paid orders go back."""
    from payments.services.refunds import cancelled_parts_refund

    return cancelled_parts_refund()
