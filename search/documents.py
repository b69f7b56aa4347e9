"""The product search document and its construction from the ORM.

The server has no analysis-common module (see ``search.analysis``), so every
text field is indexed twice, as written and folded in Python, and the
autocomplete field is a ``completion`` field fed with folded inputs (prefixes
are folded before they are looked up) instead of an edge n-gram analyzer.

``ProductDocument`` defines the mapping; the sources sent to Elasticsearch are
plain dicts built by ``document_source`` from ``.values()`` rows, which is
several times cheaper than a ``Document`` and its ``to_dict()`` for a rebuild
of the whole catalog, and gives the same JSON.
"""

import re

from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    Integer,
    Keyword,
    Long,
    Text,
)

from catalog.models import Category
from market.core.folding import fold
from search.analysis import vietnamese_analyzer

# A completion field only matches from the start of an input, so each name is
# also fed from every later word ("mắm nhĩ Cà Ná" for "Nước mắm nhĩ Cà Ná");
# a cap keeps long names from multiplying inputs.
SUGGEST_MAX_WORDS = 8
_WORD = re.compile(r"\w+")


class ProductDocument(Document):
    """Only the name is searched both as written and folded (an exact spelling
    ranks first); category path, seller and description are searched folded,
    as the database backend does, and their written forms are kept in the
    source unindexed."""

    product_id = Integer()
    name = Text(analyzer=vietnamese_analyzer, fields={"raw": Keyword()})
    # Only the name is searched for phrases: the other text fields keep no
    # positions, which makes their postings smaller and quicker to walk.
    name_folded = Text(analyzer=vietnamese_analyzer, index_options="freqs")
    name_en = Text(analyzer=vietnamese_analyzer, index_options="freqs")
    suggest = Completion(analyzer=vietnamese_analyzer)
    slug = Keyword()
    description = Text(index=False)
    description_folded = Text(analyzer=vietnamese_analyzer, index_options="freqs")
    # Identifiers that are filtered and counted, never compared as numbers:
    # keywords, whose terms aggregations run on global ordinals built at refresh.
    seller_id = Keyword(eager_global_ordinals=True)
    seller_name = Text(index=False)
    seller_name_folded = Text(analyzer=vietnamese_analyzer, index_options="freqs")
    seller_slug = Keyword()
    seller_kind = Keyword(eager_global_ordinals=True)
    category_id = Keyword(eager_global_ordinals=True)
    category_ids = Keyword()
    category_names = Text(index=False)
    category_names_folded = Text(analyzer=vietnamese_analyzer, index_options="freqs")
    ocop_stars = Keyword(eager_global_ordinals=True)
    price_min = Long()
    price_max = Long()
    in_stock = Boolean()
    is_published = Boolean()
    province = Keyword()
    ward = Keyword()
    created_at = Date()
    published_at = Date()
    updated_at = Date()
    # catalog's cache of traceability's verified-origin rule (``Product.origin_verified``).
    origin_verified = Boolean()

    class Index:
        # Placeholder: the real, prefixed and versioned names come from search.indices,
        # which clones this index definition (analyzers, mappings) and sets the
        # shards and replicas from the settings.
        name = "products"


def suggest_inputs(name_folded: str, english_folded: str) -> list[str]:
    """Folded suffixes of the name (and the folded English name).

    Only the folded forms: ``ElasticsearchBackend.suggest`` folds the prefix,
    and the name shown comes from ``_source``, so the forms with diacritics
    would only double the field's size.
    """
    words = _WORD.findall(name_folded)[:SUGGEST_MAX_WORDS]
    inputs = [" ".join(words[start:]) for start in range(len(words))]
    if english_folded:
        inputs.append(english_folded)
    # Order kept for readability of the stored document; duplicates removed.
    return list(dict.fromkeys(inputs))


# The ``.values()`` columns ``document_source`` and the folded-text rows read,
# on a queryset annotated by ``selectors.with_search_facts``.
PRODUCT_VALUES = (
    "pk",
    "name",
    "slug",
    "description",
    "seller_id",
    "category_id",
    "is_published",
    "created_at",
    "published_at",
    "updated_at",
    "search_ocop_stars",
    "search_price_min",
    "search_price_max",
    "search_in_stock",
    "search_name_en",
    "origin_verified",
)
# The seller columns, loaded once for all products (sellers are few).
SELLER_VALUES = ("pk", "name", "slug", "kind", "address__province", "address__ward")


def document_source(row: dict, seller: dict, path: list[Category]) -> dict:
    """The ``_source`` of a product, as ``ProductDocument(...).to_dict()`` would give it.

    ``row`` holds ``PRODUCT_VALUES``, ``seller`` holds ``SELLER_VALUES`` and
    ``path`` is the product's category path. Like ``to_dict()``, it leaves out
    fields whose value is None.
    """
    name = row["name"]
    name_folded = fold(name)
    name_en = row["search_name_en"] or ""
    description = row["description"]
    category_names = " ".join(category.name for category in path)
    stars = row["search_ocop_stars"] or 0
    source = {
        "product_id": row["pk"],
        "name": name,
        "name_folded": name_folded,
        "name_en": name_en,
        "suggest": {
            "input": suggest_inputs(name_folded, fold(name_en)),
            "weight": 1 + stars,
        },
        "slug": row["slug"],
        "description": description,
        "description_folded": fold(description),
        "seller_id": seller["pk"],
        "seller_name": seller["name"],
        "seller_name_folded": fold(seller["name"]),
        "seller_slug": seller["slug"],
        "seller_kind": seller["kind"],
        "category_id": row["category_id"],
        "category_ids": [category.pk for category in path],
        "category_names": category_names,
        "category_names_folded": fold(category_names),
        "ocop_stars": stars,
        "price_min": row["search_price_min"],
        "price_max": row["search_price_max"],
        "in_stock": bool(row["search_in_stock"]),
        "is_published": row["is_published"],
        "province": seller["address__province"],
        "ward": seller["address__ward"],
        "created_at": row["created_at"],
        # "Newest" sorts on this date, so a published product without a
        # publication date (older data) falls back to its creation date.
        "published_at": row["published_at"] or row["created_at"],
        "updated_at": row["updated_at"],
        "origin_verified": row["origin_verified"],
    }
    return {key: value for key, value in source.items() if value is not None}
