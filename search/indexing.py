"""Writing products into Elasticsearch and into the database backend's text table.

Searches read the alias ``<prefix>-products``; the data live in versioned
indices ``<prefix>-products-<timestamp>``. A rebuild fills a new index while
the alias still points at the old one, then swaps the alias in one atomic
``_aliases`` call, so searches never see a missing or half-filled index.
Deliveries write to every versioned index, including one being rebuilt, so a
change made during a rebuild reaches the new index too.
"""

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from elasticsearch.helpers import streaming_bulk

from catalog.models import Category, Product
from search.analysis import fold
from search.client import get_client, index_name
from search.documents import ProductDocument, build_document
from search.models import ProductSearchText
from search.selectors import category_paths, live_products, with_search_facts

logger = logging.getLogger(__name__)

BULK_CHUNK_SIZE = 500
_WORD = re.compile(r"\w+")


class IndexingError(Exception):
    """A rebuild could not fill its new index; the alias was left untouched."""


def elasticsearch_enabled() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def alias_name() -> str:
    return index_name("products")


def versioned_pattern() -> str:
    return f"{alias_name()}-*"


def new_index_name() -> str:
    # Microseconds keep two rebuilds in the same second apart.
    return f"{alias_name()}-{timezone.now().strftime('%Y%m%d%H%M%S%f')}"


def create_index(name: str) -> None:
    replicas = getattr(settings, "SEARCH_INDEX_REPLICAS", 0)
    index = ProductDocument._index.clone(name=name)
    index.settings(number_of_replicas=replicas)
    index.create(using=get_client())


def aliased_indices() -> list[str]:
    client = get_client()
    if not client.indices.exists_alias(name=alias_name()):
        return []
    return sorted(client.indices.get_alias(name=alias_name()).keys())


def ensure_index() -> str:
    """Create a first versioned index behind the alias when there is none yet."""
    current = aliased_indices()
    if current:
        return current[0]
    name = new_index_name()
    create_index(name)
    _swap_alias(name, previous=[])
    return name


def _swap_alias(new_index: str, *, previous: list[str]) -> None:
    alias = alias_name()
    actions: list[dict] = [{"remove": {"index": old, "alias": alias}} for old in previous]
    client = get_client()
    # A concrete index squatting on the alias's name (say, from an early
    # Document.init()) would make the add fail; it is removed in the same call.
    if (
        not previous
        and client.indices.exists(index=alias)
        and not client.indices.exists_alias(name=alias)
    ):
        actions.append({"remove_index": {"index": alias}})
    actions.append({"add": {"index": new_index, "alias": alias}})
    client.indices.update_aliases(actions=actions)


def _documents(products: Iterable[Product]) -> Iterator[ProductDocument]:
    paths = category_paths()
    for product in products:
        yield build_document(product, paths)


@dataclass
class RebuildReport:
    index: str
    indexed: int
    dropped: list[str] = field(default_factory=list)


def rebuild(*, chunk_size: int = BULK_CHUNK_SIZE) -> RebuildReport:
    """Fill a new versioned index with every live product, then swap the alias to it."""
    client = get_client()
    previous = aliased_indices()
    name = new_index_name()
    create_index(name)
    products = with_search_facts(live_products()).order_by("pk").iterator(chunk_size=chunk_size)
    actions = (
        {"_op_type": "index", "_index": name, "_id": doc.meta.id, "_source": doc.to_dict()}
        for doc in _documents(products)
    )
    indexed = 0
    failures: list[dict] = []
    try:
        for ok, item in streaming_bulk(
            client, actions, chunk_size=chunk_size, raise_on_error=False, max_retries=2
        ):
            if ok:
                indexed += 1
            else:
                failures.append(item)
        if failures:
            raise IndexingError(f"{len(failures)} products failed to index, first: {failures[0]}")
        client.indices.refresh(index=name)
        _swap_alias(name, previous=previous)
    except Exception:
        # The alias still points at the old index; the half-built one goes away.
        client.indices.delete(index=name, ignore_unavailable=True)
        raise
    if previous:
        client.indices.delete(index=",".join(previous), ignore_unavailable=True)
    logger.info("search index %s built with %d products", name, indexed)
    return RebuildReport(index=name, indexed=indexed, dropped=previous)


def status() -> dict:
    """Where the alias points and what each versioned index holds."""
    client = get_client()
    current = set(aliased_indices())
    rows = client.cat.indices(index=versioned_pattern(), format="json", h="index,docs.count")
    indices = [
        {
            "index": row["index"],
            "documents": int(row.get("docs.count") or 0),
            "aliased": row["index"] in current,
        }
        for row in sorted(rows, key=lambda row: row["index"])
    ]
    return {"alias": alias_name(), "indices": indices}


def _write_targets() -> list[str]:
    """Every versioned index: the aliased one and any being rebuilt."""
    ensure_index()
    rows = get_client().cat.indices(index=versioned_pattern(), format="json", h="index")
    return sorted(row["index"] for row in rows)


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
    live = list(with_search_facts(live_products().filter(pk__in=ids)).order_by("pk"))
    report = SyncReport()
    live_ids = {product.pk for product in live}
    gone_ids = ids - live_ids
    sync_search_text(live, gone_ids)
    if not elasticsearch_enabled():
        report.indexed, report.deleted = live_ids, gone_ids
        return report

    documents = list(_documents(live))
    actions = []
    for target in _write_targets():
        actions.extend(
            {"_op_type": "index", "_index": target, "_id": doc.meta.id, "_source": doc.to_dict()}
            for doc in documents
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


def padded_words(text: str) -> str:
    """Lowercase words separated by single spaces, padded so ``" word "`` matches whole words."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    return f" {' '.join(words)} " if words else ""


def folded_words(text: str) -> str:
    """Folded words separated by single spaces, padded so ``" word "`` matches whole words."""
    words = _WORD.findall(fold(text))
    return f" {' '.join(words)} " if words else ""


def search_text_for(product: Product, paths: dict[int, list[Category]]) -> ProductSearchText:
    path = paths.get(product.category_id, [product.category])
    return ProductSearchText(
        product_id=product.pk,
        name_words=padded_words(product.name),
        name_folded=folded_words(product.name),
        category_folded=folded_words(" ".join(category.name for category in path)),
        seller_folded=folded_words(product.seller.name),
        description_folded=folded_words(
            " ".join(filter(None, [product.description, product.search_name_en]))
        ),
    )


def sync_search_text(live: list[Product], gone_ids: Iterable[int]) -> None:
    paths = category_paths()
    rows = [search_text_for(product, paths) for product in live]
    with transaction.atomic():
        ProductSearchText.objects.filter(product_id__in=list(gone_ids)).delete()
        _upsert_search_text(rows)


def rebuild_search_text(*, chunk_size: int = BULK_CHUNK_SIZE) -> int:
    """Recompute the whole folded-text table from the catalog."""
    paths = category_paths()
    count = 0
    with transaction.atomic():
        ProductSearchText.objects.exclude(product__in=live_products()).delete()
        batch: list[ProductSearchText] = []
        products = with_search_facts(live_products()).order_by("pk").iterator(chunk_size=chunk_size)
        for product in products:
            batch.append(search_text_for(product, paths))
            if len(batch) >= chunk_size:
                count += _upsert_search_text(batch)
                batch = []
        count += _upsert_search_text(batch)
    return count


def _upsert_search_text(rows: list[ProductSearchText]) -> int:
    if not rows:
        return 0
    ProductSearchText.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["product"],
        update_fields=[
            "name_words",
            "name_folded",
            "category_folded",
            "seller_folded",
            "description_folded",
            "updated_at",
        ],
    )
    return len(rows)
