"""Reads of the catalog: who sees which product, and the product list with its filters.

The visibility rule lives here and nowhere else; GraphQL types, queries and
other apps (sellers, search) ask these functions instead of filtering
``is_published`` themselves.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import (
    Category,
    OcopCertificate,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Stock,
)
from market.core.folding import FoldedText, fold
from market.core.permissions import is_auditor, is_operator, seller_ids_of
from market.sellers.models import Seller

# ---------------------------------------------------------------- visibility


def sees_every_product(user) -> bool:
    """Operators run the marketplace and auditors inspect it: they see drafts too."""
    return is_operator(user) or is_auditor(user)


def visible_products(user) -> QuerySet[Product]:
    """Products ``user`` may see.

    Buyers and anonymous visitors see published products of active sellers; a
    seller's staff also see every product of their own seller (drafts, and
    while the seller is suspended); operators and auditors see all.
    """
    products = Product.objects.all()
    if sees_every_product(user):
        return products
    public = Q(is_published=True) & OfActiveSeller()
    own_seller_ids = seller_ids_of(user)
    if own_seller_ids:
        return products.filter(public | Q(seller_id__in=own_seller_ids))
    return products.filter(public)


def _table(connection, model, alias: str) -> tuple[str, Callable[[str], str]]:
    """``"table" alias`` and a function naming the alias's columns by field name."""
    quote = connection.ops.quote_name

    def column(field: str) -> str:
        return f"{alias}.{quote(model._meta.get_field(field).column)}"

    return f"{quote(model._meta.db_table)} {alias}", column


class OfActiveSeller(Func):
    """The product's seller is active, written for PostgreSQL as
    ``seller_id = ANY(ARRAY(SELECT id FROM sellers WHERE status = 'active'))``.

    A join to the sellers, or ``IN (subquery)`` which PostgreSQL plans alike,
    probes every product row against them: the storefront's ``totalCount``
    was a hash join over the whole catalogue. The array form reads the
    handful of sellers once and filters the products as they are scanned.
    The sellers' query is written here rather than compiled from a queryset
    each time: it has no outer reference, and compiling one cost as much
    Python as the rest of the count.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self):
        super().__init__(F("seller_id"))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        sellers, s = _table(connection, Seller, "active_s")
        active = f"SELECT {s('id')} FROM {sellers} WHERE {s('status')} = %s"  # noqa: S608 - names from the model
        params = [*params, Seller.Status.ACTIVE.value]
        if connection.vendor == "postgresql":
            return f"{column} = ANY(ARRAY({active}))", params
        return f"{column} IN ({active})", params


def can_see_stock(user, seller_id: int) -> bool:
    """Stock levels are the seller's business: its own staff and operators only."""
    return is_operator(user) or seller_id in seller_ids_of(user)


def sees_all_certificates(user, seller_id: int) -> bool:
    """Pending, expired and revoked certificates: the seller's staff, auditors, operators."""
    return sees_every_product(user) or seller_id in seller_ids_of(user)


def certificate_is_current(certificate: OcopCertificate, today: date | None = None) -> bool:
    """A certificate buyers may rely on: verified by the department and not expired."""
    today = today or timezone.localdate()
    return certificate.status == OcopCertificate.Status.VERIFIED and certificate.expires_on >= today


def current_certificates(today: date | None = None) -> QuerySet[OcopCertificate]:
    return OcopCertificate.objects.filter(
        status=OcopCertificate.Status.VERIFIED, expires_on__gte=today or timezone.localdate()
    )


def visible_certificates(user) -> QuerySet[OcopCertificate]:
    """Certificates reachable by ID: current ones of visible products, all for insiders."""
    certificates = OcopCertificate.objects.filter(product__in=visible_products(user))
    if sees_every_product(user):
        return certificates
    insider = Q(product__seller_id__in=seller_ids_of(user))
    current = Q(status=OcopCertificate.Status.VERIFIED, expires_on__gte=timezone.localdate())
    return certificates.filter(current | insider)


def ocop_stars_by_product(product_ids: list[int]) -> dict[int, int]:
    """The most stars among each product's current certificates; absent when none."""
    rows = (
        current_certificates()
        .filter(product_id__in=product_ids)
        .values("product_id")
        .annotate(stars=Max("stars"))
        .values_list("product_id", "stars")
    )
    return dict(rows)


# ---------------------------------------------------------------- categories


def _category_table() -> str:
    return connection.ops.quote_name(Category._meta.db_table)


def category_subtree_ids(category_id: int) -> list[int]:
    """The category and all its descendants, in one recursive query.

    UNION (not UNION ALL) drops rows already seen, so a parent cycle that the
    database's single-row check cannot forbid still ends the recursion.
    """
    table = _category_table()
    sql = (
        f"WITH RECURSIVE subtree(id) AS ("  # noqa: S608 - table name from the model, values bound
        f" SELECT id FROM {table} WHERE id = %s"
        f" UNION SELECT c.id FROM {table} c JOIN subtree s ON c.parent_id = s.id"
        f") SELECT id FROM subtree"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [category_id])
        return [row[0] for row in cursor.fetchall()]


# A category tree deeper than this is a data error (a parent cycle); stop walking.
MAX_CATEGORY_DEPTH = 32


def category_levels(category_ids: list[int]) -> dict[int, int]:
    """Depth of each category: 0 for a root, 1 for its children..."""
    if not category_ids:
        return {}
    table = _category_table()
    placeholders = ", ".join(["%s"] * len(category_ids))
    sql = (
        f"WITH RECURSIVE up(origin, parent_id, depth) AS ("  # noqa: S608 - see category_subtree_ids
        f" SELECT id, parent_id, 0 FROM {table} WHERE id IN ({placeholders})"
        f" UNION ALL SELECT up.origin, c.parent_id, up.depth + 1"
        f" FROM {table} c JOIN up ON c.id = up.parent_id WHERE up.depth < %s"
        f") SELECT origin, MAX(depth) FROM up GROUP BY origin"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*category_ids, MAX_CATEGORY_DEPTH])
        return dict(cursor.fetchall())


def category_ids_at_level(level: int) -> list[int]:
    table = _category_table()
    sql = (
        f"WITH RECURSIVE tree(id, depth) AS ("  # noqa: S608 - see category_subtree_ids
        f" SELECT id, 0 FROM {table} WHERE parent_id IS NULL"
        f" UNION ALL SELECT c.id, t.depth + 1 FROM {table} c JOIN tree t ON c.parent_id = t.id"
        f" WHERE t.depth < %s"
        f") SELECT id FROM tree WHERE depth = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [MAX_CATEGORY_DEPTH, level])
        return [row[0] for row in cursor.fetchall()]


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
        prices = (
            ProductVariant.objects.filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            .annotate(lowest=Min("price"))
            .values("lowest")
        )
        annotations["min_price"] = Coalesce(Subquery(prices), Value(0), output_field=IntegerField())
    if "ocop_stars" in wanted:
        stars = (
            current_certificates()
            .filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            .annotate(most=Max("stars"))
            .values("most")
        )
        annotations["ocop_stars"] = Coalesce(Subquery(stars), Value(0), output_field=IntegerField())
    if "published_on" in wanted:
        annotations["published_on"] = Coalesce(F("published_at"), F("created_at"))
    return products.annotate(**annotations) if annotations else products


# ---------------------------------------------------------------- listing columns
#
# What a product card shows, computed in the page's own query (one correlated
# subquery per column, run for the page's rows only) instead of one query per
# table after it. The GraphQL layer adds them when a list's selection asks for
# the fields; products reached otherwise go through the dataloaders.

LISTED_MIN_PRICE = "listed_min_price"
LISTED_MAX_PRICE = "listed_max_price"
LISTED_OCOP_STARS = "listed_ocop_stars"
LISTED_IMAGE = "listed_image"


def listed_thumbnail(size: int) -> str:
    return f"listed_thumbnail_{size}"


class ProductSubquery(Func):
    """A scalar subquery about each product, in SQL written here.

    Built from querysets (``Subquery``, ``OuterRef``), the storefront grid's
    columns took about 10 million instructions of Python per page to build and
    compile, a quarter of the whole request and more than the queries they
    replace. Only the product's key goes through the ORM, so the outer
    table's alias is right wherever the queryset is used; tables and columns
    come from the models and the subquery's own tables have their own aliases.
    """

    def __init__(self, build_sql, *, output_field):
        super().__init__(F("pk"), output_field=output_field)
        # build_sql(connection, product_key) -> (SQL, params)
        self.build_sql = build_sql

    def as_sql(self, compiler, connection, **extra_context):
        product, product_params = compiler.compile(self.source_expressions[0])
        sql, params = self.build_sql(connection, product)
        return f"({sql})", [*product_params, *params]


def _variant_price(aggregate: str):
    def build_sql(connection, product):
        variants, v = _table(connection, ProductVariant, "listed_v")
        sql = f"SELECT {aggregate}({v('price')}) FROM {variants} WHERE {v('product')} = {product}"  # noqa: S608 - names from the models
        return sql, []

    return build_sql


def with_price_range(products: QuerySet[Product]) -> QuerySet[Product]:
    """The lowest and highest variant price; null for a product without variants."""
    return products.annotate(
        **{
            LISTED_MIN_PRICE: ProductSubquery(
                _variant_price("MIN"), output_field=BigIntegerField()
            ),
            LISTED_MAX_PRICE: ProductSubquery(
                _variant_price("MAX"), output_field=BigIntegerField()
            ),
        }
    )


def with_current_ocop_stars(products: QuerySet[Product]) -> QuerySet[Product]:
    """As ``ocop_stars_by_product``: the most stars among current certificates
    (``current_certificates``), else null."""
    today = timezone.localdate()

    def build_sql(connection, product):
        certificates, c = _table(connection, OcopCertificate, "listed_c")
        sql = (
            f"SELECT MAX({c('stars')}) FROM {certificates} WHERE {c('product')} = {product}"  # noqa: S608 - names from the models
            f" AND {c('status')} = %s AND {c('expires_on')} >= %s"
        )
        return sql, [
            OcopCertificate.Status.VERIFIED.value,
            connection.ops.adapt_datefield_value(today),
        ]

    return products.annotate(
        **{LISTED_OCOP_STARS: ProductSubquery(build_sql, output_field=IntegerField())}
    )


def _first_image(connection, product, field: str) -> str:
    images, i = _table(connection, ProductImage, "listed_i")
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
            thumbnails, t = _table(connection, ProductImageThumbnail, "listed_t")
            sql = (
                f"SELECT {t('file')} FROM {thumbnails}"  # noqa: S608 - names from the models
                f" WHERE {t('image')} = ({_first_image(connection, product, 'id')})"
                f" AND {t('size')} >= %s AND {t('file')} <> '' ORDER BY {t('size')} LIMIT 1"
            )
            return sql, [size]

        return build_sql

    columns = {LISTED_IMAGE: ProductSubquery(image, output_field=CharField())}
    for size in sorted(set(thumbnail_sizes)):
        columns[listed_thumbnail(size)] = ProductSubquery(thumbnail(size), output_field=CharField())
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
    products = with_sort_annotations(visible_products(user), needed)
    if filters.seller_ids is not None:
        products = products.filter(seller_id__in=filters.seller_ids)
    if filters.category_id is not None:
        products = products.filter(category_id__in=category_subtree_ids(filters.category_id))
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
        available = Exists(
            Stock.objects.filter(
                variant__product=OuterRef("pk"), quantity__gt=F("quantity_allocated")
            )
        )
        products = products.filter(available if filters.in_stock else ~available)
    if filters.is_published is not None:
        products = products.filter(is_published=filters.is_published)
    if filters.search:
        products = products.annotate(folded_name=FoldedText("name")).filter(
            folded_name__contains=fold(filters.search)
        )
    return products
