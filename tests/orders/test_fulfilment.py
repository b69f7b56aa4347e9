"""A seller fulfils its part: the table of moves, the stock arithmetic, the lots, the
events, and the order's own status and payment state."""

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Stock
from market.core.errors import DomainError, DomainErrors, NotFound, PermissionDenied
from market.orders.models import Allocation, Order, OrderEvent, SellerOrder
from market.orders.services import fulfilment, payment, status
from tests.factories import SellerFactory, UserFactory
from tests.orders.factories import lot_of, place, staff_of, stocked_variant

pytestmark = pytest.mark.django_db
S = SellerOrder.Status


@pytest.fixture
def shop():
    seller = SellerFactory()
    variant = stocked_variant(seller=seller, quantity=10)
    buyer = UserFactory()
    order = place([(variant, 3)], user=buyer)
    return {
        "seller": seller,
        "variant": variant,
        "buyer": buyer,
        "staff": staff_of(seller),
        "order": order,
        "part": order.seller_orders.get(),
    }


def stock_of(variant) -> tuple[int, int]:
    stock = Stock.objects.get(variant=variant)
    return stock.quantity, stock.quantity_allocated


def ship(shop, **extra):
    return fulfilment.seller_order_ship(
        seller_order_id=shop["part"].pk, by=shop["staff"], carrier="Viettel Post", **extra
    )


def test_the_table_holds_every_status_and_only_known_moves():
    assert set(status.TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in status.TRANSITIONS.values())


def test_confirm_ship_deliver_close_the_order_and_consume_the_stock(shop):
    part = fulfilment.seller_order_confirm(seller_order_id=shop["part"].pk, by=shop["staff"])
    assert part.status == S.CONFIRMED
    assert part.confirmed_at is not None
    assert stock_of(shop["variant"]) == (10, 3)

    part = ship(shop, tracking_number="VTP123456")
    assert (part.status, part.carrier, part.tracking_number) == (
        S.SHIPPED,
        "Viettel Post",
        "VTP123456",
    )
    # The units left with the parcel: gone from the stock and no longer held.
    assert stock_of(shop["variant"]) == (7, 0)
    assert not Allocation.objects.exists()

    part = fulfilment.seller_order_deliver(seller_order_id=part.pk, by=shop["staff"])
    order = Order.objects.get(pk=shop["order"].pk)
    assert part.status == S.DELIVERED
    assert (order.status, order.payment_status) == (Order.Status.CLOSED, "paid")
    events = list(order.events.values_list("type", "user", "data__actor"))
    assert events == [
        ("placed", shop["buyer"].pk, "buyer"),
        ("confirmed", shop["staff"].pk, "seller"),
        ("shipped", shop["staff"].pk, "seller"),
        ("delivered", shop["staff"].pk, "seller"),
        # Cash on delivery: the money came at the door.
        ("paid", shop["staff"].pk, "seller"),
    ]


@pytest.mark.parametrize(
    ("moves", "refused"),
    [
        ([], "ship"),
        ([], "deliver"),
        (["confirm"], "confirm"),
        (["confirm"], "deliver"),
        ([], "return"),
        (["confirm", "ship"], "confirm"),
    ],
)
def test_a_move_the_table_does_not_allow_is_refused_and_changes_nothing(shop, moves, refused):
    services = {
        "confirm": lambda: fulfilment.seller_order_confirm(
            seller_order_id=shop["part"].pk, by=shop["staff"]
        ),
        "ship": lambda: ship(shop),
        "deliver": lambda: fulfilment.seller_order_deliver(
            seller_order_id=shop["part"].pk, by=shop["staff"]
        ),
        "return": lambda: fulfilment.seller_order_return(
            seller_order_id=shop["part"].pk, by=shop["staff"]
        ),
    }
    for move in moves:
        services[move]()
    before = (
        SellerOrder.objects.get().status,
        OrderEvent.objects.count(),
        stock_of(shop["variant"]),
    )
    with pytest.raises(DomainError) as error:
        services[refused]()
    assert error.value.code == "INVALID_STATUS"
    after = (
        SellerOrder.objects.get().status,
        OrderEvent.objects.count(),
        stock_of(shop["variant"]),
    )
    assert after == before


def test_an_order_awaiting_its_online_payment_is_not_confirmed_until_paid(shop):
    order = place([(shop["variant"], 1)], online=True)
    part = order.seller_orders.get()
    with pytest.raises(DomainError) as error:
        fulfilment.seller_order_confirm(seller_order_id=part.pk, by=shop["staff"])
    assert error.value.code == "INVALID_STATUS"

    paid = payment.order_mark_paid(order_id=order.pk, reference="GW-1")
    assert (paid.status, paid.payment_status, paid.expires_at) == ("placed", "paid", None)
    again = payment.order_mark_paid(order_id=order.pk, reference="GW-1")
    assert again.payment_status == "paid"
    assert order.events.filter(type="paid").count() == 1  # idempotent
    assert fulfilment.seller_order_confirm(seller_order_id=part.pk, by=shop["staff"]).status == (
        S.CONFIRMED
    )


def test_only_the_platform_or_an_operator_marks_an_order_paid(shop, roles):
    with pytest.raises(PermissionDenied):
        payment.order_mark_paid(order_id=shop["order"].pk, by=shop["buyer"])
    with pytest.raises(NotFound):
        payment.order_mark_paid(order_id=10**9, by=roles["operator"])
    assert payment.order_mark_paid(
        order_id=shop["order"].pk, by=roles["operator"]
    ).payment_status == ("paid")


def test_staff_of_another_seller_get_the_same_refusal_as_for_a_missing_part(shop, roles):
    other = roles["other_staff"]
    for pk in (shop["part"].pk, 10**9, -1, "x"):
        with pytest.raises(PermissionDenied):
            fulfilment.seller_order_confirm(seller_order_id=pk, by=other)
    with pytest.raises(NotFound):
        fulfilment.seller_order_confirm(seller_order_id=10**9, by=roles["operator"])
    assert fulfilment.seller_order_confirm(
        seller_order_id=shop["part"].pk, by=roles["operator"]
    ).status == (S.CONFIRMED)
    assert OrderEvent.objects.filter(type="confirmed").get().data["actor"] == "operator"


def test_shipping_names_the_lot_each_line_came_from(shop):
    fulfilment.seller_order_confirm(seller_order_id=shop["part"].pk, by=shop["staff"])
    lot = lot_of(shop["variant"])
    line = shop["part"].lines.get()
    ship(shop, lines=[{"line_id": line.pk, "lot_id": lot.pk}])
    line.refresh_from_db()
    assert line.lot == lot
    event = OrderEvent.objects.get(type="shipped")
    assert event.data["lots"] == {str(line.pk): lot.code}


def test_a_lot_of_another_product_or_seller_is_refused_with_every_bad_line(shop):
    fulfilment.seller_order_confirm(seller_order_id=shop["part"].pk, by=shop["staff"])
    line = shop["part"].lines.get()
    other_product = lot_of(stocked_variant(seller=shop["seller"]))
    other_seller = lot_of(stocked_variant())
    cases = [
        [{"line_id": line.pk, "lot_id": other_product.pk}],
        [{"line_id": line.pk, "lot_id": other_seller.pk}],
        [{"line_id": line.pk, "lot_id": 10**9}],
    ]
    for lines in cases:
        with pytest.raises(DomainErrors) as refused:
            ship(shop, lines=lines)
        assert [(e.code, e.field) for e in refused.value.errors] == [
            ("INVALID_LOT", "lines.0.lot_id")
        ]
    # Another seller's lot answers exactly as a missing one: nothing to probe.
    with pytest.raises(DomainErrors) as foreign:
        ship(shop, lines=cases[1])
    with pytest.raises(DomainErrors) as missing:
        ship(shop, lines=cases[2])
    assert foreign.value.errors[0].message == missing.value.errors[0].message
    with pytest.raises(DomainErrors) as refused:
        ship(
            shop,
            lines=[
                {"line_id": line.pk, "lot_id": lot_of(shop["variant"]).pk},
                {"line_id": line.pk, "lot_id": lot_of(shop["variant"]).pk},
                {"line_id": 10**9, "lot_id": 1},
            ],
        )
    assert [e.field for e in refused.value.errors] == ["lines.1.line_id", "lines.2.line_id"]
    assert SellerOrder.objects.get().status == S.CONFIRMED
    assert stock_of(shop["variant"]) == (10, 3)


def test_a_carrier_is_required_unless_the_buyer_picks_up(shop):
    fulfilment.seller_order_confirm(seller_order_id=shop["part"].pk, by=shop["staff"])
    with pytest.raises(ValidationError) as refused:
        fulfilment.seller_order_ship(seller_order_id=shop["part"].pk, by=shop["staff"])
    assert refused.value.error_dict["carrier"][0].code == "REQUIRED"
    with pytest.raises(ValidationError) as refused:
        ship(shop, tracking_number="9" * 65)
    assert refused.value.error_dict["tracking_number"][0].code == "TOO_LONG"
    SellerOrder.objects.filter(pk=shop["part"].pk).update(shipping_method_kind="pickup")
    part = fulfilment.seller_order_ship(seller_order_id=shop["part"].pk, by=shop["staff"])
    assert part.status == S.SHIPPED


def _delivered(shop):
    fulfilment.seller_order_confirm(seller_order_id=shop["part"].pk, by=shop["staff"])
    ship(shop)
    fulfilment.seller_order_deliver(seller_order_id=shop["part"].pk, by=shop["staff"])


def test_a_return_of_perishables_does_not_put_them_back_on_sale(shop):
    _delivered(shop)
    part = fulfilment.seller_order_return(
        seller_order_id=shop["part"].pk, by=shop["staff"], reason="Nho bị dập"
    )
    assert part.status == S.RETURNED
    assert stock_of(shop["variant"]) == (7, 0)
    event = OrderEvent.objects.get(type="returned")
    assert (event.data["reason"], event.data["restocked"]) == ("Nho bị dập", 0)
    assert Order.objects.get().status == Order.Status.CLOSED


def test_a_return_may_restock_a_shelf_stable_item(shop):
    _delivered(shop)
    fulfilment.seller_order_return(seller_order_id=shop["part"].pk, by=shop["staff"], restock=True)
    assert stock_of(shop["variant"]) == (10, 0)
    assert OrderEvent.objects.get(type="returned").data["restocked"] == 3


def test_the_order_closes_only_when_every_part_is_done():
    first, second = stocked_variant(), stocked_variant()
    order = place([(first, 1), (second, 1)])
    parts = list(order.seller_orders.order_by("pk"))
    staff = [staff_of(part.seller) for part in parts]
    for part, member in zip(parts, staff, strict=True):
        fulfilment.seller_order_confirm(seller_order_id=part.pk, by=member)
    fulfilment.seller_order_ship(seller_order_id=parts[0].pk, by=staff[0], carrier="GHN")
    fulfilment.seller_order_deliver(seller_order_id=parts[0].pk, by=staff[0])
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "unpaid")
    fulfilment.seller_order_ship(seller_order_id=parts[1].pk, by=staff[1], carrier="GHN")
    fulfilment.seller_order_deliver(seller_order_id=parts[1].pk, by=staff[1])
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("closed", "paid")
    assert order.events.get(type="paid").data["amount"] == order.total


def test_a_variant_with_held_units_stays_and_a_shipped_line_keeps_its_snapshot(shop):
    from catalog.services.variants import variant_delete

    owner = staff_of(shop["seller"], role="owner")
    with pytest.raises(DomainError) as refused:
        variant_delete(by=owner, variant_id=shop["variant"].pk)
    assert refused.value.code == "CANNOT_DELETE"

    fulfilment.seller_order_confirm(seller_order_id=shop["part"].pk, by=shop["staff"])
    ship(shop)
    variant_delete(by=owner, variant_id=shop["variant"].pk)
    line = shop["part"].lines.get()
    assert line.variant is None
    assert (line.sku, line.product_name) == (shop["variant"].sku, shop["variant"].product.name)
