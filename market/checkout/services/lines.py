"""A checkout's lines: add, change the quantity of, delete.

Each line is a variant and a quantity (1 to ``MAX_LINE_QUANTITY``). Adding a variant
already in the checkout adds to its line. A variant can be added or increased only while
it can be bought (of a live product) and while its stock left covers the line; either
refusal names the input line (``lines.<i>``), the variant and, for stock, how many are
available. Lowering or deleting a line is always allowed. Every change renews the
reservations of the whole checkout (``common.reserve``).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.checkout.models import Checkout, CheckoutLine
from market.checkout.selectors import KnownReads, checkout_lines, reads_keep
from market.checkout.services.common import (
    MAX_LINE_QUANTITY,
    check_line_count,
    check_quantity,
    checkout_fetch,
    deliveries_prune,
    reservations_write,
    reserve,
    unavailable,
    variants_buyable,
)
from market.core.errors import DomainError, DomainErrors
from market.core.sql import instances_insert
from market.core.transactions import service_transaction


def _line_not_found(field: str) -> DomainError:
    return DomainError(_("The checkout has no such line."), code="NOT_FOUND", field=field)


def _duplicated() -> ValidationError:
    return ValidationError(_("This line is given more than once."), code="DUPLICATED_INPUT_ITEM")


def lines_add(
    checkout: Checkout, rows: list[dict], *, field: str = "lines", created: bool = False
) -> None:
    """Add ``rows`` (``variant_id``, ``quantity``) to ``checkout``, locked by the caller;
    ``created``: the caller has just inserted it (it has no lines to read)."""
    errors: dict[str, list[ValidationError]] = {}
    wanted: dict[int, list[int]] = {}  # variant id → [quantity, index of its first row]
    for index, row in enumerate(rows):
        quantity = row.get("quantity")
        check_quantity(errors, f"{field}.{index}.quantity", quantity)
        if f"{field}.{index}.quantity" not in errors:
            entry = wanted.setdefault(row["variant_id"], [0, index])
            entry[0] += quantity
    if errors:
        raise ValidationError(errors)
    existing = {} if created else {line.variant_id: line for line in checkout_lines([checkout.pk])}
    variants = variants_buyable(wanted)
    refusals = []
    new_lines = []
    changed = []
    for variant_id, (quantity, index) in wanted.items():
        line = existing.get(variant_id)
        variant = variants.get(variant_id)
        if variant is None:
            refusals.append(
                unavailable(
                    f"{field}.{index}",
                    variant_id=variant_id,
                    line_id=line.pk if line is not None else None,
                )
            )
            continue
        total = quantity + (line.quantity if line is not None else 0)
        if total > MAX_LINE_QUANTITY:
            check_quantity(errors, f"{field}.{index}.quantity", total)
            continue
        if line is None:
            line = CheckoutLine(
                checkout=checkout, variant=variant, quantity=total, price_when_added=variant.price
            )
            new_lines.append(line)
        else:
            # The buyer has just seen the product at its current price.
            line.quantity, line.price_when_added = total, variant.price
            changed.append(line)
    if errors:
        raise ValidationError(errors)
    if refusals:
        raise DomainErrors(refusals)
    check_line_count(len(existing) + len(new_lines))
    required = {variant_id: f"{field}.{entry[1]}" for variant_id, entry in wanted.items()}
    fitting = reserve(checkout, [*existing.values(), *new_lines], required=required)
    instances_insert(new_lines)
    CheckoutLine.objects.bulk_update(changed, ["quantity", "price_when_added"])
    reservations_write(fitting)
    # Every line as the database now holds it: the new ones with their variants, the
    # reservations just written, the others' as read (only untouched lines may not fit).
    lines = sorted([*existing.values(), *new_lines], key=lambda line: (line.created_at, line.pk))
    reads_keep(checkout, KnownReads(lines=tuple(lines)))


@service_transaction
def checkout_lines_add(*, by, token, lines: list[dict]) -> Checkout:
    """Add ``lines`` (``variant_id``, ``quantity``); a variant already there adds up."""
    checkout = checkout_fetch(by, token)
    if not lines:
        raise ValidationError(
            {"lines": ValidationError(_("Give at least one line."), code="REQUIRED")}
        )
    lines_add(checkout, lines)
    return checkout


@service_transaction
def checkout_lines_update(*, by, token, lines: list[dict]) -> Checkout:
    """Set the quantity of each of ``lines`` (``line_id``, ``quantity``); 0 deletes it."""
    checkout = checkout_fetch(by, token)
    if not lines:
        raise ValidationError(
            {"lines": ValidationError(_("Give at least one line."), code="REQUIRED")}
        )
    errors: dict[str, list[ValidationError]] = {}
    seen: set[int] = set()
    for index, row in enumerate(lines):
        check_quantity(errors, f"lines.{index}.quantity", row.get("quantity"), allow_zero=True)
        if row["line_id"] in seen:
            errors.setdefault(f"lines.{index}", []).append(_duplicated())
        seen.add(row["line_id"])
    if errors:
        raise ValidationError(errors)
    existing = {line.pk: line for line in CheckoutLine.objects.filter(checkout=checkout)}
    missing = [
        _line_not_found(f"lines.{index}")
        for index, row in enumerate(lines)
        if row["line_id"] not in existing
    ]
    if missing:
        raise DomainErrors(missing)
    increased = {
        index: existing[row["line_id"]]
        for index, row in enumerate(lines)
        if row["quantity"] > existing[row["line_id"]].quantity
    }
    buyable = variants_buyable(line.variant_id for line in increased.values())
    refusals = [
        unavailable(f"lines.{index}", variant_id=line.variant_id, line_id=line.pk)
        for index, line in increased.items()
        if line.variant_id not in buyable
    ]
    if refusals:
        raise DomainErrors(refusals)
    deleted, changed = [], []
    for row in lines:
        line = existing[row["line_id"]]
        if row["quantity"] == 0:
            deleted.append(existing.pop(line.pk).pk)
        elif row["quantity"] != line.quantity:
            line.quantity = row["quantity"]
            changed.append(line)
    required = {line.variant_id: f"lines.{index}" for index, line in increased.items()}
    fitting = reserve(checkout, list(existing.values()), required=required)
    CheckoutLine.objects.filter(pk__in=deleted).delete()
    CheckoutLine.objects.bulk_update(changed, ["quantity"])
    reservations_write(fitting)
    if deleted:
        deliveries_prune(checkout)
    return checkout


@service_transaction
def checkout_lines_delete(*, by, token, line_ids: list[int]) -> Checkout:
    """Delete ``line_ids`` from the checkout; each must be one of its lines."""
    checkout = checkout_fetch(by, token)
    if not line_ids:
        raise ValidationError(
            {"lines": ValidationError(_("Give at least one line."), code="REQUIRED")}
        )
    existing = {line.pk: line for line in CheckoutLine.objects.filter(checkout=checkout)}
    missing = [
        _line_not_found(f"lines.{index}")
        for index, line_id in enumerate(line_ids)
        if line_id not in existing
    ]
    if missing:
        raise DomainErrors(missing)
    CheckoutLine.objects.filter(pk__in=set(line_ids)).delete()
    remaining = [line for pk, line in existing.items() if pk not in set(line_ids)]
    if remaining:
        reservations_write(reserve(checkout, remaining, required={}))
    deliveries_prune(checkout)
    return checkout
