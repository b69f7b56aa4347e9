"""Catalog work done outside the request: thin wrappers around ``catalog.services``."""

from celery import shared_task

from catalog import services


@shared_task(name="catalog.create_product_thumbnails")
def create_product_thumbnails(image_id: int) -> list[int]:
    """Queued on commit by ``services.product_image_create``."""
    return services.create_product_thumbnails(image_id=image_id)


@shared_task(name="catalog.expire_ocop_certificates")
def expire_ocop_certificates() -> int:
    """Run daily by Celery beat (``CELERY_BEAT_SCHEDULE``) just after midnight in Vietnam."""
    return services.expire_ocop_certificates()
