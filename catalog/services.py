"""Every write to the catalog: products, variants, stock, pictures and OCOP certificates.

Each function takes keyword-only arguments, runs in one transaction and
checks who may act through ``market.core.permissions`` before it looks at the
input, so a stranger learns nothing from validation messages. Bad input is a
``ValidationError`` keyed by field, each error with a code; a missing object
is ``NotFound``; a refused actor is ``PermissionDenied``. Field keys are the
Python names (``compare_at_price``); the GraphQL layer renders them in its
own spelling.

Tasks are queued with ``transaction.on_commit`` so that a worker never looks
for a row that is not committed yet, and a rolled-back change queues nothing.
Every change that alters what search shows of a product (its text, prices,
stock, OCOP stars, publication) records the product in the search outbox in
the same transaction, through ``_reindex``.
"""

import uuid
from collections import Counter
from datetime import date
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from catalog import images, tasks
from catalog.models import (
    Category,
    OcopCertificate,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Stock,
)
from market.core.errors import DomainError, NotFound, PermissionDenied, invalid
from market.core.permissions import (
    NOT_SELLER_STAFF,
    is_operator,
    require_auditor_or_operator,
    require_authenticated,
    require_seller_staff,
    seller_ids_of,
)
from market.core.slugs import save_with_free_slug, slug_base
from market.sellers.models import Seller
from search import services as search_services


class _Unset:
    """An argument that was not given, as opposed to one given as ``None``."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()

# Column limits, checked here so that bad input is an error and not a 500.
MAX_INTEGER = 2**31 - 1
SLUG_MAX_LENGTH = 255
SLUG_SUFFIX_ROOM = 10  # "-" and up to nine digits of a de-duplicating counter
FALLBACK_SLUG = "san-pham"
MAX_VARIANTS_PER_BULK = 100
# What a shop can mean. A price above a billion đồng, a stock above a million
# pieces or a parcel above a tonne is a typo or a probe, not an OCOP product;
# the columns could hold far more.
MAX_PRICE_VND = 1_000_000_000
MAX_STOCK_QUANTITY = 1_000_000
MAX_WEIGHT_GRAMS = 1_000_000
# Product facts (origin, unit, shelf life...) are a short list of short texts.
MAX_ATTRIBUTES = 30
MAX_ATTRIBUTE_NAME_LENGTH = 64
MAX_ATTRIBUTE_VALUE_LENGTH = 500


class _Errors:
    """Collects field errors so that one answer lists every problem with the input."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        key = f"{self.prefix}{field}"
        self.by_field.setdefault(key, []).append(ValidationError(message, code=code))

    def merge(self, other: "_Errors") -> None:
        for field, errors in other.by_field.items():
            self.by_field.setdefault(field, []).extend(errors)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# ---------------------------------------------------------------------------
# Field checks shared by the write functions


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(errors: _Errors, field: str, value, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _("Must be text."), "INVALID")
        return ""
    value = value.strip()
    if required and not value:
        errors.add(field, _("This field is required."), "REQUIRED")
    elif len(value) > max_length:
        errors.add(
            field,
            ngettext("At most %(count)d character.", "At most %(count)d characters.", max_length)
            % {"count": max_length},
            "INVALID",
        )
    return value


def _amount(
    errors: _Errors, field: str, value, *, negative_code: str, maximum: int, required: bool
):
    """A whole, non-negative number (VND, grams, pieces) or ``None`` when allowed."""
    if value is None:
        if required:
            errors.add(field, _("This field is required."), "REQUIRED")
        return None
    if not _is_int(value):
        errors.add(field, _("Must be a whole number."), "INVALID")
        return None
    if value < 0:
        errors.add(field, _("Cannot be negative."), negative_code)
    elif value > maximum:
        errors.add(field, _("Cannot be more than %(maximum)d.") % {"maximum": maximum}, "INVALID")
    return value


# One whole sentence per kind of object, as translators need, keyed by ``_fetch``'s label.
_DOES_NOT_EXIST = {
    "Product": gettext_lazy("Product %(id)s does not exist."),
    "Variant": gettext_lazy("Variant %(id)s does not exist."),
    "Picture": gettext_lazy("Picture %(id)s does not exist."),
    "Certificate": gettext_lazy("Certificate %(id)s does not exist."),
}


def _fetch(queryset, pk, *, field: str, label: str):
    if not _is_int(pk):
        raise NotFound(_DOES_NOT_EXIST[label] % {"id": repr(pk)}, field=field)
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_DOES_NOT_EXIST[label] % {"id": pk}, field=field)
    return obj


def _fetch_for_staff(queryset, pk, *, user, seller_field: str, field: str, label: str):
    """The object if ``user`` may manage it. Anybody else gets the same refusal whether or
    not it exists, so nobody can probe the IDs of other sellers' drafts."""
    require_authenticated(user)
    if is_operator(user) or not _is_int(pk):
        return _fetch(queryset, pk, field=field, label=label)
    found = queryset.filter(pk=pk, **{f"{seller_field}__in": seller_ids_of(user)}).first()
    if found is None:
        raise PermissionDenied(str(NOT_SELLER_STAFF))
    return found


def _product_for_staff(user, product_id, *, field: str, lock: bool = False) -> Product:
    queryset = Product.objects.select_for_update() if lock else Product.objects.all()
    return _fetch_for_staff(
        queryset, product_id, user=user, seller_field="seller_id", field=field, label="Product"
    )


def _variant_for_staff(user, variant_id, *, field: str, lock: bool = False) -> ProductVariant:
    queryset = ProductVariant.objects.select_related("product")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return _fetch_for_staff(
        queryset,
        variant_id,
        user=user,
        seller_field="product__seller_id",
        field=field,
        label="Variant",
    )


@transaction.atomic
def category_changed(*, category_id: int) -> None:
    """A category was renamed or moved: its products' category paths are stale."""
    _reindex(*search_services.product_ids_for_category(category_id))


def _reindex(*product_ids: int) -> None:
    search_services.schedule_product_reindex(product_ids=product_ids)


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        if name:
            storage.delete(name)


def _delete_files_on_commit(file_fields) -> None:
    """Remove stored files once the rows that named them are gone for good."""
    files = [f for f in file_fields if f and f.name]
    if not files:
        return
    storage = files[0].storage
    names = [f.name for f in files]
    transaction.on_commit(partial(_delete_files, storage, names), robust=True)


_CANNOT_DELETE = {
    "product": gettext_lazy(
        "The product is referred to by orders or other records and cannot be deleted; "
        "unpublish it instead."
    ),
    "variant": gettext_lazy(
        "The variant is referred to by orders or other records and cannot be deleted; "
        "unpublish its product instead."
    ),
}


def _protected_delete(obj, what: str) -> None:
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError):
        raise DomainError(str(_CANNOT_DELETE[what]), code="CANNOT_DELETE") from None


# ---------------------------------------------------------------------------
# Slugs


def _save_product(product: Product, *, slug_from: str | None) -> None:
    """Save, generating a free slug from ``slug_from`` when one is given."""
    if slug_from is not None:
        base = slug_base(
            slug_from, max_length=SLUG_MAX_LENGTH - SLUG_SUFFIX_ROOM, fallback=FALLBACK_SLUG
        )
        if not save_with_free_slug(product, base):
            raise invalid("slug", _("Could not find a free slug; give one explicitly."), "UNIQUE")
        return
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        if not Product.objects.filter(slug=product.slug).exclude(pk=product.pk).exists():
            raise
        raise invalid("slug", _("Another product already has this slug."), "UNIQUE") from None


def _check_slug(errors: _Errors, slug, *, exclude_pk: int | None) -> str:
    slug = _text(errors, "slug", slug, max_length=SLUG_MAX_LENGTH, required=True)
    if errors.by_field.get("slug"):
        return slug
    try:
        validate_slug(slug)
    except ValidationError:
        errors.add("slug", _("Use only letters, digits, hyphens and underscores."), "INVALID")
        return slug
    if Product.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        errors.add("slug", _("Another product already has this slug."), "UNIQUE")
    return slug


# ---------------------------------------------------------------------------
# Products


def _publish(product: Product, is_published) -> None:
    """Keep ``published_at`` as the time of the current publication, ``None`` if hidden."""
    if is_published and not product.is_published:
        product.published_at = timezone.now()
    elif not is_published:
        product.published_at = None
    product.is_published = bool(is_published)


def _seller_for_new_product(user, seller_id) -> int:
    if seller_id is None:
        # Most cooperatives have one account per seller: let them leave it out.
        own = seller_ids_of(user)
        if len(own) == 1:
            return next(iter(own))
        raise invalid("seller", _("Choose the seller the product belongs to."), "REQUIRED")
    require_seller_staff(user, seller_id)
    if not _is_int(seller_id) or not Seller.objects.filter(pk=seller_id).exists():
        raise NotFound(_("Seller %(id)s does not exist.") % {"id": seller_id}, field="seller")
    return seller_id


def _check_category(errors: _Errors, category_id) -> Category | None:
    if category_id is None:
        errors.add("category", _("This field is required."), "REQUIRED")
        return None
    category = Category.objects.filter(pk=category_id).first() if _is_int(category_id) else None
    if category is None:
        errors.add(
            "category",
            _("Category %(id)s does not exist.") % {"id": category_id},
            "NOT_FOUND",
        )
    return category


def _check_attributes(errors: _Errors, attributes) -> dict:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        errors.add("attributes", _("Must be an object of product facts."), "INVALID")
        return {}
    if len(attributes) > MAX_ATTRIBUTES:
        errors.add(
            "attributes",
            _("At most %(count)d product facts.") % {"count": MAX_ATTRIBUTES},
            "INVALID",
        )
        return {}
    for name, value in attributes.items():
        if not isinstance(name, str) or len(name) > MAX_ATTRIBUTE_NAME_LENGTH:
            errors.add(
                "attributes",
                _("A fact's name has at most %(count)d characters.")
                % {"count": MAX_ATTRIBUTE_NAME_LENGTH},
                "INVALID",
            )
        elif not _is_short_fact_value(value):
            errors.add(
                "attributes",
                _("The fact %(name)r has at most %(count)d characters of text.")
                % {"name": name, "count": MAX_ATTRIBUTE_VALUE_LENGTH},
                "INVALID",
            )
    return attributes


def _is_short_fact_value(value, *, in_list: bool = False) -> bool:
    """Short text (or a number, yes/no), or a short flat list of them, as the demo's facts are."""
    if isinstance(value, list):
        return (
            not in_list
            and len(value) <= MAX_ATTRIBUTES
            and all(_is_short_fact_value(item, in_list=True) for item in value)
        )
    if isinstance(value, str):
        return len(value) <= MAX_ATTRIBUTE_VALUE_LENGTH
    return value is None or isinstance(value, int | float | bool)


@transaction.atomic
def product_create(
    *,
    user,
    name: str,
    category_id: int,
    seller_id: int | None = None,
    slug: str | None = None,
    description: str = "",
    attributes: dict | None = None,
    is_published: bool = False,
) -> Product:
    """A new product of ``seller_id`` (or the user's only seller); its seller never changes."""
    require_authenticated(user)
    seller_id = _seller_for_new_product(user, seller_id)
    errors = _Errors()
    product = Product(
        seller_id=seller_id,
        name=_text(errors, "name", name, max_length=255, required=True),
        description=_text(errors, "description", description, max_length=50_000, required=False),
        attributes=_check_attributes(errors, attributes),
    )
    category = _check_category(errors, category_id)
    if slug is not None:
        product.slug = _check_slug(errors, slug, exclude_pk=None)
    errors.raise_if_any()
    product.category = category
    _publish(product, is_published)
    _save_product(product, slug_from=product.name if slug is None else None)
    _reindex(product.pk)
    return product


@transaction.atomic
def product_update(
    *,
    user,
    product_id: int,
    name=UNSET,
    category_id=UNSET,
    seller_id=UNSET,
    slug=UNSET,
    description=UNSET,
    attributes=UNSET,
    is_published=UNSET,
) -> Product:
    """Change the given fields; a name change keeps the slug, so links keep working."""
    product = _product_for_staff(user, product_id, field="id", lock=True)
    errors = _Errors()
    if seller_id not in (UNSET, None) and seller_id != product.seller_id:
        # Orders, payouts and certificates follow the seller: a product never moves.
        errors.add("seller", _("A product cannot move to another seller."), "SELLER_CANNOT_CHANGE")
    if name is not UNSET:
        product.name = _text(errors, "name", name, max_length=255, required=True)
    if description is not UNSET:
        product.description = _text(
            errors, "description", description, max_length=50_000, required=False
        )
    if category_id is not UNSET:
        category = _check_category(errors, category_id)
        if category is not None:
            product.category = category
    if slug is not UNSET:
        product.slug = _check_slug(errors, slug, exclude_pk=product.pk)
    if attributes is not UNSET:
        product.attributes = _check_attributes(errors, attributes)
    errors.raise_if_any()
    if is_published not in (UNSET, None):
        _publish(product, is_published)
    _save_product(product, slug_from=None)
    _reindex(product.pk)
    return product


@transaction.atomic
def product_delete(*, user, product_id: int) -> Product:
    """Delete the product with its variants, stock, pictures and certificates.

    The returned instance keeps its primary key so the caller can name what
    was deleted.
    """
    product = _product_for_staff(user, product_id, field="id", lock=True)
    pk = product.pk
    files = []
    for image in product.images.prefetch_related("thumbnails"):
        files.append(image.image)
        files.extend(thumbnail.file for thumbnail in image.thumbnails.all())
    _protected_delete(product, "product")
    _delete_files_on_commit(files)
    # The outbox holds plain ids, so the deleted product is still removed from the index.
    _reindex(pk)
    product.pk = pk
    return product


# ---------------------------------------------------------------------------
# Variants and stock


def _check_variant_fields(errors: _Errors, fields: dict, *, creating: bool) -> dict:
    """Validate the variant fields present in ``fields``; returns them cleaned."""
    cleaned = {}
    if creating or "sku" in fields:
        cleaned["sku"] = _text(errors, "sku", fields.get("sku"), max_length=64, required=True)
    if "name" in fields:
        cleaned["name"] = _text(errors, "name", fields["name"], max_length=255, required=False)
    if creating or "price" in fields:
        cleaned["price"] = _amount(
            errors,
            "price",
            fields.get("price"),
            negative_code="NEGATIVE_PRICE",
            maximum=MAX_PRICE_VND,
            required=True,
        )
    if "compare_at_price" in fields:
        cleaned["compare_at_price"] = _amount(
            errors,
            "compare_at_price",
            fields["compare_at_price"],
            negative_code="NEGATIVE_PRICE",
            maximum=MAX_PRICE_VND,
            required=False,
        )
    if "weight_grams" in fields:
        cleaned["weight_grams"] = _amount(
            errors,
            "weight_grams",
            fields["weight_grams"],
            negative_code="NEGATIVE_WEIGHT",
            maximum=MAX_WEIGHT_GRAMS,
            required=False,
        )
    if fields.get("sort_order") is not None:
        cleaned["sort_order"] = _amount(
            errors,
            "sort_order",
            fields["sort_order"],
            negative_code="INVALID",
            maximum=MAX_INTEGER,
            required=False,
        )
    if creating:
        cleaned["quantity"] = _amount(
            errors,
            "quantity",
            fields.get("quantity", 0),
            negative_code="NEGATIVE_STOCK",
            maximum=MAX_STOCK_QUANTITY,
            required=True,
        )
    return cleaned


def _check_compare_at_price(errors: _Errors, *, price, compare_at_price, changed: str) -> None:
    """The price before a discount is above the price, or the discount means nothing.

    ``changed`` names the field the client sent, so the error points at it.
    """
    if not (_is_int(price) and _is_int(compare_at_price)) or min(price, compare_at_price) < 0:
        return  # already reported as not a number, or negative
    if compare_at_price <= price:
        errors.add(
            changed,
            _(
                "The price before the discount (%(compare_at_price)d) must be above the price "
                "(%(price)d)."
            )
            % {"compare_at_price": compare_at_price, "price": price},
            "COMPARE_AT_PRICE_NOT_ABOVE_PRICE",
        )


def _next_variant_sort_order(product: Product) -> int:
    current = product.variants.aggregate(top=Max("sort_order"))["top"]
    return 0 if current is None else current + 1


def _sku_taken_error(sku: str) -> ValidationError:
    return invalid("sku", _sku_taken_message(sku), "UNIQUE")


def _sku_taken_message(sku: str) -> str:
    return _("SKU %(sku)s is already used by another variant.") % {"sku": sku}


def _insert_variants(product: Product, rows: list[dict]) -> list[ProductVariant]:
    """Insert variants with their stock; a SKU taken meanwhile becomes a UNIQUE error."""
    sort_order = _next_variant_sort_order(product)
    variants, quantities = [], []
    for row in rows:
        fields = {key: value for key, value in row.items() if key != "quantity"}
        if fields.get("sort_order") is None:
            fields["sort_order"] = sort_order
            sort_order += 1
        variants.append(ProductVariant(product=product, **fields))
        quantities.append(row["quantity"])
    try:
        with transaction.atomic():
            ProductVariant.objects.bulk_create(variants)
            Stock.objects.bulk_create(
                Stock(variant=variant, quantity=quantity)
                for variant, quantity in zip(variants, quantities, strict=True)
            )
    except IntegrityError:
        # Another request took one of the SKUs between our check and the insert.
        skus = [variant.sku for variant in variants]
        taken = ProductVariant.objects.filter(sku__in=skus).values_list("sku", flat=True).first()
        if taken is None:
            raise
        raise _sku_taken_error(taken) from None
    return variants


@transaction.atomic
def variant_create(
    *,
    user,
    product_id: int,
    sku: str,
    price: int,
    name: str = "",
    compare_at_price: int | None = None,
    weight_grams: int | None = None,
    sort_order: int | None = None,
    quantity: int = 0,
) -> ProductVariant:
    """A new variant with its stock row holding ``quantity`` pieces."""
    product = _product_for_staff(user, product_id, field="product", lock=True)
    errors = _Errors()
    cleaned = _check_variant_fields(
        errors,
        {
            "sku": sku,
            "name": name,
            "price": price,
            "compare_at_price": compare_at_price,
            "weight_grams": weight_grams,
            "sort_order": sort_order,
            "quantity": quantity,
        },
        creating=True,
    )
    _check_compare_at_price(
        errors,
        price=cleaned["price"],
        compare_at_price=cleaned["compare_at_price"],
        changed="compare_at_price",
    )
    if "sku" not in errors.by_field and ProductVariant.objects.filter(sku=cleaned["sku"]).exists():
        errors.add("sku", _sku_taken_message(cleaned["sku"]), "UNIQUE")
    errors.raise_if_any()
    (variant,) = _insert_variants(product, [cleaned])
    _reindex(product.pk)
    return variant


@transaction.atomic
def variant_bulk_create(*, user, product_id: int, variants: list[dict]) -> list[ProductVariant]:
    """Create all the variants or none.

    Errors are keyed ``variants.<index>.<field>`` (index from 0) so the client
    can point at the row at fault. A SKU repeated inside the input is
    ``DUPLICATED_SKU`` on every repetition after the first; one already in the
    database is ``UNIQUE``.
    """
    product = _product_for_staff(user, product_id, field="product", lock=True)
    if not variants:
        raise invalid("variants", _("Give at least one variant."), "REQUIRED")
    if len(variants) > MAX_VARIANTS_PER_BULK:
        raise invalid(
            "variants",
            _("At most %(count)d variants at a time.") % {"count": MAX_VARIANTS_PER_BULK},
            "INVALID",
        )
    errors = _Errors()
    rows = []
    for index, fields in enumerate(variants):
        row_errors = _Errors(prefix=f"variants.{index}.")
        row = _check_variant_fields(row_errors, dict(fields), creating=True)
        _check_compare_at_price(
            row_errors,
            price=row["price"],
            compare_at_price=row.get("compare_at_price"),
            changed="compare_at_price",
        )
        rows.append(row)
        errors.merge(row_errors)

    seen: Counter[str] = Counter()
    for index, row in enumerate(rows):
        sku = row.get("sku")
        if not sku or f"variants.{index}.sku" in errors.by_field:
            continue
        seen[sku] += 1
        if seen[sku] > 1:
            errors.add(
                f"variants.{index}.sku",
                _("SKU %(sku)s appears more than once.") % {"sku": sku},
                "DUPLICATED_SKU",
            )
    taken = set(ProductVariant.objects.filter(sku__in=list(seen)).values_list("sku", flat=True))
    for index, row in enumerate(rows):
        if row.get("sku") in taken:
            errors.add(f"variants.{index}.sku", _sku_taken_message(row["sku"]), "UNIQUE")
    errors.raise_if_any()
    created = _insert_variants(product, rows)
    _reindex(product.pk)
    return created


@transaction.atomic
def variant_update(
    *,
    user,
    variant_id: int,
    sku=UNSET,
    name=UNSET,
    price=UNSET,
    compare_at_price=UNSET,
    weight_grams=UNSET,
    sort_order=UNSET,
) -> ProductVariant:
    variant = _variant_for_staff(user, variant_id, field="id", lock=True)
    given = {
        key: value
        for key, value in {
            "sku": sku,
            "name": name,
            "price": price,
            "compare_at_price": compare_at_price,
            "weight_grams": weight_grams,
            "sort_order": sort_order,
        }.items()
        if value is not UNSET
    }
    errors = _Errors()
    cleaned = _check_variant_fields(errors, given, creating=False)
    _check_compare_at_price(
        errors,
        price=cleaned.get("price", variant.price),
        compare_at_price=cleaned.get("compare_at_price", variant.compare_at_price),
        changed="compare_at_price" if "compare_at_price" in cleaned else "price",
    )
    new_sku = cleaned.get("sku")
    if (
        new_sku
        and "sku" not in errors.by_field
        and ProductVariant.objects.filter(sku=new_sku).exclude(pk=variant.pk).exists()
    ):
        errors.add("sku", _sku_taken_message(new_sku), "UNIQUE")
    errors.raise_if_any()
    for field, value in cleaned.items():
        setattr(variant, field, value)
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        if not ProductVariant.objects.filter(sku=variant.sku).exclude(pk=variant.pk).exists():
            raise
        raise _sku_taken_error(variant.sku) from None
    _reindex(variant.product_id)
    return variant


@transaction.atomic
def variant_delete(*, user, variant_id: int) -> ProductVariant:
    variant = _variant_for_staff(user, variant_id, field="id", lock=True)
    pk = variant.pk
    _protected_delete(variant, "variant")
    _reindex(variant.product_id)
    variant.pk = pk
    return variant


@transaction.atomic
def stock_update(*, user, variant_id: int, quantity: int) -> ProductVariant:
    """Set the pieces on hand; never below what unpaid orders already hold."""
    variant = _variant_for_staff(user, variant_id, field="variant")
    errors = _Errors()
    _amount(
        errors,
        "quantity",
        quantity,
        negative_code="NEGATIVE_STOCK",
        maximum=MAX_STOCK_QUANTITY,
        required=True,
    )
    errors.raise_if_any()
    # The row lock orders this change with checkouts allocating the same stock.
    stock, _created = Stock.objects.select_for_update().get_or_create(variant=variant)
    if quantity < stock.quantity_allocated:
        raise invalid(
            "quantity",
            ngettext(
                "%(count)d piece is held for unpaid orders; the quantity cannot be lower.",
                "%(count)d pieces are held for unpaid orders; the quantity cannot be lower.",
                stock.quantity_allocated,
            )
            % {"count": stock.quantity_allocated},
            "QUANTITY_BELOW_ALLOCATED",
        )
    stock.quantity = quantity
    stock.save(update_fields=["quantity"])
    _reindex(variant.product_id)
    return ProductVariant.objects.select_related("product", "stock").get(pk=variant.pk)


# ---------------------------------------------------------------------------
# Pictures


@transaction.atomic
def product_image_create(*, user, product_id: int, upload, alt: str = "") -> ProductImage:
    """Store a checked picture; thumbnails are made by a task after commit."""
    product = _product_for_staff(user, product_id, field="product", lock=True)
    errors = _Errors()
    alt = _text(errors, "alt", alt, max_length=255, required=False)
    errors.raise_if_any()
    checked = images.check_image(upload)
    top = product.images.aggregate(top=Max("sort_order"))["top"]
    image = ProductImage(product=product, alt=alt, sort_order=0 if top is None else top + 1)
    # Named after what the file is, not what the client called it.
    image.image.save(f"{product.pk}-{uuid.uuid4().hex}.{checked.extension}", upload, save=False)
    try:
        # The field measured the stored pixels; keep the upright shape instead.
        image.width, image.height = checked.width, checked.height
        image.save()
    except Exception:
        image.image.storage.delete(image.image.name)
        raise
    transaction.on_commit(partial(tasks.create_product_thumbnails.delay, image.pk), robust=True)
    return image


@transaction.atomic
def product_image_delete(*, user, image_id: int) -> ProductImage:
    image = _fetch_for_staff(
        ProductImage.objects.select_related("product").select_for_update(of=("self",)),
        image_id,
        user=user,
        seller_field="product__seller_id",
        field="id",
        label="Picture",
    )
    pk = image.pk
    files = [image.image, *(thumbnail.file for thumbnail in image.thumbnails.all())]
    image.delete()
    _delete_files_on_commit(files)
    image.pk = pk
    return image


@transaction.atomic
def create_product_thumbnails(*, image_id: int) -> list[int]:
    """Make the missing WebP thumbnails of a picture; returns the sizes made.

    Safe to run twice: sizes already made are skipped. A picture deleted
    before the task ran is not an error, there is simply nothing to do.
    """
    image = ProductImage.objects.select_for_update().filter(pk=image_id).first()
    if image is None:
        return []
    existing = set(image.thumbnails.values_list("size", flat=True))
    wanted = [size for size in images.thumbnail_sizes() if size not in existing]
    if not wanted:
        return []
    stem = image.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    with image.image.open("rb") as source:
        made = images.make_thumbnails(source, wanted)
    stored = []
    try:
        for size, (content, _width, _height) in made.items():
            thumbnail = ProductImageThumbnail(image=image, size=size)
            thumbnail.file.save(f"{stem}-{size}.webp", content, save=False)
            stored.append(thumbnail.file.name)
            thumbnail.save()
    except Exception:
        _delete_files(image.image.storage, stored)
        raise
    return sorted(made)


# ---------------------------------------------------------------------------
# OCOP certificates


def _check_product_group(errors: _Errors, product_group) -> str:
    if product_group not in OcopCertificate.ProductGroup.values:
        errors.add(
            "product_group",
            _("Unknown OCOP product group %(group)r.") % {"group": product_group},
            "INVALID",
        )
    return product_group


# Decision 490/QĐ-TTg of 7 May 2018 set up the OCOP programme: no certificate is older.
OCOP_PROGRAMME_START = date(2018, 5, 7)


def _check_dates(errors: _Errors, issued_on, expires_on, today: date) -> date | None:
    if not isinstance(issued_on, date):
        errors.add("issued_on", _("Give the date of issue."), "REQUIRED")
        return None
    possible_issue = OCOP_PROGRAMME_START <= issued_on <= today
    if issued_on > today:
        errors.add("issued_on", _("The date of issue cannot be in the future."), "INVALID_DATE")
    elif not possible_issue:
        errors.add(
            "issued_on",
            _("No OCOP certificate was issued before %(start)s, when the programme began.")
            % {"start": OCOP_PROGRAMME_START.isoformat()},
            "INVALID_DATE",
        )
    # Only a possible date of issue has an expiry: 36 months after 9999-12-31 is no date.
    longest = OcopCertificate.default_expiry(issued_on) if possible_issue else None
    if expires_on is None:
        expires_on = longest
    elif not isinstance(expires_on, date):
        errors.add("expires_on", _("Must be a date."), "INVALID")
        return None
    elif expires_on <= issued_on:
        errors.add("expires_on", _("The expiry must come after the date of issue."), "INVALID_DATE")
    elif longest is not None and expires_on > longest:
        errors.add(
            "expires_on",
            _("An OCOP certificate is valid at most 36 months, until %(date)s.")
            % {"date": longest.isoformat()},
            "INVALID_DATE",
        )
    if expires_on is not None and expires_on < today and "expires_on" not in errors.by_field:
        errors.add("expires_on", _("This certificate has already expired."), "CERTIFICATE_EXPIRED")
    return expires_on


@transaction.atomic
def ocop_certificate_submit(
    *,
    user,
    product_id: int,
    stars: int,
    certificate_number: str,
    issuing_decision: str,
    product_group: str,
    issued_on: date,
    expires_on: date | None = None,
) -> OcopCertificate:
    """A seller's claim of an OCOP rating, pending until an auditor verifies it.

    The level follows from the stars (3 or 4 stars provincial, 5 national) and the
    expiry defaults to 36 months after issue.
    """
    product = _product_for_staff(user, product_id, field="product")
    errors = _Errors()
    if not _is_int(stars) or not 3 <= stars <= 5:
        errors.add("stars", _("An OCOP rating has 3, 4 or 5 stars."), "INVALID_STARS")
    number = _text(errors, "certificate_number", certificate_number, max_length=64, required=True)
    decision = _text(errors, "issuing_decision", issuing_decision, max_length=128, required=True)
    group = _check_product_group(errors, product_group)
    expires_on = _check_dates(errors, issued_on, expires_on, timezone.localdate())
    if number and OcopCertificate.objects.filter(certificate_number=number).exists():
        errors.add("certificate_number", _certificate_on_file_message(number), "UNIQUE")
    errors.raise_if_any()
    certificate = OcopCertificate(
        product=product,
        stars=stars,
        level=OcopCertificate.level_for(stars),
        certificate_number=number,
        issuing_decision=decision,
        product_group=group,
        issued_on=issued_on,
        expires_on=expires_on,
        status=OcopCertificate.Status.PENDING,
        submitted_by=user,
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        if not OcopCertificate.objects.filter(certificate_number=number).exists():
            raise
        raise invalid(
            "certificate_number", _certificate_on_file_message(number), "UNIQUE"
        ) from None
    return certificate


def _certificate_on_file_message(number: str) -> str:
    return _("Certificate %(number)s is already on file.") % {"number": number}


def _certificate_status_words(status: str) -> str:
    """What a certificate in ``status`` is, to end a sentence about it."""
    words = {
        OcopCertificate.Status.PENDING: pgettext("certificate", "pending"),
        OcopCertificate.Status.VERIFIED: pgettext("certificate", "already verified"),
        OcopCertificate.Status.EXPIRED: pgettext("certificate", "expired"),
        OcopCertificate.Status.REVOKED: pgettext("certificate", "revoked"),
    }
    return words.get(status, status)


def _certificate_for_review(user, certificate_id) -> OcopCertificate:
    require_auditor_or_operator(user)
    return _fetch(
        OcopCertificate.objects.select_for_update(), certificate_id, field="id", label="Certificate"
    )


@transaction.atomic
def ocop_certificate_verify(*, user, certificate_id: int) -> OcopCertificate:
    certificate = _certificate_for_review(user, certificate_id)
    if certificate.status != OcopCertificate.Status.PENDING:
        raise DomainError(
            _("Only a pending certificate can be verified; this one is %(status)s.")
            % {"status": _certificate_status_words(certificate.status)},
            code="INVALID_STATUS",
        )
    if certificate.expires_on < timezone.localdate():
        raise DomainError(
            _("This certificate expired before it was verified."), code="CERTIFICATE_EXPIRED"
        )
    certificate.status = OcopCertificate.Status.VERIFIED
    certificate.reviewed_by = user
    certificate.reviewed_at = timezone.now()
    certificate.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _reindex(certificate.product_id)
    return certificate


@transaction.atomic
def ocop_certificate_revoke(*, user, certificate_id: int, reason: str) -> OcopCertificate:
    """Withdraw a pending or verified certificate; the reason is kept for the seller."""
    certificate = _certificate_for_review(user, certificate_id)
    errors = _Errors()
    reason = _text(errors, "reason", reason, max_length=5_000, required=True)
    errors.raise_if_any()
    if certificate.status not in (OcopCertificate.Status.PENDING, OcopCertificate.Status.VERIFIED):
        raise DomainError(
            _("Only a pending or verified certificate can be revoked; this one is %(status)s.")
            % {"status": _certificate_status_words(certificate.status)},
            code="INVALID_STATUS",
        )
    certificate.status = OcopCertificate.Status.REVOKED
    certificate.revocation_reason = reason
    certificate.reviewed_by = user
    certificate.reviewed_at = timezone.now()
    certificate.save(update_fields=["status", "revocation_reason", "reviewed_by", "reviewed_at"])
    _reindex(certificate.product_id)
    return certificate


@transaction.atomic
def expire_ocop_certificates(*, today: date | None = None) -> int:
    """Mark verified certificates whose last valid day is before ``today`` as expired.

    Returns how many expired; their products lose the stars in search too.
    """
    today = today or timezone.localdate()
    due = OcopCertificate.objects.select_for_update().filter(
        status=OcopCertificate.Status.VERIFIED, expires_on__lt=today
    )
    rows = list(due.values_list("pk", "product_id"))
    if not rows:
        return 0
    count = OcopCertificate.objects.filter(pk__in=[pk for pk, _product in rows]).update(
        status=OcopCertificate.Status.EXPIRED
    )
    _reindex(*{product_id for _pk, product_id in rows})
    return count
