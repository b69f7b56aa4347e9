"""Helpers of the orders tests: orders placed through ``order_place``, as checkout does.

Orders are only ever written by the placement service, so the tests make them the same
way rather than through a model factory that could build what the service never would.
Catalog and seller factories come from ``tests.factories``.
"""

import uuid
from collections import defaultdict

from market.orders.models import Order
from market.orders.services.placement import PlacedGroup, PlacedLine, order_place
from tests.factories import LotFactory, MembershipFactory, StockFactory, VariantFactory

ADDRESS = {
    "full_name": "Trần Thị Mai",
    "phone": "+84905123456",
    "street": "12 Đường 16 Tháng 4",
    "ward": "Phường Phan Rang",
    "province": "Khánh Hòa",
}
SHIPPING_PRICE = 30_000


def nothing_held(_stock_ids):
    return {}


def groups_for(lines, *, shipping_price: int = SHIPPING_PRICE) -> list[PlacedGroup]:
    """One group per seller of the ``(variant, quantity)`` lines, in the order they come."""
    by_seller = defaultdict(list)
    for variant, quantity in lines:
        by_seller[variant.product.seller_id].append(
            PlacedLine(variant_id=variant.pk, quantity=quantity, unit_price=variant.price)
        )
    return [
        PlacedGroup(
            seller_id=seller_id,
            shipping_method_name="Giao hàng tiêu chuẩn",
            shipping_method_kind="flat",
            shipping_price=shipping_price,
            lines=placed,
        )
        for seller_id, placed in by_seller.items()
    ]


def place(
    lines,
    *,
    user=None,
    email: str | None = None,
    online: bool = False,
    held_elsewhere=nothing_held,
    shipping_price: int = SHIPPING_PRICE,
    language: str = "vi",
) -> Order:
    """An order of ``(variant, quantity)`` lines for ``user`` (a guest when None)."""
    return order_place(
        checkout_token=uuid.uuid4(),
        user=user,
        email=email or (user.email if user is not None else "khach@example.vn"),
        shipping_address=dict(ADDRESS),
        groups=groups_for(lines, shipping_price=shipping_price),
        payment_method="online-test" if online else "cod",
        online=online,
        language=language,
        held_elsewhere=held_elsewhere,
    )


def stocked_variant(*, seller=None, quantity: int = 50, price: int = 85_000):
    """A variant of a live product of ``seller`` (a new one when None) with its stock."""
    extra = {"product__seller": seller} if seller is not None else {}
    variant = VariantFactory(price=price, **extra)
    StockFactory(variant=variant, quantity=quantity)
    return variant


def lot_of(variant, **extra):
    """A lot of ``variant``'s product, of its seller, sold as that variant."""
    lot = LotFactory(
        product=variant.product,
        seller=variant.product.seller,
        growing_area__seller=variant.product.seller,
        **extra,
    )
    lot.variants.add(variant)
    return lot


def staff_of(seller, **extra):
    return MembershipFactory(seller=seller, **extra).user


def fuzz_objects(roles) -> tuple[list[tuple[str, object]], set[str]]:
    """For tests/core/test_fuzz_schema.py's ``known_objects``: an object of each orders type
    to find by ID (``(type name, object)``), and the texts that find them (an order's
    number and its guest token), around ``roles['seller']``.

    A buyer's order with a part of each of the roles' sellers, the seller's part shipped
    from a lot, so its line, lot and timeline are all reachable.
    """
    from market.orders.services import fulfilment

    variant = stocked_variant(seller=roles["seller"])
    other_variant = stocked_variant(seller=roles["other_seller"])
    order = place([(variant, 1), (other_variant, 1)], user=roles["buyer"])
    part = order.seller_orders.get(seller=roles["seller"])
    line = part.lines.get()
    fulfilment.seller_order_confirm(seller_order_id=part.pk, by=roles["own_staff"])
    fulfilment.seller_order_ship(
        seller_order_id=part.pk,
        by=roles["own_staff"],
        carrier="Viettel Post",
        lines=[{"line_id": line.pk, "lot_id": lot_of(variant).pk}],
    )
    guest_order = place([(variant, 1)], email="khach.fuzz@example.vn")
    objects = [
        ("Order", order),
        ("Order", guest_order),
        *(("SellerOrder", item) for item in order.seller_orders.all()),
        ("OrderLine", line),
        *(("OrderEvent", event) for event in order.events.all()),
    ]
    texts = {order.number, part.number, guest_order.number, str(guest_order.token)}
    return objects, texts
