"""Real concurrency on PostgreSQL: buyers in threads, each with its own connection.

Nothing is mocked: the row locks, the lock order and the re-check under the lock are
what keep the stock from going negative, one checkout from becoming two orders, and the
last units from being reserved twice.
"""

import datetime
import queue
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from catalog.models import Stock
from market.checkout import services
from market.checkout.models import (
    Checkout,
    CheckoutDelivery,
    CheckoutLine,
    Reservation,
    ShippingMethod,
)
from market.core.addresses import address_clean
from market.core.errors import DomainError
from market.orders.models import Order, OrderLine
from tests.checkout.factories import ShippingMethodFactory
from tests.checkout.flow import ADDRESS, lines_of
from tests.factories import StockFactory

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 100
UNITS = 10
# Connections at once: the server is shared and allows 100 in all.
WORKERS = 16
TIMEOUT_SECONDS = 120


def _outcome(call) -> str:
    try:
        call()
    except DomainError as error:
        refusals = getattr(error, "errors", [error])
        return ",".join(sorted({refusal.code for refusal in refusals}))
    except ValidationError as error:
        return f"invalid: {error}"
    except Exception as error:  # a deadlock or a crash: what the test looks for
        return f"crash: {type(error).__name__}: {error}"
    return "done"


def _race(calls) -> list[str]:
    """Run ``calls`` from at most ``WORKERS`` threads, released together once all are
    connected; their outcomes, in the order of ``calls``."""
    pending = queue.SimpleQueue()
    for index, call in enumerate(calls):
        pending.put((index, call))
    outcomes: list[str | None] = [None] * len(calls)
    workers = min(WORKERS, len(calls))
    start = threading.Barrier(workers, timeout=TIMEOUT_SECONDS)

    def work():
        connection.ensure_connection()
        start.wait()
        while True:
            try:
                index, call = pending.get_nowait()
            except queue.Empty:
                break
            outcomes[index] = _outcome(call)
        connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _stock(quantity: int):
    variant = StockFactory(quantity=quantity).variant
    ShippingMethodFactory(seller=variant.product.seller)
    return variant


def _checkouts_of(variant_lists) -> list[str]:
    """Guest checkouts ready for completion, one per list of variants (lines in that
    order), written directly: through the services, reservations would refuse all but
    the first buyers before the race to complete even starts."""
    address = address_clean(ADDRESS)
    tokens = []
    for variants in variant_lists:
        checkout = Checkout.objects.create(
            email="khach@example.vn", shipping_address=address, payment_method="cod"
        )
        for variant in variants:
            CheckoutLine.objects.create(
                checkout=checkout, variant=variant, quantity=1, price_when_added=variant.price
            )
        for seller_id in {variant.product.seller_id for variant in variants}:
            CheckoutDelivery.objects.create(
                checkout=checkout,
                seller_id=seller_id,
                shipping_method=ShippingMethod.objects.filter(seller_id=seller_id).first(),
            )
        tokens.append(str(checkout.token))
    return tokens


def _complete(token):
    return lambda: services.checkout_complete(by=None, token=token)


def test_a_hundred_buyers_race_for_ten_units():
    variant = _stock(UNITS)
    tokens = _checkouts_of([[variant]] * BUYERS)

    outcomes = _race([_complete(token) for token in tokens])

    assert outcomes.count("done") == UNITS, outcomes
    assert outcomes.count("INSUFFICIENT_STOCK") == BUYERS - UNITS, outcomes
    stock = Stock.objects.get(variant=variant)
    assert (stock.quantity, stock.quantity_allocated) == (UNITS, UNITS)
    assert Order.objects.count() == UNITS
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == UNITS
    assert Checkout.objects.count() == BUYERS - UNITS


def test_two_variants_locked_in_opposite_orders_never_deadlock():
    first, second = _stock(UNITS), _stock(UNITS)
    tokens = _checkouts_of(
        [[first, second] if index % 2 else [second, first] for index in range(BUYERS)]
    )

    outcomes = _race([_complete(token) for token in tokens])

    assert not [outcome for outcome in outcomes if outcome.startswith("crash")], outcomes
    assert outcomes.count("done") == UNITS, outcomes
    assert outcomes.count("INSUFFICIENT_STOCK") == BUYERS - UNITS
    for variant in (first, second):
        stock = Stock.objects.get(variant=variant)
        assert (stock.quantity, stock.quantity_allocated) == (UNITS, UNITS)


def test_one_checkout_completed_from_two_connections_gives_one_order():
    variant = _stock(UNITS)
    (token,) = _checkouts_of([[variant]])
    orders = []

    def complete():
        orders.append(services.checkout_complete(by=None, token=token).order.pk)

    outcomes = _race([complete, complete, complete, complete])

    assert outcomes == ["done"] * 4
    assert len(set(orders)) == 1
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=variant).quantity_allocated == 1


def test_two_buyers_racing_for_the_last_units_reserve_them_once():
    variant = _stock(3)
    tokens = [str(services.checkout_create(by=None).token) for _ in range(2)]

    outcomes = _race(
        [
            lambda token=token: services.checkout_lines_add(
                by=None, token=token, lines=lines_of([variant], 3)
            )
            for token in tokens
        ]
    )

    assert sorted(outcomes) == ["INSUFFICIENT_STOCK", "done"]
    assert list(Reservation.objects.values_list("quantity", flat=True)) == [3]


def test_an_ended_reservation_holds_nothing_for_the_next_buyer():
    variant = _stock(2)
    holder = services.checkout_create(by=None, lines=lines_of([variant], 2))
    Reservation.objects.filter(line__checkout=holder).update(
        reserved_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    outcomes = _race([lambda: services.checkout_create(by=None, lines=lines_of([variant], 2))])

    assert outcomes == ["done"]
    live = Reservation.objects.filter(reserved_until__gt=timezone.now())
    assert list(live.values_list("quantity", flat=True)) == [2]
