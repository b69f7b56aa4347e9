"""Per-request batch loaders for the catalog's related and list fields.

Each loader answers a whole page's keys with one query, so a product page costs
the same number of queries at any size (tests/catalog/test_query_counts.py).
"""

from django.db.models import F

from catalog.models import (
    Category,
    CategoryTranslation,
    OcopCertificate,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductTranslation,
    ProductVariant,
    Stock,
)
from catalog.selectors import (
    LISTED_IMAGE,
    LISTED_MAX_PRICE,
    LISTED_MIN_PRICE,
    LISTED_OCOP_STARS,
    category_levels,
    listed_thumbnail,
    with_current_ocop_stars,
    with_primary_image,
)
from market.core.graphql.dataloaders import ByKeyLoader, DataLoader, GroupedByKeyLoader
from market.core.graphql.execution import prime


def load_now(loader: DataLoader, keys: list) -> list:
    """Results for ``keys`` at once, for use inside another loader's ``batch_load``.

    Dispatching here, from within a batch, keeps one query per batch while
    letting a loader build on another (a product's thumbnail on its images)
    without a chain of futures the execution context would not dispatch.
    """
    futures = [loader.load(key) for key in keys]
    loader.dispatch_queue()
    return [future.result() for future in futures]


class ProductByIdLoader(ByKeyLoader):
    """Products by primary key, with no visibility rule: callers reach them
    from an object the user may already see (a variant, an image)."""

    def rows(self, keys):
        return Product.objects.in_bulk(keys).values()


class CategoryByIdLoader(ByKeyLoader):
    def rows(self, keys):
        return Category.objects.in_bulk(keys).values()


class ChildrenByCategoryIdLoader(GroupedByKeyLoader):
    key_field = "parent_id"

    def rows(self, keys):
        return Category.objects.filter(parent_id__in=keys).order_by("name", "pk")


class CategoryLevelByIdLoader(DataLoader):
    def batch_load(self, keys):
        levels = category_levels(list(keys))
        return [levels.get(key, 0) for key in keys]


class VariantsByProductIdLoader(GroupedByKeyLoader):
    """Variants in display order, with their stock row in the same query.

    ``product_seller_id`` lets the variant decide who may see its stock
    without loading its product.
    """

    key_field = "product_id"

    def rows(self, keys):
        variants = list(
            ProductVariant.objects.filter(product_id__in=keys)
            .select_related("stock")
            .annotate(product_seller_id=F("product__seller_id"))
            .order_by("sort_order", "pk")
        )
        stocks = StockByVariantIdLoader(self.context)
        for variant in variants:
            prime(stocks, variant.pk, getattr(variant, "stock", None))
        return variants


class StockByVariantIdLoader(ByKeyLoader):
    key_field = "variant_id"

    def rows(self, keys):
        return Stock.objects.filter(variant_id__in=keys)


class ImagesByProductIdLoader(GroupedByKeyLoader):
    key_field = "product_id"

    def rows(self, keys):
        return ProductImage.objects.filter(product_id__in=keys).order_by("sort_order", "pk")


class ThumbnailsByImageIdLoader(GroupedByKeyLoader):
    """Generated thumbnails of each image, smallest first."""

    key_field = "image_id"

    def rows(self, keys):
        return ProductImageThumbnail.objects.filter(image_id__in=keys).order_by("size")


# ---------------------------------------------------------------- listing columns
#
# A product card's price range, stars and thumbnail are the listing columns of
# ``catalog.selectors``: a product list computes them in its page query and
# primes these loaders with them (``prime_listing_columns``); any other product
# (a node, a mutation's payload) gets the same columns from one batch query.


def _listing_columns(keys, annotate, *columns: str) -> dict:
    rows = annotate(Product.objects.filter(pk__in=keys)).values_list("pk", *columns)
    return {pk: tuple(values) for pk, *values in rows}


class PriceRangeByProductIdLoader(DataLoader):
    """``(lowest, highest)`` variant price; both null without variants.

    Unprimed, it reads the variants loader rather than the price columns: a card
    that shows its variants too (search results do) then costs no extra query.
    """

    def batch_load(self, keys):
        ranges = []
        for variants in load_now(VariantsByProductIdLoader(self.context), list(keys)):
            prices = [variant.price for variant in variants]
            ranges.append((min(prices), max(prices)) if prices else (None, None))
        return ranges


class OcopStarsByProductIdLoader(DataLoader):
    """The most stars among current certificates; null without one."""

    def batch_load(self, keys):
        stars = _listing_columns(keys, with_current_ocop_stars, LISTED_OCOP_STARS)
        return [stars.get(key, (None,))[0] for key in keys]


class PrimaryThumbnailByProductIdLoader(DataLoader):
    """``(image file, thumbnail file)`` names of the first image and of its smallest
    thumbnail at least ``size`` large; either null where there is none."""

    def __init__(self, context, size: int):
        super().__init__(context, size)
        self.size = size

    def batch_load(self, keys):
        files = _listing_columns(
            keys,
            lambda products: with_primary_image(products, [self.size]),
            LISTED_IMAGE,
            listed_thumbnail(self.size),
        )
        return [files.get(key, (None, None)) for key in keys]


def prime_listing_columns(context, products, thumbnail_sizes) -> None:
    """Hand the listing columns of a page's ``products`` to the loaders above."""
    for product in products:
        columns = product.__dict__
        if LISTED_MIN_PRICE in columns:
            prime(
                PriceRangeByProductIdLoader(context),
                product.pk,
                (columns[LISTED_MIN_PRICE], columns[LISTED_MAX_PRICE]),
            )
        if LISTED_OCOP_STARS in columns:
            prime(OcopStarsByProductIdLoader(context), product.pk, columns[LISTED_OCOP_STARS])
        for size in thumbnail_sizes:
            prime(
                PrimaryThumbnailByProductIdLoader(context, size),
                product.pk,
                (columns[LISTED_IMAGE], columns[listed_thumbnail(size)]),
            )


class OcopCertificatesByProductIdLoader(GroupedByKeyLoader):
    """Every certificate of each product, newest first; callers apply visibility."""

    key_field = "product_id"

    def rows(self, keys):
        return OcopCertificate.objects.filter(product_id__in=keys).order_by("-issued_on", "-pk")


class _TranslationLoader(ByKeyLoader):
    """One language's translations of ``model``; the loader is cached per (class, language)."""

    model: type[ProductTranslation] | type[CategoryTranslation]

    def __init__(self, context, language_code: str):
        super().__init__(context, language_code)
        self.language_code = language_code

    def rows(self, keys):
        return self.model.objects.filter(
            **{f"{self.key_field}__in": keys}, language_code=self.language_code
        )


class ProductTranslationByProductIdLoader(_TranslationLoader):
    model = ProductTranslation
    key_field = "product_id"


class CategoryTranslationByCategoryIdLoader(_TranslationLoader):
    model = CategoryTranslation
    key_field = "category_id"


class StockAndSellerIdByVariantIdLoader(DataLoader):
    """``(stock, seller_id)`` of variants that did not come through a product,
    so that stock visibility is decided without a query per variant."""

    def batch_load(self, keys):
        stocks = load_now(StockByVariantIdLoader(self.context), list(keys))
        seller_ids = dict(
            ProductVariant.objects.filter(pk__in=keys).values_list("pk", "product__seller_id")
        )
        return [(stock, seller_ids.get(key)) for key, stock in zip(keys, stocks, strict=True)]
