"""The catalog read for search: ``.values()`` rows of products, and the sellers and
category paths they point to, loaded beforehand into dicts.

A rebuild of the index, a rebuild of the folded-text table and a delivery all
read the catalog this way, and build from each row both the document source
(``search.documents.document_source``) and the folded-text row
(``search.text_table.search_text_values``).
"""

from collections.abc import Iterable, Iterator
from itertools import islice

from catalog.models import Category
from market.sellers.models import Seller
from search.documents import PRODUCT_VALUES, SELLER_VALUES
from search.selectors import category_paths, with_search_facts

BULK_CHUNK_SIZE = 500


class CatalogLookups:
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


def chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
