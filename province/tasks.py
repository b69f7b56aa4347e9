"""The province's work outside the request: thin wrappers around ``province.services``."""

from celery import shared_task


@shared_task(name="province.monthly_figures_record")
def monthly_figures_record() -> int:
    """Run nightly by Celery beat (``CELERY_BEAT_SCHEDULE``), late in the local evening so
    the month's last run keeps its end."""
    from province.services.snapshots import monthly_figures_record as record

    return record()


@shared_task(name="province.monthly_sales_record")
def monthly_sales_record() -> int:
    """Run nightly by Celery beat, after midnight so the month that just ended is closed."""
    from province.services.snapshots import monthly_sales_record as record

    return record()


@shared_task(name="province.registry_rematch")
def registry_rematch() -> dict[str, int]:
    """Run nightly by Celery beat, before the month's record: a certificate a seller added
    since the last import is matched to its registry entry (imports match by themselves)."""
    from province.services.registry_matching import registry_rematch as rematch

    return rematch()
