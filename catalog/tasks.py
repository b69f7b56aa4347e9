"""Catalog work done outside the request: thin wrappers around ``catalog.services``.

The task names are what Celery beat and queued messages know; they stay as they are.
``catalog.services`` imports this module to queue the thumbnails, so the services are
imported when a task runs, not when this module loads: no import cycle.
"""

from celery import shared_task


@shared_task(name="catalog.create_product_thumbnails")
def create_product_thumbnails(image_id: int) -> list[int]:
    """Queued on commit by ``services.product_image_create``."""
    from catalog import services

    return services.product_thumbnails_create(image_id=image_id)


@shared_task(name="catalog.expire_ocop_certificates")
def expire_ocop_certificates() -> int:
    """Run daily by Celery beat (``CELERY_BEAT_SCHEDULE``) just after midnight in Vietnam."""
    from catalog import services

    return services.ocop_certificates_expire()
