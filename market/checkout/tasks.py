"""Checkout work done outside the request: thin wrappers around ``market.checkout.services``.

The task names are what Celery beat (``CELERY_BEAT_SCHEDULE``) knows; they stay as they are.
"""

from celery import shared_task


@shared_task(name="checkout.delete_ended_reservations")
def reservations_delete_ended() -> int:
    """Run every 15 minutes: deletes reservations past their time. It only tidies: an
    ended reservation stops holding stock at its ``reserved_until``, task or no task."""
    from market.checkout import services

    return services.reservations_delete_ended()
