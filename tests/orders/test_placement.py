"""Placing an order: stock locked, re-checked and allocated, the order split per seller,
nothing half-done, and no overselling or deadlock under real concurrency on PostgreSQL."""

import threading
import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from catalog.models import Stock
from market.core.errors import DomainErrors
from market.orders import selectors
from market.orders.models import Allocation, Order, OrderEvent, OrderLine, SellerOrder
from market.orders.services import placement
from tests.factories import SellerFactory, UserFactory, VariantFactory
from tests.orders.factories import ADDRESS, groups_for, nothing_held, place, stocked_variant


@pytest.mark.django_db
def test_an_order_is_split_per_seller_with_snapshots_totals_and_allocations():
    buyer = UserFactory()
    garlic = stocked_variant(quantity=10, price=120_000)
    grapes = stocked_variant(quantity=5, price=85_000)
    wine = stocked_variant(seller=grapes.product.seller, quantity=5, price=200_000)

    order = place([(garlic, 2), (grapes, 1), (wine, 3)], user=buyer, shipping_price=30_000)

    assert order.number.startswith("OCOP-")
    assert len(order.number.split("-")[2]) == 6
    assert order.status == Order.Status.PLACED
    assert order.expires_at is None
    assert order.user == buyer
    assert order.email == buyer.email
    assert order.shipping_address == ADDRESS
    assert (order.subtotal, order.shipping_total) == (240_000 + 85_000 + 600_000, 60_000)
    assert order.total == order.subtotal + order.shipping_total
    parts = list(order.seller_orders.order_by("pk"))
    assert [part.number for part in parts] == [f"{order.number}-1", f"{order.number}-2"]
    assert [part.seller_id for part in parts] == [
        garlic.product.seller_id,
        grapes.product.seller_id,
    ]
    assert [(part.subtotal, part.total) for part in parts] == [
        (240_000, 270_000),
        (685_000, 715_000),
    ]
    line = OrderLine.objects.get(seller_order=parts[1], variant=wine)
    assert (line.product_name, line.variant_name, line.sku) == (
        wine.product.name,
        wine.name,
        wine.sku,
    )
    assert (line.unit_price, line.quantity, line.total) == (200_000, 3, 600_000)
    assert line.allocation.quantity == 3
    assert Stock.objects.get(variant=wine).quantity_allocated == 3
    assert Stock.objects.get(variant=garlic).quantity_allocated == 2
    assert Stock.objects.get(variant=garlic).quantity == 10
    assert list(order.events.values_list("type", "user")) == [("placed", buyer.pk)]
    assert selectors.order_for_checkout(order.checkout_token) == order
    assert selectors.order_for_checkout(uuid.uuid4()) is None
    assert selectors.order_for_checkout("not a uuid") is None


@pytest.mark.django_db
def test_numbers_count_up_per_year():
    variant = stocked_variant()
    first, second = place([(variant, 1)]), place([(variant, 1)])
    year, number = first.number.split("-")[1:]
    assert second.number == f"OCOP-{year}-{int(number) + 1:06d}"


@pytest.mark.django_db
def test_an_online_order_waits_unpaid_until_it_expires(settings):
    settings.ORDER_PAYMENT_MINUTES = 45
    order = place([(stocked_variant(), 1)], online=True)
    assert order.status == Order.Status.UNPAID
    minutes = (order.expires_at - order.created_at).total_seconds() / 60
    assert 44.9 < minutes < 45.1


@pytest.mark.django_db
def test_every_short_line_is_refused_at_once_and_nothing_is_written():
    plenty = stocked_variant(quantity=10)
    short = stocked_variant(quantity=3)
    unstocked = VariantFactory()
    Stock.objects.filter(variant=short).update(quantity_allocated=1)

    with pytest.raises(DomainErrors) as refused:
        place([(plenty, 1), (short, 3), (unstocked, 1)])

    errors = refused.value.errors
    assert [(e.code, e.field) for e in errors] == [
        ("INSUFFICIENT_STOCK", "lines.1"),
        ("INSUFFICIENT_STOCK", "lines.2"),
    ]
    assert errors[0].details == {"variant_id": short.pk, "available": 2}
    assert errors[1].details == {"variant_id": unstocked.pk, "available": 0}
    assert not Order.objects.exists()
    assert not Allocation.objects.exists()
    assert Stock.objects.get(variant=plenty).quantity_allocated == 0


@pytest.mark.django_db
def test_units_held_by_other_checkouts_are_read_under_the_lock_and_not_sold():
    variant = stocked_variant(quantity=5)
    stock = Stock.objects.get(variant=variant)
    asked = []

    def held(stock_ids):
        asked.append((stock_ids, connection.in_atomic_block))
        return {stock.pk: 4}

    with pytest.raises(DomainErrors) as refused:
        place([(variant, 2)], held_elsewhere=held)
    assert refused.value.errors[0].details["available"] == 1
    assert asked == [([stock.pk], True)]
    assert place([(variant, 1)], held_elsewhere=held).total > 0


@pytest.mark.django_db
def test_a_variant_in_two_lines_is_counted_once_against_its_stock():
    variant = stocked_variant(quantity=3)
    groups = groups_for([(variant, 2)])
    doubled = [
        placement.PlacedGroup(
            **{**groups[0].__dict__, "lines": [groups[0].lines[0], groups[0].lines[0]]}
        )
    ]
    with pytest.raises(DomainErrors) as refused:
        placement.order_place(
            checkout_token=uuid.uuid4(),
            user=None,
            email="khach@example.vn",
            shipping_address=ADDRESS,
            groups=doubled,
            payment_method="cod",
            online=False,
            language="vi",
            held_elsewhere=nothing_held,
        )
    assert [(e.field, e.details["available"]) for e in refused.value.errors] == [("lines.1", 1)]


@pytest.mark.django_db
def test_a_line_in_another_sellers_group_is_refused():
    variant = stocked_variant()
    group = groups_for([(variant, 1)])[0]
    wrong = placement.PlacedGroup(**{**group.__dict__, "seller_id": SellerFactory().pk})
    with pytest.raises(placement.DomainError) as refused:
        placement.order_place(
            checkout_token=uuid.uuid4(),
            user=None,
            email="khach@example.vn",
            shipping_address=ADDRESS,
            groups=[wrong],
            payment_method="cod",
            online=False,
            language="vi",
            held_elsewhere=nothing_held,
        )
    assert (refused.value.code, refused.value.field) == ("INVALID", "lines.0")


@pytest.mark.django_db(transaction=True)
def test_a_crash_after_allocation_leaves_nothing_half_done(monkeypatch):
    variant = stocked_variant(quantity=5)

    def crash(order, *, user):
        assert Allocation.objects.filter(order_line__seller_order__order=order).exists()
        raise RuntimeError("the server died after allocating")

    monkeypatch.setattr(placement, "_record_placed", crash)
    with pytest.raises(RuntimeError):
        place([(variant, 2)])

    assert Stock.objects.get(variant=variant).quantity_allocated == 0
    assert not Allocation.objects.exists()
    assert not Order.objects.exists()
    assert not SellerOrder.objects.exists()
    assert not OrderLine.objects.exists()
    assert not OrderEvent.objects.exists()
    # The number was not used up either: the next order takes it.
    monkeypatch.undo()
    assert place([(variant, 1)]).number.endswith("-000001")


@pytest.mark.django_db(transaction=True)
def test_a_line_the_database_refuses_rolls_back_the_allocations_too():
    """A row that violates a constraint after the stock was allocated (a negative price
    slipped past the checks) takes the allocation down with it."""
    variant = stocked_variant(quantity=5)
    line = placement.PlacedLine(variant_id=variant.pk, quantity=1, unit_price=10)
    group = placement.PlacedGroup(
        seller_id=variant.product.seller_id,
        shipping_method_name="x" * 129,  # longer than the column: refused by PostgreSQL
        shipping_method_kind="flat",
        shipping_price=0,
        lines=[line],
    )
    from django.db import DataError

    with pytest.raises(DataError):
        placement.order_place(
            checkout_token=uuid.uuid4(),
            user=None,
            email="khach@example.vn",
            shipping_address=ADDRESS,
            groups=[group],
            payment_method="cod",
            online=False,
            language="vi",
            held_elsewhere=nothing_held,
        )
    assert Stock.objects.get(variant=variant).quantity_allocated == 0
    assert not Order.objects.exists()
    assert not Allocation.objects.exists()


# ---------------------------------------------------------------- real concurrency

# The threads share one PostgreSQL server (max_connections 100) with other test runs:
# at most this many hold a connection at once, all released together at a barrier.
CONNECTIONS_AT_ONCE = 16


def _race(buyers: int, attempt) -> list:
    """Run ``attempt(i)`` in ``buyers`` threads, each with its own connection; returns
    what each returned or raised."""
    results: list = [None] * buyers
    gate = threading.BoundedSemaphore(CONNECTIONS_AT_ONCE)
    start = threading.Event()

    def run(index):
        start.wait()
        with gate:
            try:
                with transaction.atomic():
                    results[index] = attempt(index)
            except Exception as exc:
                results[index] = exc
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(buyers)]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _assert_stock_consistent(*variants):
    for variant in variants:
        stock = Stock.objects.get(variant=variant)
        held = Allocation.objects.filter(stock=stock).aggregate(units=Sum("quantity"))["units"]
        assert 0 <= stock.quantity_allocated <= stock.quantity
        assert stock.quantity_allocated == (held or 0)


@pytest.mark.django_db(transaction=True)
def test_a_hundred_buyers_race_for_ten_units_and_exactly_ten_are_sold():
    variant = stocked_variant(quantity=10)

    results = _race(100, lambda _i: place([(variant, 1)]))

    orders = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if isinstance(result, DomainErrors)]
    assert [r for r in results if not isinstance(r, Order | DomainErrors)] == []
    assert (len(orders), len(refused)) == (10, 90)
    assert {error.errors[0].code for error in refused} == {"INSUFFICIENT_STOCK"}
    assert {error.errors[0].details["available"] for error in refused} == {0}
    assert Order.objects.count() == 10
    assert len({order.number for order in orders}) == 10
    stock = Stock.objects.get(variant=variant)
    assert (stock.quantity, stock.quantity_allocated) == (10, 10)
    _assert_stock_consistent(variant)


@pytest.mark.django_db(transaction=True)
def test_two_variants_locked_in_opposite_line_orders_do_not_deadlock():
    seller = SellerFactory()
    first = stocked_variant(seller=seller, quantity=10)
    second = stocked_variant(seller=seller, quantity=10)

    def attempt(index):
        lines = [(first, 1), (second, 1)]
        return place(lines if index % 2 else lines[::-1])

    results = _race(40, attempt)

    unexpected = [r for r in results if not isinstance(r, Order | DomainErrors)]
    assert unexpected == []  # a deadlock would surface as an OperationalError here
    orders = [result for result in results if isinstance(result, Order)]
    assert len(orders) == 10
    assert Stock.objects.get(variant=first).quantity_allocated == 10
    assert Stock.objects.get(variant=second).quantity_allocated == 10
    _assert_stock_consistent(first, second)
