"""Demo shipping methods, so that a buyer of the demo can check out at once.

``data/shipping.json`` gives the methods every demo seller offers (a flat rate, free
delivery from an order value, pick-up at the seller) and those of a few sellers only
(by weight bands, a same-day delivery limited to two provinces). The prices are demo values,
said so in the file.

Like the traceability part of the demo, every row goes through the services
(``shipping_method_create`` and ``shipping_method_update``, as the platform: ``by=None``), so
the demo's methods obey the same rules as any seller's. Idempotence is by the method's name
within its seller: a method that exists is brought back to the file's values, a missing one
is created, and the seller's other methods are left alone.
"""

import json
from pathlib import Path

from market.checkout.models import ShippingMethod
from market.checkout.services import shipping_methods as services
from market.demo.files import DATA_DIR, DemoDataError
from market.sellers.models import Seller

SHIPPING_JSON = DATA_DIR / "shipping.json"
SHIPPING_KINDS = ("shipping_methods",)
# What an entry of the file may give, as the services name it.
_FIELDS = ("name", "kind", "price", "free_above", "weight_bands", "provinces", "is_active")


def read_shipping(path: Path = SHIPPING_JSON) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _entry_fields(entry: dict) -> dict:
    unknown = set(entry) - set(_FIELDS)
    if unknown:
        raise DemoDataError(f"shipping.json: unknown fields {sorted(unknown)} in {entry!r}")
    return {
        "price": None,
        "free_above": None,
        "weight_bands": None,
        "provinces": [],
        "is_active": True,
        **entry,
    }


def _load_method(seller: Seller, entry: dict, tally) -> ShippingMethod:
    fields = _entry_fields(entry)
    existing = ShippingMethod.objects.filter(seller=seller, name=fields["name"]).first()
    if existing is None:
        method = services.shipping_method_create(by=None, seller_id=seller.pk, **fields)
    else:
        # None means "keep" to an update: what the kind does not use is dropped by the kind.
        method = services.shipping_method_update(by=None, shipping_method_id=existing.pk, **fields)
    tally.add("shipping_methods", existing is None)
    return method


def shipping_load(*, tally, sellers: list[Seller], data: dict | None = None) -> None:
    """Give each of the demo's ``sellers`` the methods every seller offers, and those the
    file names it for."""
    data = data or read_shipping()
    unknown = set(data["sellers"]) - {seller.name for seller in sellers}
    if unknown:
        raise DemoDataError(f"shipping.json names sellers the demo does not have: {unknown}")
    for seller in sellers:
        for entry in (*data["every_seller"], *data["sellers"].get(seller.name, ())):
            _load_method(seller, entry, tally)
