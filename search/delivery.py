"""What delivering outbox rows does (``search.services.deliver_outbox``): bring the
index documents and the folded-text rows of some products in line with the database.

A delivery writes to every versioned index, including one being rebuilt, so a
change made during a rebuild reaches the new index too.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from elasticsearch.helpers import streaming_bulk

from catalog.models import Product
from search import indices
from search.client import get_client
from search.documents import document_source
from search.rows import BULK_CHUNK_SIZE, CatalogLookups, product_rows
from search.text_table import sync_search_text


@dataclass
class SyncReport:
    indexed: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    failed: dict[int, str] = field(default_factory=dict)


def sync_products(product_ids: Iterable[int]) -> SyncReport:
    """Bring the index and the folded-text table in line with the database.

    A product that is live is (re)indexed under its id; any other one (deleted,
    unpublished, seller suspended) is removed, and removing a missing document
    counts as done, so delivering the same ids twice is harmless.
    """
    ids = set(product_ids)
    lookups = CatalogLookups()
    live = []
    for row in product_rows(Product.objects.live().filter(pk__in=ids)):
        seller, path = lookups.for_row(row)
        live.append((row, seller, path, document_source(row, seller, path)))
    report = SyncReport()
    live_ids = {row["pk"] for row, *_ in live}
    gone_ids = ids - live_ids
    sync_search_text(live, gone_ids)
    if not indices.elasticsearch_enabled():
        report.indexed, report.deleted = live_ids, gone_ids
        return report

    sources = [(row["pk"], source) for row, _, _, source in live]
    actions = []
    for target in indices.write_targets():
        actions.extend(
            {"_op_type": "index", "_index": target, "_id": pk, "_source": source}
            for pk, source in sources
        )
        actions.extend({"_op_type": "delete", "_index": target, "_id": pk} for pk in gone_ids)
    for ok, item in streaming_bulk(
        get_client(), actions, chunk_size=BULK_CHUNK_SIZE, raise_on_error=False, max_retries=2
    ):
        operation, result = next(iter(item.items()))
        product_id = int(result["_id"])
        missing = operation == "delete" and result.get("status") == 404
        if not ok and not missing:
            report.failed[product_id] = str(result.get("error", result))[:2000]
    report.indexed = live_ids - report.failed.keys()
    report.deleted = gone_ids - report.failed.keys()
    return report
