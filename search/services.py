"""Keeping search in step with the catalog: the outbox and its delivery.

A catalog service calls ``schedule_product_reindex`` inside its transaction.
The outbox rows commit (or roll back) with the change itself; the delivery
task is queued only after the commit. If Redis refuses the task or
Elasticsearch is down, the rows simply wait for the periodic delivery.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from search import delivery, indices, selectors, text_table
from search.models import SearchOutbox

logger = logging.getLogger(__name__)

DELIVERY_BATCH_SIZE = 500


def schedule_product_reindex(*, product_ids: Iterable[int]) -> int:
    """Record that these products' search entries must be refreshed; returns how many."""
    ids = sorted({int(product_id) for product_id in product_ids})
    if not ids:
        return 0
    SearchOutbox.objects.bulk_create([SearchOutbox(product_id=pk) for pk in ids])
    transaction.on_commit(enqueue_delivery)
    return len(ids)


def enqueue_delivery() -> None:
    """Queue the delivery task; a broker failure must not fail the committed request."""
    from search.tasks import deliver_outbox

    try:
        # retry=False: a dead broker should cost the request one refused
        # connection, not kombu's retry schedule; the rows wait in the outbox.
        deliver_outbox.apply_async(retry=False)
    except Exception:
        logger.exception("could not queue search delivery; the outbox keeps the products")


def product_ids_for_seller(seller_id: int) -> list[int]:
    return selectors.product_ids_for_seller(seller_id)


def product_ids_for_category(category_id: int) -> list[int]:
    return selectors.product_ids_for_category(category_id)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0


def deliver_outbox(*, batch_size: int = DELIVERY_BATCH_SIZE) -> DeliveryReport:
    """Index or remove the products waiting in the outbox, batch by batch.

    Rows are locked with SKIP LOCKED so that two workers never deliver the same
    batch; rows recorded while a batch is in flight stay for the next batch.
    When the search engine cannot be reached the batch is marked with the error
    and delivery stops until the next run.
    """
    report = DeliveryReport()
    while True:
        with transaction.atomic():
            rows = list(
                SearchOutbox.objects.select_for_update(skip_locked=True).order_by("pk")[:batch_size]
            )
            if not rows:
                return report
            try:
                result = delivery.sync_products({row.product_id for row in rows})
            except Exception as error:
                logger.exception("search delivery failed; %d outbox rows kept", len(rows))
                _mark_failed(rows, repr(error))
                report.failed += len(rows)
                return report
            failed_rows = [row for row in rows if row.product_id in result.failed]
            for row in failed_rows:
                _mark_failed([row], result.failed[row.product_id])
            delivered = [row.pk for row in rows if row.product_id not in result.failed]
            SearchOutbox.objects.filter(pk__in=delivered).delete()
            report.delivered += len(delivered)
            report.failed += len(failed_rows)
            if failed_rows and not delivered:
                # Every row of the batch failed: the next batch would start on the same rows.
                return report


def _mark_failed(rows: list[SearchOutbox], error: str) -> None:
    SearchOutbox.objects.filter(pk__in=[row.pk for row in rows]).update(
        attempts=F("attempts") + 1, last_error=error[:2000]
    )


@dataclass
class IndexRebuild:
    index: str | None
    indexed: int
    search_text_rows: int


def rebuild_index() -> IndexRebuild:
    """Rebuild the folded-text table and, when Elasticsearch is configured, a new index."""
    if not indices.elasticsearch_enabled():
        rows = text_table.rebuild_search_text()
        return IndexRebuild(index=None, indexed=0, search_text_rows=rows)
    # One read of the catalog feeds both the folded-text table and the index.
    report = indices.rebuild(search_text=True)
    return IndexRebuild(
        index=report.index, indexed=report.indexed, search_text_rows=report.search_text_rows
    )
