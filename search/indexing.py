"""Writing products into Elasticsearch and into the database backend's text table.

Searches read the alias ``<prefix>-products``; the data live in versioned
indices ``<prefix>-products-<timestamp>``. A rebuild fills a new index while
the alias still points at the old one, then swaps the alias in one atomic
``_aliases`` call, so searches never see a missing or half-filled index.
Deliveries write to every versioned index, including one being rebuilt, so a
change made during a rebuild reaches the new index too.

A rebuild reads the catalog once, as ``.values()`` rows with sellers and
categories loaded beforehand into dicts, and feeds both the folded-text table
of the database backend and the bulk requests from that one pass. The new
index is filled with refreshes off and an asynchronous translog, both restored
(and the index refreshed) before the alias moves to it. The bulk requests go
out from a small thread pool while the calling thread reads and builds the
next chunks, so Python, PostgreSQL and Elasticsearch work at the same time;
the database is only ever read from the calling thread, inside its transaction.
"""

import logging
import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from elasticsearch.helpers import bulk, streaming_bulk

from catalog.models import Category
from market.sellers.models import Seller
from search.analysis import fold
from search.client import get_client, index_name
from search.documents import (
    PRODUCT_VALUES,
    SELLER_VALUES,
    ProductDocument,
    document_source,
)
from search.models import ProductSearchText
from search.selectors import category_paths, live_products, with_search_facts

logger = logging.getLogger(__name__)

BULK_CHUNK_SIZE = 500
# Bulk requests in flight during a rebuild. Elasticsearch indexes each request
# on one thread: two let it use both cores of a small node.
REBUILD_BULK_THREADS = 2
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


# While a rebuild fills a new index nobody searches it yet: no refreshes and
# an fsync per request less; ``SERVING_SETTINGS`` puts the defaults back.
BULK_LOAD_SETTINGS = {"refresh_interval": "-1", "translog.durability": "async"}
SERVING_SETTINGS = {"refresh_interval": "1s", "translog.durability": "request"}


def create_index(name: str, *, bulk_load: bool = False) -> None:
    index = ProductDocument._index.clone(name=name)
    index.settings(
        number_of_shards=settings.SEARCH_INDEX_SHARDS,
        number_of_replicas=settings.SEARCH_INDEX_REPLICAS,
        **(BULK_LOAD_SETTINGS if bulk_load else {}),
    )
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


class _Lookups:
    """Sellers and category paths, loaded once; reloaded if a row is missing
    (a seller or category created while the products are read)."""

    def __init__(self):
        self._load()

    def _load(self) -> None:
        self.sellers = {row["pk"]: row for row in Seller.objects.values(*SELLER_VALUES)}
        self.paths = category_paths()

    def for_row(self, row: dict) -> tuple[dict, list[Category]]:
        if row["seller_id"] not in self.sellers or row["category_id"] not in self.paths:
            self._load()
        return self.sellers[row["seller_id"]], self.paths[row["category_id"]]


def product_rows(products, *, chunk_size: int = BULK_CHUNK_SIZE) -> Iterator[dict]:
    """``PRODUCT_VALUES`` rows of ``products`` (a Product queryset), by primary key."""
    rows = with_search_facts(products).order_by("pk").values(*PRODUCT_VALUES)
    return rows.iterator(chunk_size=chunk_size)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class RebuildReport:
    index: str
    indexed: int
    dropped: list[str] = field(default_factory=list)
    search_text_rows: int = 0


def rebuild(*, chunk_size: int = BULK_CHUNK_SIZE, search_text: bool = False) -> RebuildReport:
    """Fill a new versioned index with every live product, then swap the alias to it.

    With ``search_text`` the folded-text table is rebuilt from the same read
    of the catalog, in one transaction that a failed index rebuild rolls back.
    """
    client = get_client()
    previous = aliased_indices()
    name = new_index_name()
    lookups = _Lookups()
    create_index(name, bulk_load=True)

    def action_chunks() -> Iterator[list[dict]]:
        for chunk in _chunks(product_rows(live_products(), chunk_size=chunk_size), chunk_size):
            texts = []
            actions = []
            for row in chunk:
                seller, path = lookups.for_row(row)
                source = document_source(row, seller, path)
                if search_text:
                    texts.append(search_text_values(row, seller, path, source))
                actions.append(
                    {"_op_type": "index", "_index": name, "_id": row["pk"], "_source": source}
                )
            if search_text:
                text_rebuild.add(texts)
            yield actions

    try:
        with transaction.atomic():
            text_rebuild = SearchTextRebuild() if search_text else None
            indexed, failures = _bulk_in_parallel(client, action_chunks())
            if text_rebuild is not None:
                text_rebuild.finish()
            if failures:
                raise IndexingError(
                    f"{len(failures)} products failed to index, first: {failures[0]}"
                )
        client.indices.put_settings(index=name, settings=SERVING_SETTINGS)
        client.indices.refresh(index=name)
        _swap_alias(name, previous=previous)
    except Exception:
        # The alias still points at the old index; the half-built one goes away.
        client.indices.delete(index=name, ignore_unavailable=True)
        raise
    if previous:
        client.indices.delete(index=",".join(previous), ignore_unavailable=True)
    logger.info("search index %s built with %d products", name, indexed)
    return RebuildReport(
        index=name,
        indexed=indexed,
        dropped=previous,
        search_text_rows=text_rebuild.count if text_rebuild is not None else 0,
    )


def _bulk_in_parallel(client, chunks: Iterable[list[dict]]) -> tuple[int, list[dict]]:
    """Send each chunk as one bulk request, ``REBUILD_BULK_THREADS`` at a time.

    The chunks are built by the calling thread while earlier ones are in
    flight; at most one chunk waits ready, which bounds the memory used.
    Returns the number of documents indexed and the failed items. A transport
    error (Elasticsearch gone) is raised.
    """
    indexed = 0
    failures: list[dict] = []

    def send(actions: list[dict]) -> tuple[int, list[dict]]:
        return bulk(client, actions, chunk_size=len(actions), raise_on_error=False, max_retries=2)

    def collect(future) -> None:
        nonlocal indexed
        succeeded, failed = future.result()
        indexed += succeeded
        failures.extend(failed)

    with ThreadPoolExecutor(
        max_workers=REBUILD_BULK_THREADS, thread_name_prefix="search-bulk"
    ) as pool:
        pending = deque()
        for actions in chunks:
            pending.append(pool.submit(send, actions))
            if len(pending) > REBUILD_BULK_THREADS:
                collect(pending.popleft())
        while pending:
            collect(pending.popleft())
    return indexed, failures


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
    lookups = _Lookups()
    live = []
    for row in product_rows(live_products().filter(pk__in=ids)):
        seller, path = lookups.for_row(row)
        live.append((row, seller, path, document_source(row, seller, path)))
    report = SyncReport()
    live_ids = {row["pk"] for row, *_ in live}
    gone_ids = ids - live_ids
    sync_search_text(live, gone_ids)
    if not elasticsearch_enabled():
        report.indexed, report.deleted = live_ids, gone_ids
        return report

    sources = [(row["pk"], source) for row, _, _, source in live]
    actions = []
    for target in _write_targets():
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


def _padded(words: list[str]) -> str:
    """Words separated by single spaces, padded so that ``" word "`` matches whole words."""
    return f" {' '.join(words)} " if words else ""


def padded_words(text: str) -> str:
    """Lowercase words of ``text``, padded (see ``_padded``)."""
    return _padded(_WORD.findall(unicodedata.normalize("NFC", text).lower()))


def folded_words(text: str) -> str:
    """Folded words of ``text``, padded (see ``_padded``)."""
    return _padded(_WORD.findall(fold(text)))


def search_text_values(
    row: dict, seller: dict, path: list[Category], source: dict | None = None
) -> dict:
    """The column values of a product's folded-text row, from the same inputs as
    ``document_source``.

    The folded texts are taken from the product's document ``source``, built
    here unless the caller has it already (a rebuild does): folding is most of
    the cost of both.
    """
    if source is None:
        source = document_source(row, seller, path)
    return {
        "product_id": row["pk"],
        "name_words": padded_words(row["name"]),
        "name_folded": _padded(_WORD.findall(source["name_folded"])),
        "category_folded": _padded(_WORD.findall(source["category_names_folded"])),
        "seller_folded": _padded(_WORD.findall(source["seller_name_folded"])),
        "description_folded": _padded(
            _WORD.findall(source["description_folded"]) + _WORD.findall(fold(source["name_en"]))
        ),
    }


def sync_search_text(
    live: list[tuple[dict, dict, list[Category], dict]], gone_ids: Iterable[int]
) -> None:
    """``live`` holds (row, seller, category path, document source) of each live product."""
    rows = [ProductSearchText(**search_text_values(*entry)) for entry in live]
    with transaction.atomic():
        ProductSearchText.objects.filter(product_id__in=list(gone_ids)).delete()
        _upsert_search_text(rows)


def rebuild_search_text(*, chunk_size: int = BULK_CHUNK_SIZE) -> int:
    """Recompute the whole folded-text table from the catalog (without Elasticsearch;
    ``rebuild(search_text=True)`` does it from the same read as the index)."""
    lookups = _Lookups()
    with transaction.atomic():
        writer = SearchTextRebuild()
        rows = product_rows(live_products(), chunk_size=chunk_size)
        for chunk in _chunks(rows, chunk_size):
            writer.add([search_text_values(row, *lookups.for_row(row)) for row in chunk])
        writer.finish()
    return writer.count


class SearchTextRebuild:
    """The folded-text rows of every live product, written by a full rebuild.

    To be used inside one transaction. On PostgreSQL the rows are copied
    (``COPY``) into a temporary table and merged into the real one by a single
    ``INSERT ... ON CONFLICT`` at the end: ``bulk_create`` took a third of a
    100,000-product rebuild. Elsewhere (SQLite) they are upserted chunk by
    chunk. Either way, rows of products that are no longer live go.
    """

    STAGING_TABLE = "search_text_rebuild"

    def __init__(self):
        self.count = 0
        self._meta = ProductSearchText._meta
        self._copying = connection.vendor == "postgresql"
        ProductSearchText.objects.exclude(product__in=live_products()).delete()
        if self._copying:
            staging = self._quote(self.STAGING_TABLE)
            with connection.cursor() as cursor:
                # A rebuild that failed earlier in the same (outer) transaction
                # may have left one behind.
                cursor.execute(f"DROP TABLE IF EXISTS {staging}")
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {staging} "
                    f"(LIKE {self._quote(self._meta.db_table)}) ON COMMIT DROP"
                )

    def add(self, rows: list[dict]) -> None:
        """``rows`` of ``search_text_values``."""
        self.count += len(rows)
        if not self._copying:
            _upsert_search_text([ProductSearchText(**values) for values in rows])
            return
        fields = self._fields()
        names = [field.attname for field in fields]
        now = timezone.now()
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {self._quote(self.STAGING_TABLE)} ({self._columns(fields)}) FROM STDIN"
            ) as copy,
        ):
            for values in rows:
                # auto_now is applied by save(), which COPY bypasses.
                complete = {**values, "updated_at": now}
                copy.write_row([complete[name] for name in names])

    def finish(self) -> None:
        if not self._copying:
            return
        fields = self._fields()
        columns = self._columns(fields)
        key = self._quote(self._meta.pk.column)
        updates = ", ".join(
            f"{self._quote(field.column)} = EXCLUDED.{self._quote(field.column)}"
            for field in fields
            if not field.primary_key
        )
        # Only the model's own table and column names, quoted, go into the text.
        statement = (
            f"INSERT INTO {self._quote(self._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT {columns} FROM {self._quote(self.STAGING_TABLE)} "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement)
            cursor.execute(f"DROP TABLE {self._quote(self.STAGING_TABLE)}")

    def _fields(self) -> list:
        return list(self._meta.concrete_fields)

    def _columns(self, fields) -> str:
        return ", ".join(self._quote(field.column) for field in fields)

    @staticmethod
    def _quote(name: str) -> str:
        return connection.ops.quote_name(name)


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
