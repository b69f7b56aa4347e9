"""Variants and their stock: create (one or many at once), change, delete, restock."""

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Product, ProductVariant, Stock
from catalog.services import common
from market.core.errors import invalid
from market.core.transactions import service_transaction

MAX_INTEGER = 2**31 - 1
MAX_VARIANTS_PER_BULK = 100
# What a shop can mean, checked here because the columns could hold far more: a price
# above a billion đồng, a stock above a million pieces or a parcel above a tonne is a
# typo or a probe, not an OCOP product.
MAX_PRICE_VND = 1_000_000_000
MAX_STOCK_QUANTITY = 1_000_000
MAX_WEIGHT_GRAMS = 1_000_000


# What a variant's own row holds; its stock is ``stock_update``'s.
VARIANT_FIELDS = ("sku", "name", "price", "compare_at_price", "weight_grams", "sort_order")

# Each whole-number field of a variant: the error code when negative, and the largest value.
_AMOUNT_LIMITS = {
    "price": ("NEGATIVE_PRICE", MAX_PRICE_VND),
    "compare_at_price": ("NEGATIVE_PRICE", MAX_PRICE_VND),
    "weight_grams": ("NEGATIVE_WEIGHT", MAX_WEIGHT_GRAMS),
    "sort_order": ("INVALID", MAX_INTEGER),
    "quantity": ("NEGATIVE_STOCK", MAX_STOCK_QUANTITY),
}


def _clean_amount(
    errors: common.FieldErrors, cleaned: dict, name: str, value, *, required=False
) -> None:
    negative_code, maximum = _AMOUNT_LIMITS[name]
    cleaned[name] = common.checked_amount(
        errors, name, value, negative_code=negative_code, maximum=maximum, required=required
    )


def _check_variant_fields(errors: common.FieldErrors, fields: dict, *, creating: bool) -> dict:
    """Validate the variant fields present in ``fields``; returns them cleaned."""
    cleaned = {}
    # Text by the model's fields; a scratch instance, as nothing may change before all is well.
    scratch = ProductVariant()
    if creating or "sku" in fields:
        cleaned["sku"] = common.model_field(errors, scratch, "sku", fields.get("sku"))
    if "name" in fields:
        cleaned["name"] = common.model_field(errors, scratch, "name", fields["name"])
    if creating or "price" in fields:
        _clean_amount(errors, cleaned, "price", fields.get("price"), required=True)
    for name in ("compare_at_price", "weight_grams"):
        if name in fields:
            _clean_amount(errors, cleaned, name, fields[name])
    if fields.get("sort_order") is not None:
        _clean_amount(errors, cleaned, "sort_order", fields["sort_order"])
    if creating:
        _clean_amount(errors, cleaned, "quantity", fields.get("quantity", 0), required=True)
    return cleaned


def _check_compare_at_price(
    errors: common.FieldErrors, *, price, compare_at_price, changed: str
) -> None:
    """The price before a discount is above the price, or the discount means nothing.

    The model's ``variant_compare_at_price_above_price`` constraint says so too, but only
    on save, one row at a time and without a field: checked here, the error points at the
    field the client sent (``changed``) and comes with every other error of the input.
    """
    if (
        not (common.is_int(price) and common.is_int(compare_at_price))
        or min(price, compare_at_price) < 0
    ):
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


@service_transaction
def variant_create(
    *,
    by,
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
    product = common.product_for_staff(by, product_id, field="product", lock=True)
    errors = common.FieldErrors()
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
    common.reindex(product.pk)
    return variant


@service_transaction
def variant_bulk_create(*, by, product_id: int, variants: list[dict]) -> list[ProductVariant]:
    """Create all the variants or none.

    Errors are keyed ``variants.<index>.<field>`` (index from 0) so the client
    can point at the row at fault. A SKU repeated inside the input is
    ``DUPLICATED_SKU`` on every repetition after the first; one already in the
    database is ``UNIQUE``.
    """
    product = common.product_for_staff(by, product_id, field="product", lock=True)
    if not variants:
        raise invalid("variants", _("Give at least one variant."), "REQUIRED")
    if len(variants) > MAX_VARIANTS_PER_BULK:
        raise invalid(
            "variants",
            _("At most %(count)d variants at a time.") % {"count": MAX_VARIANTS_PER_BULK},
            "INVALID",
        )
    errors = common.FieldErrors()
    rows = []
    for index, fields in enumerate(variants):
        row_errors = common.FieldErrors(prefix=f"variants.{index}.")
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
    common.reindex(product.pk)
    return created


@service_transaction
def variant_update(*, by, variant_id: int, **changes) -> ProductVariant:
    """Change the given fields (of ``VARIANT_FIELDS``) only; stock has ``stock_update``."""
    unknown = set(changes) - set(VARIANT_FIELDS)
    if unknown:
        raise TypeError(f"variant_update() got unexpected fields {sorted(unknown)}")
    variant = common.variant_for_staff(by, variant_id, field="id", lock=True)
    errors = common.FieldErrors()
    cleaned = _check_variant_fields(errors, changes, creating=False)
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
    common.reindex(variant.product_id)
    return variant


@service_transaction
def variant_delete(*, by, variant_id: int) -> ProductVariant:
    variant = common.variant_for_staff(by, variant_id, field="id", lock=True)
    pk = variant.pk
    common.protected_delete(variant, "variant")
    common.reindex(variant.product_id)
    variant.pk = pk
    return variant


@service_transaction
def stock_update(*, by, variant_id: int, quantity: int) -> ProductVariant:
    """Set the pieces on hand; never below what unpaid orders already hold."""
    variant = common.variant_for_staff(by, variant_id, field="variant")
    errors = common.FieldErrors()
    _clean_amount(errors, {}, "quantity", quantity, required=True)
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
    common.reindex(variant.product_id)
    return ProductVariant.objects.select_related("product", "stock").get(pk=variant.pk)
