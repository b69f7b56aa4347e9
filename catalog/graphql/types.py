"""GraphQL types of the catalog's products (categories are in ``category_types``).

Every related or list field goes through a dataloader.
"""

import json

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from catalog import models
from catalog.graphql.category_types import Category
from catalog.graphql.dataloaders import (
    CategoryByIdLoader,
    ImagesByProductIdLoader,
    OcopCertificatesByProductIdLoader,
    OcopStarsByProductIdLoader,
    PriceRangeByProductIdLoader,
    PrimaryThumbnailByProductIdLoader,
    ProductByIdLoader,
    ProductTranslationByProductIdLoader,
    StockAndSellerIdByVariantIdLoader,
    StockByVariantIdLoader,
    ThumbnailsByImageIdLoader,
    VariantsByProductIdLoader,
)
from catalog.graphql.nodes import PrimaryKeyNodeMixin, TranslationType, translation_field
from catalog.selectors import can_see_stock, sees_all_certificates, visible_certificates
from market.core.errors import InvalidInput
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import resolve_by_pk, resolve_related, then
from market.core.graphql.fields import field_from
from market.core.graphql.types import Money, vnd
from market.sellers.graphql.dataloaders import SellerByIdLoader

OcopCertificateStatusEnum = graphene.Enum.from_enum(
    models.OcopCertificate.Status,
    name="OcopCertificateStatusEnum",
    description="Where a certificate is in the department's review.",
)
OcopLevelEnum = graphene.Enum.from_enum(
    models.OcopCertificate.Level,
    name="OcopLevelEnum",
    description="Who issued the certificate: the province (3–4 stars) or the nation (5 stars).",
)
OcopProductGroupEnum = graphene.Enum.from_enum(
    models.OcopCertificate.ProductGroup,
    name="OcopProductGroupEnum",
    description="The six OCOP product groups of Decision 919/QĐ-TTg.",
)

DEFAULT_THUMBNAIL_SIZE = 256
MAX_THUMBNAIL_SIZE = 4096


def _user(info):
    return info.context.user


class _OfVisibleProductMixin:
    """Found by ID only while its product is visible to the caller (images, variants)."""

    @classmethod
    def get_queryset(cls, queryset, info):
        return cls._meta.model.objects.filter(
            product__in=models.Product.objects.visible_to(_user(info))
        )


def _absolute_url(info, file_field) -> str | None:
    if not file_field:
        return None
    return info.context.build_absolute_uri(file_field.url)


def _file_url(info, model, field: str, name: str) -> str:
    """The absolute URL of a stored file's ``name``, as ``model.field`` would give it."""
    return info.context.build_absolute_uri(model._meta.get_field(field).storage.url(name))


def _check_thumbnail_size(size: int | None) -> None:
    if size is not None and not 0 < size <= MAX_THUMBNAIL_SIZE:
        raise InvalidInput(
            _("The size must be between 1 and %(maximum)d pixels.")
            % {"maximum": MAX_THUMBNAIL_SIZE},
            field="size",
        )


def thumbnail_url(info, image, thumbnails, size: int | None) -> str | None:
    """The smallest generated thumbnail at least ``size`` pixels on its longest edge,
    so the browser never upscales; the original when none is large enough (it is
    the largest there is) or while the thumbnails are still being made."""
    if size is not None:
        for thumbnail in thumbnails:  # smallest first
            if thumbnail.size >= size and thumbnail.file:
                return _absolute_url(info, thumbnail.file)
    return _absolute_url(info, image.image)


# ---------------------------------------------------------------- translations


class ProductTranslation(TranslationType):
    class Meta:
        model = models.ProductTranslation
        description = "A product's name and description in another language."


# ---------------------------------------------------------------- OCOP certificates


class OcopCertificate(PrimaryKeyNodeMixin, DjangoObjectType):
    level = graphene.Field(OcopLevelEnum, required=True)
    product_group = graphene.Field(OcopProductGroupEnum, required=True)
    status = graphene.Field(OcopCertificateStatusEnum, required=True)
    product = graphene.Field(lambda: Product, required=True)

    class Meta:
        model = models.OcopCertificate
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "stars",
            "certificate_number",
            "issuing_decision",
            "issued_on",
            "expires_on",
            "reviewed_at",
            "revocation_reason",
            "created_at",
        )
        convert_choices_to_enum = False
        description = "An OCOP star certificate (Decision 148/QĐ-TTg)."

    @classmethod
    def get_queryset(cls, queryset, info):
        return visible_certificates(_user(info))

    @staticmethod
    def resolve_product(root: models.OcopCertificate, info):
        return ProductByIdLoader(info.context).load(root.product_id)


# ---------------------------------------------------------------- images


class ProductImage(_OfVisibleProductMixin, PrimaryKeyNodeMixin, DjangoObjectType):
    url = graphene.String(required=True, description="Absolute URL of the original image.")
    thumbnail_url = graphene.String(
        size=graphene.Int(
            default_value=DEFAULT_THUMBNAIL_SIZE,
            description="Wanted longest edge in pixels.",
        ),
        description=(
            "The smallest generated thumbnail at least ``size`` pixels wide or high; "
            "the original when there is none."
        ),
    )

    class Meta:
        model = models.ProductImage
        interfaces = (graphene.relay.Node,)
        fields = ("id", "alt", "width", "height")
        description = "A photo of a product."

    @staticmethod
    def resolve_url(root: models.ProductImage, info):
        return _absolute_url(info, root.image) or ""

    @staticmethod
    def resolve_thumbnail_url(root: models.ProductImage, info, size=DEFAULT_THUMBNAIL_SIZE):
        _check_thumbnail_size(size)
        return then(
            ThumbnailsByImageIdLoader(info.context).load(root.pk),
            lambda thumbnails: thumbnail_url(info, root, thumbnails, size),
        )


# ---------------------------------------------------------------- variants and stock


class Stock(DjangoObjectType):
    quantity_available = graphene.Int(
        required=True, description="Quantity minus what unpaid orders hold."
    )

    class Meta:
        model = models.Stock
        fields = ("quantity", "quantity_allocated")
        description = "Stock of a variant: ``quantityAllocated`` is held for unpaid orders."

    @staticmethod
    def resolve_quantity_available(root: models.Stock, _info):
        return root.quantity_available


class ProductVariant(_OfVisibleProductMixin, PrimaryKeyNodeMixin, DjangoObjectType):
    price = graphene.Field(Money, required=True)
    compare_at_price = graphene.Field(Money, description="The price before a discount, if any.")
    quantity_available = graphene.Int(required=True, description="Units that can be bought now.")
    is_available = graphene.Boolean(required=True)
    stock = graphene.Field(
        Stock, description="Null unless you are staff of the seller or an operator."
    )
    product = graphene.Field(lambda: Product, required=True)

    class Meta:
        model = models.ProductVariant
        interfaces = (graphene.relay.Node,)
        fields = ("id", "sku", "name", "weight_grams", "created_at", "updated_at")
        description = "A purchasable form of a product: a pack size, a weight."

    @staticmethod
    def resolve_price(root: models.ProductVariant, _info):
        return vnd(root.price)

    @staticmethod
    def resolve_compare_at_price(root: models.ProductVariant, _info):
        return vnd(root.compare_at_price)

    @staticmethod
    def resolve_quantity_available(root: models.ProductVariant, info):
        return then(
            StockByVariantIdLoader(info.context).load(root.pk),
            lambda stock: stock.quantity_available if stock else 0,
        )

    @staticmethod
    def resolve_is_available(root: models.ProductVariant, info):
        return then(
            StockByVariantIdLoader(info.context).load(root.pk),
            lambda stock: bool(stock and stock.quantity_available > 0),
        )

    @staticmethod
    def resolve_stock(root: models.ProductVariant, info):
        user = _user(info)
        seller_id = getattr(root, "product_seller_id", None)
        if seller_id is not None:
            if not can_see_stock(user, seller_id):
                return None
            return StockByVariantIdLoader(info.context).load(root.pk)
        # A variant from a mutation payload: its seller comes with the stock.
        return then(
            StockAndSellerIdByVariantIdLoader(info.context).load(root.pk),
            lambda found: found[0] if can_see_stock(user, found[1]) else None,
        )

    @staticmethod
    def resolve_product(root: models.ProductVariant, info):
        return ProductByIdLoader(info.context).load(root.product_id)


# ---------------------------------------------------------------- products


class ProductAttribute(graphene.ObjectType):
    name = graphene.String(required=True)
    value = graphene.String(required=True, description="Text; other JSON values as JSON.")

    class Meta:
        description = "A product fact: origin, unit, shelf life, storage, ingredients..."


class MoneyRange(graphene.ObjectType):
    start = graphene.Field(Money, required=True)
    stop = graphene.Field(Money, required=True)


class ProductPricingInfo(graphene.ObjectType):
    price_range = graphene.Field(
        MoneyRange, required=True, description="Lowest and highest variant price."
    )


def _same(value):
    return value


def _pricing(prices: tuple[int | None, int | None]) -> ProductPricingInfo | None:
    """Null without variants (then both prices are null)."""
    lowest, highest = prices
    if lowest is None:
        return None
    return ProductPricingInfo(price_range=MoneyRange(start=vnd(lowest), stop=vnd(highest)))


def _seller_type():
    # The Seller type lists its products with this module's types: import lazily.
    from market.sellers.graphql.types import Seller

    return Seller


class Product(PrimaryKeyNodeMixin, DjangoObjectType):
    attributes = graphene.List(
        graphene.NonNull(ProductAttribute), required=True, description="Sorted by name."
    )
    seller = graphene.Field(_seller_type, required=True)
    category = graphene.Field(Category, required=True)
    variants = graphene.List(graphene.NonNull(ProductVariant), required=True)
    images = graphene.List(graphene.NonNull(ProductImage), required=True)
    thumbnail = graphene.String(
        size=graphene.Int(default_value=DEFAULT_THUMBNAIL_SIZE),
        description="URL of the first image's thumbnail nearest above ``size`` pixels.",
    )
    ocop_stars = graphene.Int(
        description="Stars of the best verified, unexpired OCOP certificate; null without one."
    )
    ocop_certificates = graphene.List(
        graphene.NonNull(OcopCertificate),
        required=True,
        description=(
            "Verified, unexpired certificates; the seller's staff, auditors and operators "
            "also see pending, expired and revoked ones."
        ),
    )
    pricing = graphene.Field(ProductPricingInfo, description="Null while there is no variant.")
    is_available = graphene.Boolean(
        required=True, description="Whether any variant has stock for sale."
    )
    translation = translation_field(ProductTranslation, ProductTranslationByProductIdLoader)
    # Traceability sits above catalog: it defines this field.
    origin = field_from("traceability.graphql.product_fields.product_origin_field")

    class Meta:
        model = models.Product
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "name",
            "slug",
            "description",
            "is_published",
            "published_at",
            "created_at",
            "updated_at",
        )
        description = "A product of a seller, sold as one or more variants."

    @classmethod
    def get_queryset(cls, queryset, info):
        return models.Product.objects.visible_to(_user(info))

    @staticmethod
    def resolve_attributes(root: models.Product, _info):
        facts = root.attributes if isinstance(root.attributes, dict) else {}
        # Sorted by name: PostgreSQL's jsonb keeps no key order, SQLite's JSON does,
        # and a storefront must see the same order on either.
        return [
            ProductAttribute(
                name=str(name),
                value=value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
            )
            for name, value in sorted(facts.items())
        ]

    resolve_seller = resolve_related("seller", SellerByIdLoader)
    resolve_category = resolve_related("category", CategoryByIdLoader)
    resolve_variants = resolve_by_pk(VariantsByProductIdLoader)
    resolve_images = resolve_by_pk(ImagesByProductIdLoader)

    @staticmethod
    def resolve_thumbnail(root: models.Product, info, size=DEFAULT_THUMBNAIL_SIZE):
        _check_thumbnail_size(size)

        def url(files):
            # Chosen as ``thumbnail_url`` chooses, from the listing columns.
            image, thumbnail = files
            if not image:
                return None
            if thumbnail:
                return _file_url(info, models.ProductImageThumbnail, "file", thumbnail)
            return _file_url(info, models.ProductImage, "image", image)

        return then(PrimaryThumbnailByProductIdLoader(info.context, size).load(root.pk), url)

    @staticmethod
    def resolve_ocop_stars(root: models.Product, info):
        # Through ``then``: a value the listing primed comes back as itself, not as a
        # future the executor has to wait on.
        return then(OcopStarsByProductIdLoader(info.context).load(root.pk), _same)

    @staticmethod
    def resolve_ocop_certificates(root: models.Product, info):
        if sees_all_certificates(_user(info), root.seller_id):
            return OcopCertificatesByProductIdLoader(info.context).load(root.pk)
        today = timezone.localdate()
        return then(
            OcopCertificatesByProductIdLoader(info.context).load(root.pk),
            lambda certificates: [c for c in certificates if c.is_current(today)],
        )

    @staticmethod
    def resolve_pricing(root: models.Product, info):
        return then(PriceRangeByProductIdLoader(info.context).load(root.pk), _pricing)

    @staticmethod
    def resolve_is_available(root: models.Product, info):
        def available(variants):
            # The variants loader fetched each stock row in the same query.
            stocks = (getattr(variant, "stock", None) for variant in variants)
            return any(stock is not None and stock.quantity_available > 0 for stock in stocks)

        return then(VariantsByProductIdLoader(info.context).load(root.pk), available)


class ProductCountableConnection(CountableConnection):
    class Meta:
        node = Product
