"""The folded-text table of the database search backend (``ProductSearchText``).

One row per live product holds its words, lowercased and folded, each padded by
spaces so that ``" word "`` matches whole words (see ``search.backends.database``).
Deliveries upsert the rows of the products they are given and delete the rest;
a full rebuild copies every row at once (``SearchTextRebuild``).
"""

import re
import unicodedata
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Category, Product
from market.core.folding import fold
from search.documents import document_source
from search.models import ProductSearchText
from search.rows import BULK_CHUNK_SIZE, CatalogLookups, chunks, product_rows

_WORD = re.compile(r"\w+")


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
    lookups = CatalogLookups()
    with transaction.atomic():
        writer = SearchTextRebuild()
        rows = product_rows(Product.objects.live(), chunk_size=chunk_size)
        for chunk in chunks(rows, chunk_size):
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
        ProductSearchText.objects.exclude(product__in=Product.objects.live()).delete()
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
