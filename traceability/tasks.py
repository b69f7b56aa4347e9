"""Traceability work done outside the request: thin wrappers around the services.

The services import this module to queue emails, so they are imported when a task runs,
not when this module loads: no import cycle.
"""

from celery import shared_task


@shared_task(name="traceability.send_site_status_email", ignore_result=True)
def send_site_status_email(change_id: int) -> int:
    """Queued on commit by the site decisions that the seller's staff are told of."""
    from traceability import emails
    from traceability.models import SiteStatusChange

    change = SiteStatusChange.objects.select_related("site__seller").filter(pk=change_id).first()
    if change is None:
        return 0
    return emails.send_site_status_change(change)


@shared_task(name="traceability.refresh_expired_origins")
def refresh_expired_origins() -> int:
    """Run daily by Celery beat (``CELERY_BEAT_SCHEDULE``) just after midnight in Vietnam."""
    from traceability.services import origin

    return origin.origin_refresh_expired()
