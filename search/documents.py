"""The product search document and its construction from the ORM.

The server has no analysis-common module (see ``search.analysis``), so every
text field is indexed twice, as written and folded in Python, and the
autocomplete field is a ``completion`` field fed with both forms instead of an
edge n-gram analyzer.
"""

import re

from elasticsearch_dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    Integer,
    Keyword,
    Long,
    Text,
)

from catalog.models import Category, Product
from search.analysis import fold, vietnamese_analyzer

# A completion field only matches from the start of an input, so each name is
# also fed from every later word ("mắm nhĩ Cà Ná" for "Nước mắm nhĩ Cà Ná");
# a cap keeps long names from multiplying inputs.
SUGGEST_MAX_WORDS = 8
_WORD = re.compile(r"\w+")


class ProductDocument(Document):
    product_id = Integer()
    name = Text(analyzer=vietnamese_analyzer, fields={"raw": Keyword()})
    name_folded = Text(analyzer=vietnamese_analyzer)
    name_en = Text(analyzer=vietnamese_analyzer)
    suggest = Completion(analyzer=vietnamese_analyzer)
    slug = Keyword()
    description = Text(analyzer=vietnamese_analyzer)
    description_folded = Text(analyzer=vietnamese_analyzer)
    seller_id = Integer()
    seller_name = Text(analyzer=vietnamese_analyzer, fields={"raw": Keyword()})
    seller_name_folded = Text(analyzer=vietnamese_analyzer)
    seller_slug = Keyword()
    seller_kind = Keyword()
    category_id = Integer()
    category_ids = Integer()
    category_names = Text(analyzer=vietnamese_analyzer)
    category_names_folded = Text(analyzer=vietnamese_analyzer)
    ocop_stars = Integer()
    price_min = Long()
    price_max = Long()
    in_stock = Boolean()
    is_published = Boolean()
    province = Keyword()
    ward = Keyword()
    created_at = Date()
    published_at = Date()
    updated_at = Date()
    traceability_verified = Boolean()

    class Index:
        # Placeholder: the real, prefixed and versioned names come from search.indexing,
        # which clones this index definition (settings, analyzers, mappings).
        name = "products"
        settings = {"number_of_shards": 1}


def suggest_inputs(name: str, english_name: str | None) -> list[str]:
    words = _WORD.findall(name)[:SUGGEST_MAX_WORDS]
    inputs: list[str] = []
    for start in range(len(words)):
        tail = " ".join(words[start:])
        inputs.extend((tail, fold(tail)))
    if english_name:
        inputs.append(english_name)
    # Order kept for readability of the stored document; duplicates removed.
    return list(dict.fromkeys(inputs))


def build_document(product: Product, paths: dict[int, list[Category]]) -> ProductDocument:
    """Build the document of a product annotated by ``selectors.with_search_facts``."""
    seller = product.seller
    address = seller.address
    path = paths.get(product.category_id, [product.category])
    category_names = " ".join(category.name for category in path)
    stars = product.search_ocop_stars or 0
    document = ProductDocument(
        meta={"id": product.pk},
        product_id=product.pk,
        name=product.name,
        name_folded=fold(product.name),
        name_en=product.search_name_en or "",
        suggest={
            "input": suggest_inputs(product.name, product.search_name_en),
            "weight": 1 + stars,
        },
        slug=product.slug,
        description=product.description,
        description_folded=fold(product.description),
        seller_id=seller.pk,
        seller_name=seller.name,
        seller_name_folded=fold(seller.name),
        seller_slug=seller.slug,
        seller_kind=seller.kind,
        category_id=product.category_id,
        category_ids=[category.pk for category in path],
        category_names=category_names,
        category_names_folded=fold(category_names),
        ocop_stars=stars,
        price_min=product.search_price_min,
        price_max=product.search_price_max,
        in_stock=bool(product.search_in_stock),
        is_published=product.is_published,
        province=address.province if address else None,
        ward=address.ward if address else None,
        created_at=product.created_at,
        # "Newest" sorts on this date, so a published product without a
        # publication date (older data) falls back to its creation date.
        published_at=product.published_at or product.created_at,
        updated_at=product.updated_at,
        # Set by the traceability work once verified-origin marks exist.
        traceability_verified=False,
    )
    return document
