"""Keeping search in step with the catalog: delivering the change outbox.

Sellers and catalog record what changed in ``market.core``'s outbox
(``market.core.changes.change_record``) inside their own transaction; after
the commit the outbox's delivery task (``search.tasks.deliver_outbox``) runs
``deliver_outbox`` here, which turns a seller or category change into its
products and brings their index entries in line with the database.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from market.core import changes
from market.core.models import ChangeRecord
from market.core.transactions import service_transaction
from search import delivery, indices, selectors, text_table

logger = logging.getLogger(__name__)

DELIVERY_BATCH_SIZE = 500

# A change of one of these stands for a change of each of its products.
_PRODUCTS_OF = {
    changes.SELLER: selectors.product_ids_for_seller,
    changes.CATEGORY: selectors.product_ids_for_category,
}


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
    _expand_to_products()
    pending = ChangeRecord.objects.filter(topic=changes.PRODUCT)
    while True:
        with transaction.atomic():
            rows = list(pending.select_for_update(skip_locked=True).order_by("pk")[:batch_size])
            if not rows:
                return report
            try:
                result = delivery.sync_products({row.object_id for row in rows})
            except Exception as error:
                logger.exception("search delivery failed; %d outbox rows kept", len(rows))
                _mark_failed(rows, repr(error))
                report.failed += len(rows)
                return report
            failed_rows = [row for row in rows if row.object_id in result.failed]
            for row in failed_rows:
                _mark_failed([row], result.failed[row.object_id])
            delivered = [row.pk for row in rows if row.object_id not in result.failed]
            ChangeRecord.objects.filter(pk__in=delivered).delete()
            report.delivered += len(delivered)
            report.failed += len(failed_rows)
            if failed_rows and not delivered:
                # Every row of the batch failed: the next batch would start on the same rows.
                return report


@service_transaction
def _expand_to_products() -> None:
    """Replace each seller or category change by a change of each of its products.

    Expanded when delivered, in one transaction with the rows it replaces, so
    the products are those the seller or category has once the change committed.
    """
    groups = list(
        ChangeRecord.objects.select_for_update(skip_locked=True)
        .filter(topic__in=_PRODUCTS_OF)
        .order_by("pk")
    )
    product_ids = set()
    for row in groups:
        product_ids.update(_PRODUCTS_OF[row.topic](row.object_id))
    ChangeRecord.objects.bulk_create(
        [ChangeRecord(topic=changes.PRODUCT, object_id=pk) for pk in sorted(product_ids)]
    )
    ChangeRecord.objects.filter(pk__in=[row.pk for row in groups]).delete()


def _mark_failed(rows: list[ChangeRecord], error: str) -> None:
    ChangeRecord.objects.filter(pk__in=[row.pk for row in rows]).update(
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
