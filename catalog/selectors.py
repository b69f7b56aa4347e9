"""Reads of the catalog: who sees what, the category tree and the product list.

The read rules themselves (live and visible products, a current certificate,
stock for sale, a category's subtree, price range and stars as columns) are
QuerySet methods in ``catalog.models``; these functions compose them, and
GraphQL types, queries and other apps (sellers, search) use either, never
filtering ``is_published`` or a certificate's status themselves.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.models import (
    Category,
    OcopCertificate,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    sees_every_product,
)
from market.core.folding import FoldedText, fold
from market.core.permissions import is_operator, seller_ids_of
from market.core.sql import KeyedSubquery, sql_table

# ---------------------------------------------------------------- visibility
#
# Which products and certificates each user sees is ``Product.objects.visible_to``
# and ``OcopCertificate.objects.current`` (catalog.models); these add who sees what
# beyond the products themselves.


def can_see_stock(user, seller_id: int) -> bool:
    """Stock levels are the seller's business: its own staff and operators only."""
    return is_operator(user) or seller_id in seller_ids_of(user)


def sees_all_certificates(user, seller_id: int) -> bool:
    """Pending, expired and revoked certificates: the seller's staff, auditors, operators."""
    return sees_every_product(user) or seller_id in seller_ids_of(user)


def visible_certificates(user) -> QuerySet[OcopCertificate]:
    """Certificates reachable by ID: current ones of visible products, all for insiders."""
    certificates = OcopCertificate.objects.filter(product__in=Product.objects.visible_to(user))
    if sees_every_product(user):
        return certificates
    insider = Q(product__seller_id__in=seller_ids_of(user))
    return certificates.filter(OcopCertificate.current_condition() | insider)


# ---------------------------------------------------------------- categories


# A category tree deeper than this is a data error (a parent cycle); stop walking.
MAX_CATEGORY_DEPTH = 32


def _category_depths(
    *, where: str = "", where_params: Iterable = (), having: str = "", having_params: Iterable = ()
) -> list[tuple[int, int]]:
    """``(id, depth)`` of the categories ``where`` picks (all without it) that ``having``
    keeps: 0 for a root, 1 for its children... Each walks up its parents, at most
    ``MAX_CATEGORY_DEPTH`` steps, in one recursive query."""
    table = connection.ops.quote_name(Category._meta.db_table)
    sql = (
        f"WITH RECURSIVE up(origin, parent_id, depth) AS ("  # noqa: S608 - table name from the model
        f" SELECT id, parent_id, 0 FROM {table} {where}"
        f" UNION ALL SELECT up.origin, c.parent_id, up.depth + 1"
        f" FROM {table} c JOIN up ON c.id = up.parent_id WHERE up.depth < %s"
        f") SELECT origin, MAX(depth) FROM up GROUP BY origin {having}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*where_params, MAX_CATEGORY_DEPTH, *having_params])
        return cursor.fetchall()


def category_levels(category_ids: list[int]) -> dict[int, int]:
    """Depth of each category: 0 for a root, 1 for its children..."""
    if not category_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(category_ids))
    return dict(_category_depths(where=f"WHERE id IN ({placeholders})", where_params=category_ids))


def category_ids_at_level(level: int) -> list[int]:
    # Only the walks that reached a root (a parent that is NULL): a category under a parent
    # cycle, or deeper than the walk goes, stands at no level.
    depths = _category_depths(
        having="HAVING MAX(depth) = %s AND bool_or(up.parent_id IS NULL)", having_params=[level]
    )
    return [pk for pk, _depth in depths]


@dataclass(frozen=True)
class CategoryFilter:
    search: str | None = None
    level: int | None = None
    parent_id: int | None = None


def category_list(filters: CategoryFilter | None = None) -> QuerySet[Category]:
    filters = filters or CategoryFilter()
    categories = Category.objects.all()
    if filters.search:
        categories = categories.annotate(folded_name=FoldedText("name")).filter(
            folded_name__contains=fold(filters.search)
        )
    if filters.parent_id is not None:
        categories = categories.filter(parent_id=filters.parent_id)
    if filters.level is not None:
        categories = categories.filter(pk__in=category_ids_at_level(filters.level))
    return categories


# ---------------------------------------------------------------- product list


@dataclass(frozen=True)
class ProductFilter:
    seller_ids: tuple[int, ...] | None = None
    category_id: int | None = None
    ocop_stars_min: int | None = None
    price_gte: int | None = None
    price_lte: int | None = None
    in_stock: bool | None = None
    is_published: bool | None = None
    search: str | None = None
    verified_origin: bool | None = None


# The computed sort keys ``with_sort_annotations`` can add.
SORT_ANNOTATIONS = ("min_price", "ocop_stars", "published_on")


def with_sort_annotations(
    products: QuerySet[Product], names: Iterable[str] = SORT_ANNOTATIONS
) -> QuerySet[Product]:
    """Non-null sort keys for keyset pagination, those of ``names`` that are computed.

    ``min_price`` is 0 for a product without variants; ``ocop_stars`` is 0
    without a current certificate; ``published_on`` falls back to creation
    time for drafts, which only insiders see. Other names (plain columns) and
    keys already annotated are left alone: each correlated subquery costs
    planning and Python query building on every page, so only those the sort
    or a filter reads are added.
    """
    wanted = set(names) - products.query.annotations.keys()
    annotations = {}
    if "min_price" in wanted:
        products = products.with_price_range(lowest="listed_sort_min_price")
        annotations["min_price"] = Coalesce(
            F("listed_sort_min_price"), Value(0), output_field=IntegerField()
        )
    if "ocop_stars" in wanted:
        products = products.with_current_ocop_stars("ocop_stars", default=0)
    if "published_on" in wanted:
        annotations["published_on"] = Coalesce(F("published_at"), F("created_at"))
    return products.annotate(**annotations) if annotations else products


# ---------------------------------------------------------------- listing columns
#
# What a product card shows, computed in the page's own query (one correlated
# subquery per column, run for the page's rows only) instead of one query per
# table after it. The listing adds them when its selection asks for the fields
# and hands them to the dataloaders (catalog.graphql.dataloaders), which compute
# the same columns for products reached otherwise.

LISTED_MIN_PRICE = "listed_min_price"
LISTED_MAX_PRICE = "listed_max_price"
LISTED_OCOP_STARS = "listed_ocop_stars"
LISTED_IMAGE = "listed_image"


def listed_thumbnail(size: int) -> str:
    return f"listed_thumbnail_{size}"


def with_price_range(products: QuerySet[Product]) -> QuerySet[Product]:
    """The lowest and highest variant price; null for a product without variants."""
    return products.with_price_range(lowest=LISTED_MIN_PRICE, highest=LISTED_MAX_PRICE)


def with_current_ocop_stars(products: QuerySet[Product]) -> QuerySet[Product]:
    """The most stars among current certificates, else null."""
    return products.with_current_ocop_stars(LISTED_OCOP_STARS)


def _first_image(connection, product, field: str) -> str:
    images, i = sql_table(connection, ProductImage, "listed_i")
    return (
        f"SELECT {i(field)} FROM {images} WHERE {i('product')} = {product}"  # noqa: S608 - names from the models
        f" ORDER BY {i('sort_order')}, {i('id')} LIMIT 1"
    )


def with_primary_image(
    products: QuerySet[Product], thumbnail_sizes: Iterable[int]
) -> QuerySet[Product]:
    """The file name of the first image by sort order (null without an image) and, for
    each of ``thumbnail_sizes``, the file of that image's smallest generated thumbnail
    at least that large (null where there is none)."""

    def image(connection, product):
        return _first_image(connection, product, "image"), []

    def thumbnail(size: int):
        def build_sql(connection, product):
            thumbnails, t = sql_table(connection, ProductImageThumbnail, "listed_t")
            sql = (
                f"SELECT {t('file')} FROM {thumbnails}"  # noqa: S608 - names from the models
                f" WHERE {t('image')} = ({_first_image(connection, product, 'id')})"
                f" AND {t('size')} >= %s AND {t('file')} <> '' ORDER BY {t('size')} LIMIT 1"
            )
            return sql, [size]

        return build_sql

    columns = {LISTED_IMAGE: KeyedSubquery(image, output_field=CharField())}
    for size in sorted(set(thumbnail_sizes)):
        columns[listed_thumbnail(size)] = KeyedSubquery(thumbnail(size), output_field=CharField())
    return products.annotate(**columns)


def product_list(
    user, filters: ProductFilter | None = None, *, sort_keys: Iterable[str] = SORT_ANNOTATIONS
) -> QuerySet[Product]:
    """Visible products matching ``filters``, annotated with the computed ``sort_keys``
    (all of them unless told which the caller sorts by)."""
    filters = filters or ProductFilter()
    needed = set(sort_keys)
    if filters.ocop_stars_min is not None:
        needed.add("ocop_stars")
    products = with_sort_annotations(Product.objects.visible_to(user), needed)
    if filters.seller_ids is not None:
        products = products.filter(seller_id__in=filters.seller_ids)
    if filters.category_id is not None:
        products = products.filter(
            category_id__in=Category.objects.subtree_ids([filters.category_id])
        )
    if filters.ocop_stars_min is not None:
        products = products.filter(ocop_stars__gte=filters.ocop_stars_min)
    if filters.price_gte is not None or filters.price_lte is not None:
        # Any variant in the range makes the product match, as a buyer expects.
        priced = ProductVariant.objects.filter(product=OuterRef("pk"))
        if filters.price_gte is not None:
            priced = priced.filter(price__gte=filters.price_gte)
        if filters.price_lte is not None:
            priced = priced.filter(price__lte=filters.price_lte)
        products = products.filter(Exists(priced))
    if filters.in_stock is not None:
        products = products.in_stock(filters.in_stock)
    if filters.verified_origin is not None:
        products = products.origin_verified(filters.verified_origin)
    if filters.is_published is not None:
        products = products.filter(is_published=filters.is_published)
    if filters.search:
        products = products.annotate(folded_name=FoldedText("name")).filter(
            folded_name__contains=fold(filters.search)
        )
    return products
