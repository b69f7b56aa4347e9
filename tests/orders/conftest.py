"""A small world of orders around the ``roles`` fixture's seller, for the GraphQL tests."""

from dataclasses import dataclass

import pytest

from market.orders.models import Order, SellerOrder
from market.orders.services import fulfilment
from tests.factories import UserFactory
from tests.orders.factories import lot_of, place, stocked_variant


@dataclass
class World:
    own_buyer: object
    other_buyer: object
    # The own buyer's order: a part of ``roles['seller']`` (shipped with a lot) and a
    # part of ``roles['other_seller']``.
    order: Order
    own_part: SellerOrder
    other_part: SellerOrder
    # A guest's order of ``roles['seller']``, unconfirmed.
    guest_order: Order
    guest_part: SellerOrder
    lot: object


@pytest.fixture
def world(roles) -> World:
    own_buyer, other_buyer = UserFactory(), UserFactory()
    own_variant = stocked_variant(seller=roles["seller"], quantity=20)
    other_variant = stocked_variant(seller=roles["other_seller"], quantity=20)
    order = place([(own_variant, 2), (other_variant, 1)], user=own_buyer)
    own_part = order.seller_orders.get(seller=roles["seller"])
    other_part = order.seller_orders.get(seller=roles["other_seller"])
    lot = lot_of(own_variant)
    fulfilment.seller_order_confirm(seller_order_id=own_part.pk, by=roles["own_staff"])
    fulfilment.seller_order_ship(
        seller_order_id=own_part.pk,
        by=roles["own_staff"],
        carrier="Viettel Post",
        tracking_number="VTP1",
        lines=[{"line_id": own_part.lines.get().pk, "lot_id": lot.pk}],
    )
    fulfilment.seller_order_confirm(seller_order_id=other_part.pk, by=roles["other_staff"])
    guest_order = place([(own_variant, 1)], email="khach@example.vn")
    return World(
        own_buyer=own_buyer,
        other_buyer=other_buyer,
        order=order,
        own_part=own_part,
        other_part=other_part,
        guest_order=guest_order,
        guest_part=guest_order.seller_orders.get(),
        lot=lot,
    )
