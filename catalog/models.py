from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import F, Q

OCOP_VALIDITY_MONTHS = 36  # Decision 148/QĐ-TTg: a certificate is valid 36 months from issue.


class Category(models.Model):
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

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


class CategoryTranslation(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    language_code = models.CharField(max_length=8)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "language_code"], name="category_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language_code})"


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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


class ProductTranslation(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")
    language_code = models.CharField(max_length=8)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "language_code"], name="product_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language_code})"


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
    def level_for(stars: int) -> str:
        return OcopCertificate.Level.NATIONAL if stars == 5 else OcopCertificate.Level.PROVINCIAL

    @staticmethod
    def default_expiry(issued_on: date) -> date:
        return issued_on + relativedelta(months=OCOP_VALIDITY_MONTHS)
