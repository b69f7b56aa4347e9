"""Reads that feed the search index, the database backend and the product feed.

Every product fact the index needs is computed in one SQL statement per batch
(subqueries rather than joins, so variants, stock and certificates do not
multiply rows), plus one query for the category tree. The rules behind the
facts (live products, a current certificate, stock for sale, the price range,
a category's subtree) are catalog's QuerySet methods (``catalog.models``).
"""

from django.db.models import OuterRef, QuerySet, Subquery

from catalog.models import Category, Product, ProductTranslation, ProductVariant


def with_search_facts(products: QuerySet[Product]) -> QuerySet[Product]:
    """Annotate what a search document holds, in the same statement as the products:
    the catalog's price range, current stars (0 without) and stock for sale."""
    english_name = ProductTranslation.objects.filter(
        product=OuterRef("pk"), language_code="en"
    ).values("name")[:1]
    return (
        products.select_related("seller", "seller__address", "category")
        .with_current_ocop_stars("search_ocop_stars", default=0)
        .with_price_range(lowest="search_price_min", highest="search_price_max")
        .with_in_stock("search_in_stock")
        .annotate(search_name_en=Subquery(english_name))
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


def product_ids_for_seller(seller_id: int) -> list[int]:
    # Every product, published or not: a suspended seller's products must leave the index.
    return list(Product.objects.filter(seller_id=seller_id).values_list("pk", flat=True))


def product_ids_for_category(category_id: int) -> list[int]:
    # Descendants too: their documents hold this category's name in their path.
    subtree = Category.objects.subtree_ids([category_id])
    return list(Product.objects.filter(category_id__in=subtree).values_list("pk", flat=True))


def product_ids_for_variant(variant_id: int) -> list[int]:
    return list(ProductVariant.objects.filter(pk=variant_id).values_list("product_id", flat=True))
