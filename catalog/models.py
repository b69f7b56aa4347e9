"""The catalog's tables, and the read rules every app asks of them.

Each rule buyers depend on is one QuerySet method here (as Saleor's
``PublishedQuerySet.published()``): what is live and who sees what
(``Product.objects.live()``, ``visible_to(user)``), a current OCOP certificate
(``OcopCertificate.objects.current()``), stock for sale (``Stock.objects.in_stock()``),
a category's subtree (``Category.objects.subtree_ids()``) and a product's price
range and stars as columns (``with_price_range()``, ``with_current_ocop_stars()``).
Selectors, GraphQL types, loaders, the search index and the feed all use them.
"""

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, connections, models
from django.db.models import BigIntegerField, BooleanField, Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.utils import timezone

from market.core.permissions import is_auditor, is_operator, seller_ids_of
from market.core.sql import KeyedSubquery, sql_table
from market.sellers.models import Seller

OCOP_VALIDITY_MONTHS = 36  # Decision 148/QĐ-TTg: a certificate is valid 36 months from issue.


# ---------------------------------------------------------------- SQL pieces


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
        sellers, s = sql_table(connection, Seller, "active_s")
        active = f"SELECT {s('id')} FROM {sellers} WHERE {s('status')} = %s"  # noqa: S608 - names from the model
        params = [*params, Seller.Status.ACTIVE.value]
        if connection.vendor == "postgresql":
            return f"{column} = ANY(ARRAY({active}))", params
        return f"{column} IN ({active})", params


def _condition_sql(model, condition: Q, connection) -> tuple[str, list]:
    """``condition`` on ``model`` as SQL with unqualified columns, for a subquery
    whose only table with those columns is ``model``'s."""
    query = Query(model, alias_cols=False)
    return query.build_where(condition).as_sql(
        query.get_compiler(connection=connection), connection
    )


# ---------------------------------------------------------------- read rules


def sees_every_product(user) -> bool:
    """Operators run the marketplace and auditors inspect it: they see drafts too."""
    return is_operator(user) or is_auditor(user)


class CategoryQuerySet(models.QuerySet):
    def subtree_ids(self, category_ids: Iterable[int]) -> list[int]:
        """The categories and all their descendants, in one recursive query.

        UNION (not UNION ALL) drops rows already seen, so a parent cycle that the
        database's single-row check cannot forbid still ends the recursion.
        """
        category_ids = list(category_ids)
        if not category_ids:
            return []
        table = connection.ops.quote_name(self.model._meta.db_table)
        placeholders = ", ".join(["%s"] * len(category_ids))
        sql = (
            f"WITH RECURSIVE subtree(id) AS ("  # noqa: S608 - table name from the model, values bound
            f" SELECT id FROM {table} WHERE id IN ({placeholders})"
            f" UNION SELECT c.id FROM {table} c JOIN subtree s ON c.parent_id = s.id"
            f") SELECT id FROM subtree"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, category_ids)
            return [row[0] for row in cursor.fetchall()]


class ProductQuerySet(models.QuerySet):
    def live(self) -> "ProductQuerySet":
        """What buyers see and the search index holds: published, of an active seller."""
        return self.filter(_live())

    def visible_to(self, user) -> "ProductQuerySet":
        """Products ``user`` may see.

        Buyers and anonymous visitors see live products; a seller's staff also
        see every product of their own seller (drafts, and while the seller is
        suspended); operators and auditors see all.
        """
        if sees_every_product(user):
            return self.all()
        public = _live()
        own_seller_ids = seller_ids_of(user)
        if own_seller_ids:
            return self.filter(public | Q(seller_id__in=own_seller_ids))
        return self.filter(public)

    def in_stock(self, in_stock: bool = True) -> "ProductQuerySet":
        """Products with (or, for ``False``, without) a variant in stock for sale."""
        return self.filter(has_stock() if in_stock else ~has_stock())

    def agricultural(self) -> "ProductQuerySet":
        """Products of an agricultural category (``Category.is_agricultural``, the
        category's own flag, not its parent's): those a growing-area code can vouch for."""
        return self.filter(category__is_agricultural=True)

    def origin_verified(self, verified: bool = True) -> "ProductQuerySet":
        """Products whose origin is (or, for ``False``, is not) verified: the
        ``origin_verified`` cache that traceability's services keep current."""
        return self.filter(origin_verified=verified)

    def with_in_stock(self, name: str) -> "ProductQuerySet":
        return self.annotate(**{name: has_stock()})

    def with_price_range(self, lowest: str, highest: str | None = None) -> "ProductQuerySet":
        """The lowest (and, named, the highest) variant price; null without variants."""
        columns = {lowest: _variant_price("MIN")}
        if highest is not None:
            columns[highest] = _variant_price("MAX")
        return self.annotate(**columns)

    def with_current_ocop_stars(
        self, name: str, *, default: int | None = None, today: date | None = None
    ) -> "ProductQuerySet":
        """The most stars among current certificates, else ``default``."""
        stars = current_ocop_stars(today)
        if default is not None:
            stars = Coalesce(stars, Value(default))
        return self.annotate(**{name: stars})


def _live() -> Q:
    return Q(is_published=True) & OfActiveSeller()


def has_stock() -> Exists:
    """The outer product has a variant in stock for sale."""
    return Exists(Stock.objects.in_stock().filter(variant__product=OuterRef("pk")))


def _variant_price(aggregate: str) -> KeyedSubquery:
    def build_sql(connection, product):
        variants, v = sql_table(connection, ProductVariant, "listed_v")
        sql = f"SELECT {aggregate}({v('price')}) FROM {variants} WHERE {v('product')} = {product}"  # noqa: S608 - names from the models
        return sql, []

    return KeyedSubquery(build_sql, output_field=BigIntegerField())


def current_ocop_stars(today: date | None = None, *, key: str = "pk") -> KeyedSubquery:
    """The most stars among the outer product's current certificates; null without one.

    ``key`` names the product's id on the outer model: ``"product_id"`` for a lot's."""
    today = today or timezone.localdate()

    def build_sql(connection, product):
        certificates, c = sql_table(connection, OcopCertificate, "listed_c")
        current, params = _current_certificate_sql(connection.alias, today)
        sql = (
            f"SELECT MAX({c('stars')}) FROM {certificates} WHERE {c('product')} = {product}"  # noqa: S608 - names from the models
            f" AND {current}"
        )
        return sql, list(params)

    return KeyedSubquery(build_sql, output_field=models.IntegerField(), key=key)


@lru_cache(maxsize=8)
def _current_certificate_sql(alias: str, today: date) -> tuple[str, tuple]:
    """``OcopCertificate.current_condition`` as SQL, compiled once per database and day
    rather than on every page the listing columns are built for."""
    sql, params = _condition_sql(
        OcopCertificate, OcopCertificate.current_condition(today), connections[alias]
    )
    return sql, tuple(params)


@lru_cache(maxsize=8)
def live_product_ids_sql(alias: str) -> tuple[str, tuple]:
    """``Product.objects.live()`` as ``SELECT id FROM products WHERE …``, compiled once
    per database, for SQL written by hand (the resolver's public-lot check)."""
    connection = connections[alias]
    products = connection.ops.quote_name(Product._meta.db_table)
    condition, params = _condition_sql(Product, _live(), connection)
    return f"SELECT id FROM {products} WHERE {condition}", tuple(params)  # noqa: S608 - names from the model


class StockQuerySet(models.QuerySet):
    def in_stock(self) -> "StockQuerySet":
        """Rows with units beyond what unpaid orders hold (``Stock.quantity_available``)."""
        return self.filter(quantity__gt=F("quantity_allocated"))


class OcopCertificateQuerySet(models.QuerySet):
    def current(self, today: date | None = None) -> "OcopCertificateQuerySet":
        """Certificates buyers may rely on (``OcopCertificate.current_condition``)."""
        return self.filter(OcopCertificate.current_condition(today))


class Translation(models.Model):
    """A name and description in another language; the subclass adds what it translates."""

    language_code = models.CharField(max_length=8)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.language_code})"


def _one_translation_per_language(owner: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=[owner, "language_code"], name=f"{owner}_translation_unique"
    )


class Category(models.Model):
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Each category says for itself: a child does not inherit its parent's flag, since a
    # parent such as "Food" holds fish sauce beside fresh fruit.
    is_agricultural = models.BooleanField(
        default=False,
        help_text="Crops and farmed produce that grow in a coded growing area.",
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="category_not_own_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CategoryTranslation(Translation):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")

    class Meta:
        constraints = [_one_translation_per_language("category")]


class Product(models.Model):
    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    # Free-form product facts: origin, unit, shelf life, storage, ingredients...
    attributes = models.JSONField(default=dict, blank=True)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    # A cache of traceability's verified-origin rule (a lot of this product with quantity
    # left whose areas are active, chain intact, no open violation, not past best-before),
    # kept current by traceability's services in the transaction that moves it.
    origin_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["is_published", "-created_at"]),
            # Also lets COUNT(*) of the published products read this index alone.
            models.Index(fields=["seller", "is_published"]),
            # The product list's default keyset order (catalog.graphql.sorters): a page
            # walks this index instead of sorting the whole table. Not partial on
            # ``is_published``: staff and operators, whose lists include drafts, walk
            # it too, and the storefront's filter just skips the rare draft.
            models.Index(fields=["name", "id"], name="catalog_product_name_id_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductTranslation(Translation):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")

    class Meta:
        constraints = [_one_translation_per_language("product")]


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255, blank=True)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    price = models.BigIntegerField(help_text="Whole VND.")
    compare_at_price = models.BigIntegerField(null=True, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
            # The price before a discount: only meaningful above the price.
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=F("price")),
                name="variant_compare_at_price_above_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} – {self.name or self.sku}"


class Stock(models.Model):
    """Stock of one variant. ``quantity_allocated`` is held for unpaid orders."""

    variant = models.OneToOneField(ProductVariant, on_delete=models.CASCADE, related_name="stock")
    quantity = models.PositiveIntegerField(default=0)
    quantity_allocated = models.PositiveIntegerField(default=0)

    objects = StockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=models.F("quantity")),
                name="stock_allocated_within_quantity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.quantity} ({self.quantity_allocated} allocated)"

    @property
    def quantity_available(self) -> int:
        return max(self.quantity - self.quantity_allocated, 0)


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt = models.CharField(max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.alt or self.image.name


class ProductImageThumbnail(models.Model):
    image = models.ForeignKey(ProductImage, on_delete=models.CASCADE, related_name="thumbnails")
    size = models.PositiveIntegerField(help_text="Longest edge in pixels.")
    file = models.ImageField(upload_to="products/thumbnails/")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "size"], name="thumbnail_size_unique")
        ]

    def __str__(self) -> str:
        return f"{self.image_id} @ {self.size}px"


class OcopCertificate(models.Model):
    """An OCOP star certificate (Decision 148/QĐ-TTg of 2023).

    3 and 4 stars are issued by the provincial People's Committee, 5 stars at
    national level. A product shows stars only from a verified, unexpired one.
    """

    class Level(models.TextChoices):
        PROVINCIAL = "provincial", "Cấp tỉnh"
        NATIONAL = "national", "Cấp quốc gia"

    class ProductGroup(models.TextChoices):
        # Decision 919/QĐ-TTg (2022): the six OCOP product groups.
        FOOD = "food", "Thực phẩm"
        BEVERAGES = "beverages", "Đồ uống"
        HERBS = "herbs", "Dược liệu và sản phẩm từ dược liệu"
        HANDICRAFTS = "handicrafts", "Thủ công mỹ nghệ"
        ORNAMENTALS = "ornamentals", "Sinh vật cảnh"
        TOURISM = "tourism", "Dịch vụ du lịch cộng đồng và điểm du lịch"

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ xác minh"
        VERIFIED = "verified", "Đã xác minh"
        EXPIRED = "expired", "Hết hạn"
        REVOKED = "revoked", "Đã thu hồi"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ocop_certificates")
    stars = models.PositiveSmallIntegerField()
    certificate_number = models.CharField(max_length=64, unique=True)
    issuing_decision = models.CharField(max_length=128, help_text="e.g. Quyết định số 1234/QĐ-UBND")
    level = models.CharField(max_length=16, choices=Level.choices)
    product_group = models.CharField(max_length=16, choices=ProductGroup.choices)
    issued_on = models.DateField()
    expires_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OcopCertificateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=3, stars__lte=5), name="ocop_stars_3_to_5"
            ),
            models.CheckConstraint(
                condition=Q(stars__lte=4, level="provincial") | Q(stars=5, level="national"),
                name="ocop_level_matches_stars",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="ocop_expires_after_issue"
            ),
        ]
        indexes = [models.Index(fields=["product", "status", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.certificate_number} ({self.stars}★)"

    @staticmethod
    def current_condition(today: date | None = None) -> Q:
        """The one rule of a current certificate: verified by the department and not
        expired ``today``. ``is_current`` is the same test on a loaded row."""
        return Q(
            status=OcopCertificate.Status.VERIFIED, expires_on__gte=today or timezone.localdate()
        )

    def is_current(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == OcopCertificate.Status.VERIFIED and self.expires_on >= today

    @staticmethod
    def level_for(stars: int) -> str:
        return OcopCertificate.Level.NATIONAL if stars == 5 else OcopCertificate.Level.PROVINCIAL

    @staticmethod
    def default_expiry(issued_on: date) -> date:
        return issued_on + relativedelta(months=OCOP_VALIDITY_MONTHS)
