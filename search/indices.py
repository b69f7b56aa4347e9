"""The Elasticsearch product index: its alias, its versioned indices and full rebuilds.

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
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from elasticsearch.helpers import bulk

from catalog.models import Product
from search.client import get_client, index_name
from search.documents import ProductDocument, document_source
from search.rows import BULK_CHUNK_SIZE, CatalogLookups, chunks, product_rows
from search.text_table import SearchTextRebuild, search_text_values

logger = logging.getLogger(__name__)

# Bulk requests in flight during a rebuild. Elasticsearch indexes each request
# on one thread: two let it use both cores of a small node.
REBUILD_BULK_THREADS = 2


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
    lookups = CatalogLookups()
    create_index(name, bulk_load=True)

    def action_chunks() -> Iterator[list[dict]]:
        rows = product_rows(Product.objects.live(), chunk_size=chunk_size)
        for chunk in chunks(rows, chunk_size):
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


def write_targets() -> list[str]:
    """Every versioned index: the aliased one and any being rebuilt."""
    ensure_index()
    rows = get_client().cat.indices(index=versioned_pattern(), format="json", h="index")
    return sorted(row["index"] for row in rows)
