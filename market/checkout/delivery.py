"""A checkout's delivery groups and totals: pure functions of rows already loaded.

The lines of a checkout are grouped by the seller of their product: each seller packs
and ships its own parcel, so the buyer chooses one shipping method per group. A group's
subtotal is its lines at their current prices (what completion would charge), its weight
the sum of ``weight_grams * quantity``.

A variant without a weight counts as 0 g in ``grams``, and its group is then of unknown
weight: methods priced by weight are not offered for it (pricing a parcel whose weight is
not known would undercharge the seller), the other kinds are. The seller can fix it by
giving the variant its weight.

Nothing here reads the database: ``market.checkout.selectors`` loads the rows (for
GraphQL, a request's loaders; for completion and the delivery-method update, the
services) and hands them over, so every caller computes the same groups.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from market.checkout.models import CheckoutLine, ShippingMethod
from market.checkout.shipping import method_serves, shipping_price

# Why a method cannot deliver a group, as ``method_refusal`` says it.
NOT_OFFERED = "not_offered"  # another seller's, or inactive: not one of the group's methods
PROVINCE = "province"  # limited to provinces the address is not in
WEIGHT_UNKNOWN = "weight_unknown"  # priced by weight, and a line has no weight
TOO_HEAVY = "too_heavy"  # heavier than its last weight band


@dataclass(frozen=True)
class ShippingOption:
    """A method that can deliver a group, and what it costs for that group."""

    method: ShippingMethod
    price: int


@dataclass(frozen=True)
class DeliveryGroup:
    seller_id: int
    lines: tuple[CheckoutLine, ...]
    subtotal: int
    grams: int
    # False when a line's variant has no weight: weight methods are then not offered.
    weight_known: bool
    options: tuple[ShippingOption, ...]
    # The buyer's choice, whether or not it can still deliver the group.
    chosen: ShippingMethod | None = None

    @property
    def chosen_option(self) -> ShippingOption | None:
        """The buyer's choice and its price, while it can deliver the group."""
        if self.chosen is None:
            return None
        return next((o for o in self.options if o.method.pk == self.chosen.pk), None)


@dataclass(frozen=True)
class CheckoutTotals:
    groups: tuple[DeliveryGroup, ...]
    subtotal: int
    # Of the groups whose choice can deliver them; the others add nothing until chosen.
    shipping_total: int
    total: int = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "total", self.subtotal + self.shipping_total)


def seller_of(line: CheckoutLine) -> int:
    return line.variant.product.seller_id


def line_total(line: CheckoutLine) -> int:
    """The line at its variant's current price: what completion charges."""
    return line.variant.price * line.quantity


def method_refusal(
    method: ShippingMethod,
    *,
    seller_id: int,
    province: str | None,
    subtotal: int,
    grams: int,
    weight_known: bool,
) -> str | None:
    """Why ``method`` cannot deliver this group (one of the reasons above), or None."""
    if method.seller_id != seller_id or not method.is_active:
        return NOT_OFFERED
    if not method_serves(method, province):
        return PROVINCE
    if method.kind == ShippingMethod.Kind.WEIGHT:
        if not weight_known:
            return WEIGHT_UNKNOWN
        if shipping_price(method, subtotal=subtotal, grams=grams) is None:
            return TOO_HEAVY
    return None


def delivery_groups(
    lines: Iterable[CheckoutLine],
    *,
    methods: Iterable[ShippingMethod],
    chosen: dict[int, ShippingMethod],
    province: str | None,
) -> tuple[DeliveryGroup, ...]:
    """The groups of ``lines`` (their variants and products loaded), in the order their
    sellers' first lines came; ``methods`` are the sellers' offered methods (cheapest
    first), ``chosen`` the buyer's choice per seller id."""
    by_seller: dict[int, list[CheckoutLine]] = {}
    for line in lines:
        by_seller.setdefault(seller_of(line), []).append(line)
    methods_by_seller: dict[int, list[ShippingMethod]] = {}
    for method in methods:
        methods_by_seller.setdefault(method.seller_id, []).append(method)
    groups = []
    for seller_id, seller_lines in by_seller.items():
        subtotal = sum(line_total(line) for line in seller_lines)
        weights = [line.variant.weight_grams for line in seller_lines]
        weight_known = all(weight is not None for weight in weights)
        grams = sum((line.variant.weight_grams or 0) * line.quantity for line in seller_lines)
        options = tuple(
            ShippingOption(method, shipping_price(method, subtotal=subtotal, grams=grams))
            for method in methods_by_seller.get(seller_id, ())
            if method_refusal(
                method,
                seller_id=seller_id,
                province=province,
                subtotal=subtotal,
                grams=grams,
                weight_known=weight_known,
            )
            is None
        )
        groups.append(
            DeliveryGroup(
                seller_id=seller_id,
                lines=tuple(seller_lines),
                subtotal=subtotal,
                grams=grams,
                weight_known=weight_known,
                options=options,
                chosen=chosen.get(seller_id),
            )
        )
    return tuple(groups)


def checkout_totals(groups: tuple[DeliveryGroup, ...]) -> CheckoutTotals:
    shipping = 0
    for group in groups:
        option = group.chosen_option
        if option is not None:
            shipping += option.price
    return CheckoutTotals(
        groups=groups, subtotal=sum(group.subtotal for group in groups), shipping_total=shipping
    )
