"""What a shipping method costs for one seller's lines, and where it delivers.

Pure functions of a ``ShippingMethod`` and plain numbers, shared by the checkout's
delivery groups, completion and the management mutations' checks.
"""

from market.checkout.models import ShippingMethod


def method_serves(method: ShippingMethod, province: str | None) -> bool:
    """Whether ``method`` delivers to ``province`` (as ``market.core.addresses`` spells
    it). Without an address yet, a method limited to some provinces is not offered; pick-up
    needs no address."""
    if method.kind == ShippingMethod.Kind.PICKUP or not method.provinces:
        return True
    return province is not None and province in method.provinces


def shipping_price(method: ShippingMethod, *, subtotal: int, grams: int) -> int | None:
    """The price in VND of shipping ``grams`` worth ``subtotal`` VND with ``method``, or
    ``None`` when it cannot carry them (heavier than its last weight band)."""
    kind = method.kind
    if kind == ShippingMethod.Kind.PICKUP:
        return 0
    if kind == ShippingMethod.Kind.FLAT:
        return method.price
    if kind == ShippingMethod.Kind.FREE_ABOVE:
        return (
            0 if method.free_above is not None and subtotal >= method.free_above else method.price
        )
    for band in sorted(method.weight_bands, key=lambda band: band["up_to_grams"]):
        if grams <= band["up_to_grams"]:
            return band["price"]
    return None
