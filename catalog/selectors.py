"""Reads of the catalog: who sees which product, and the product list with its filters.

The visibility rule lives here and nowhere else; GraphQL types, queries and
other apps (sellers, search) ask these functions instead of filtering
``is_published`` themselves.
"""

import itertools
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import (
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

from catalog.models import Category, OcopCertificate, Product, ProductVariant, Stock
from market.core.permissions import is_auditor, is_operator, seller_ids_of
from market.sellers.models import Seller
from search.analysis import fold

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
    public = Q(is_published=True, seller__status=Seller.Status.ACTIVE)
    own_seller_ids = seller_ids_of(user)
    if own_seller_ids:
        return products.filter(public | Q(seller_id__in=own_seller_ids))
    return products.filter(public)


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


# ---------------------------------------------------------------- search text

# Marks Vietnamese puts on letters: five tones, circumflex, breve and horn.
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")


def _vietnamese_letters() -> dict[str, str]:
    """Precomposed letters with Vietnamese marks → their ASCII base letter."""
    letters = {"Đ": "D", "đ": "d"}
    for code_point in itertools.chain(range(0xC0, 0x1B1), range(0x1EA0, 0x1EFA)):
        letter = chr(code_point)
        base, *marks = unicodedata.normalize("NFD", letter)
        if marks and base.isascii() and base.isalpha() and set(marks) <= _VIETNAMESE_MARKS:
            letters[letter] = base
    return letters


_FOLDED_LETTERS = _vietnamese_letters()


def _fold_or_null(text: str | None) -> str | None:
    return None if text is None else fold(text)


class FoldedText(Func):
    """SQL twin of ``search.analysis.fold`` so that "nho say" finds "Nho sấy".

    Text typed on some keyboards is stored decomposed (base letter, then
    combining marks); the marks themselves are deleted as well. Letters are
    folded to ASCII before LOWER so that the result does not depend on the
    database's locale.
    """

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # TRANSLATE deletes characters of the first list that have no counterpart.
        source = "".join(_FOLDED_LETTERS) + "".join(sorted(_VIETNAMESE_MARKS))
        target = "".join(_FOLDED_LETTERS.values())
        return f"LOWER(TRANSLATE({sql}, %s, %s))", [*params, source, target]

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite (the embedded default) has no TRANSLATE, and a REPLACE per letter
        # overflows its parser: fold with the Python function itself.
        connection.ensure_connection()
        connection.connection.create_function("catalog_fold", 1, _fold_or_null, deterministic=True)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"catalog_fold({sql})", params


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


def with_sort_annotations(products: QuerySet[Product]) -> QuerySet[Product]:
    """Non-null sort keys for keyset pagination.

    ``min_price`` is 0 for a product without variants; ``ocop_stars`` is 0
    without a current certificate; ``published_on`` falls back to creation
    time for drafts, which only insiders see.
    """
    prices = (
        ProductVariant.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(lowest=Min("price"))
        .values("lowest")
    )
    stars = (
        current_certificates()
        .filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(most=Max("stars"))
        .values("most")
    )
    return products.annotate(
        min_price=Coalesce(Subquery(prices), Value(0), output_field=IntegerField()),
        ocop_stars=Coalesce(Subquery(stars), Value(0), output_field=IntegerField()),
        published_on=Coalesce(F("published_at"), F("created_at")),
    )


def product_list(user, filters: ProductFilter | None = None) -> QuerySet[Product]:
    """Visible products matching ``filters``, annotated with the sort keys."""
    filters = filters or ProductFilter()
    products = with_sort_annotations(visible_products(user))
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
