"""Celery tasks of search: thin wrappers around ``search.services``."""

from celery import shared_task

from search import services


@shared_task(name="search.tasks.deliver_outbox", ignore_result=True)
def deliver_outbox() -> dict:
    """Deliver pending outbox rows; also run periodically by beat to catch up after outages."""
    report = services.deliver_outbox()
    return {"delivered": report.delivered, "failed": report.failed}


@shared_task(name="search.tasks.rebuild_index", ignore_result=True)
def rebuild_index() -> dict:
    report = services.rebuild_index()
    return {"index": report.index, "indexed": report.indexed}
