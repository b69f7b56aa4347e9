"""Reads that feed the search index, the database backend and the product feed.

Every product fact the index needs is computed in one SQL statement per batch
(subqueries rather than joins, so variants, stock and certificates do not
multiply rows), plus one query for the category tree.
"""

from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import (
    Category,
    OcopCertificate,
    Product,
    ProductTranslation,
    ProductVariant,
    Stock,
)
from market.sellers.models import Seller


def live_products() -> QuerySet[Product]:
    """Products a buyer may see: published, from a seller that is not suspended."""
    return Product.objects.filter(is_published=True, seller__status=Seller.Status.ACTIVE)


def ocop_stars_subquery() -> Coalesce:
    """Stars of the best verified, unexpired certificate of the outer product; 0 without one."""
    best = (
        OcopCertificate.objects.filter(
            product=OuterRef("pk"),
            status=OcopCertificate.Status.VERIFIED,
            expires_on__gte=timezone.localdate(),
        )
        .order_by("-stars")
        .values("stars")[:1]
    )
    return Coalesce(Subquery(best), Value(0))


def in_stock_subquery() -> Exists:
    return Exists(
        Stock.objects.filter(variant__product=OuterRef("pk"), quantity__gt=F("quantity_allocated"))
    )


def _variant_price(order: str) -> Subquery:
    return Subquery(
        ProductVariant.objects.filter(product=OuterRef("pk")).order_by(order).values("price")[:1]
    )


def lowest_price_subquery() -> Subquery:
    return _variant_price("price")


def with_search_facts(products: QuerySet[Product]) -> QuerySet[Product]:
    """Annotate what a search document holds, in the same statement as the products."""
    english_name = ProductTranslation.objects.filter(
        product=OuterRef("pk"), language_code="en"
    ).values("name")[:1]
    return products.select_related("seller", "seller__address", "category").annotate(
        search_ocop_stars=ocop_stars_subquery(),
        search_price_min=_variant_price("price"),
        search_price_max=_variant_price("-price"),
        search_in_stock=in_stock_subquery(),
        search_name_en=Subquery(english_name),
    )


def category_paths() -> dict[int, list[Category]]:
    """Each category's path from the root down to itself, from one query.

    Categories form a short tree of a few hundred rows at most, so loading it
    whole is cheaper than one query per level per product.
    """
    categories = {category.pk: category for category in Category.objects.all()}
    paths: dict[int, list[Category]] = {}
    for category in categories.values():
        path = [category]
        seen = {category.pk}
        while path[0].parent_id is not None and path[0].parent_id not in seen:
            parent = categories.get(path[0].parent_id)
            if parent is None:
                break
            seen.add(parent.pk)
            path.insert(0, parent)
        paths[category.pk] = path
    return paths


def category_with_descendants(category_ids: Iterable[int]) -> set[int]:
    """The given categories and every category below them."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    pending = list(category_ids)
    while pending:
        pk = pending.pop()
        if pk in found:
            continue
        found.add(pk)
        pending.extend(children.get(pk, []))
    return found


def product_ids_for_seller(seller_id: int) -> list[int]:
    # Every product, published or not: a suspended seller's products must leave the index.
    return list(Product.objects.filter(seller_id=seller_id).values_list("pk", flat=True))


def product_ids_for_category(category_id: int) -> list[int]:
    # Descendants too: their documents hold this category's name in their path.
    subtree = category_with_descendants([category_id])
    return list(Product.objects.filter(category_id__in=subtree).values_list("pk", flat=True))


def product_ids_for_variant(variant_id: int) -> list[int]:
    return list(ProductVariant.objects.filter(pk=variant_id).values_list("product_id", flat=True))
