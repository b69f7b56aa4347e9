"""Cancelling: the seller's staff with a reason, the buyer (or a guest by token) before it
ships, a whole order; the held stock always goes back."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Sum

from catalog.models import Stock
from market.core.errors import DomainError, NotFound, PermissionDenied
from market.orders.models import Allocation, Order, OrderEvent, SellerOrder
from market.orders.services import cancellation, fulfilment
from tests.factories import UserFactory
from tests.orders.factories import place, staff_of, stocked_variant

pytestmark = pytest.mark.django_db
S = SellerOrder.Status


def allocated(variant) -> int:
    return Stock.objects.get(variant=variant).quantity_allocated


def held_rows(variant) -> int:
    return Allocation.objects.filter(stock__variant=variant).aggregate(n=Sum("quantity"))["n"] or 0


@pytest.fixture
def two_sellers():
    first, second = stocked_variant(quantity=5), stocked_variant(quantity=5)
    buyer = UserFactory()
    order = place([(first, 2), (second, 1)], user=buyer)
    parts = list(order.seller_orders.order_by("pk"))
    return {
        "variants": (first, second),
        "buyer": buyer,
        "order": order,
        "parts": parts,
        "staff": [staff_of(part.seller) for part in parts],
    }


def test_staff_cancel_with_a_reason_and_the_stock_goes_back(two_sellers):
    part = two_sellers["parts"][0]
    first = two_sellers["variants"][0]
    with pytest.raises(ValidationError) as refused:
        cancellation.seller_order_cancel(seller_order_id=part.pk, by=two_sellers["staff"][0])
    assert refused.value.error_dict["reason"][0].code == "REQUIRED"
    assert allocated(first) == 2

    cancelled = cancellation.seller_order_cancel(
        seller_order_id=part.pk, by=two_sellers["staff"][0], reason="Hết hàng vụ này"
    )
    assert (cancelled.status, cancelled.cancel_reason) == (S.CANCELLED, "Hết hàng vụ này")
    assert cancelled.cancelled_at is not None
    assert allocated(first) == held_rows(first) == 0
    event = OrderEvent.objects.get(type="cancelled")
    assert (event.seller_order, event.data["actor"], event.data["reason"]) == (
        part,
        "seller",
        "Hết hàng vụ này",
    )
    # The other seller's part goes on: the order is neither cancelled nor closed.
    assert Order.objects.get().status == "placed"


def test_the_buyer_cancels_a_part_before_it_ships_without_a_reason(two_sellers):
    first_part, second_part = two_sellers["parts"]
    cancelled = cancellation.seller_order_cancel(
        seller_order_id=first_part.pk, by=two_sellers["buyer"]
    )
    assert cancelled.status == S.CANCELLED
    assert OrderEvent.objects.get(type="cancelled").data["actor"] == "buyer"

    staff = two_sellers["staff"][1]
    fulfilment.seller_order_confirm(seller_order_id=second_part.pk, by=staff)
    fulfilment.seller_order_ship(seller_order_id=second_part.pk, by=staff, carrier="GHTK")
    with pytest.raises(DomainError) as refused:
        cancellation.seller_order_cancel(seller_order_id=second_part.pk, by=two_sellers["buyer"])
    assert refused.value.code == "INVALID_STATUS"


def test_a_guest_cancels_with_the_orders_token_and_nobody_without_it():
    guest = AnonymousUser()
    variant = stocked_variant()
    order = place([(variant, 1)])
    part = order.seller_orders.get()
    with pytest.raises(PermissionDenied) as refused:
        cancellation.seller_order_cancel(seller_order_id=part.pk, by=guest)
    assert refused.value.code == "AUTHENTICATION_REQUIRED"
    for token in (str(uuid.uuid4()), "not-a-token"):
        with pytest.raises(PermissionDenied) as refused:
            cancellation.seller_order_cancel(seller_order_id=part.pk, by=guest, token=token)
        assert refused.value.code == "PERMISSION_DENIED"
    cancelled = cancellation.seller_order_cancel(
        seller_order_id=part.pk, by=guest, token=str(order.token)
    )
    assert cancelled.status == S.CANCELLED
    event = OrderEvent.objects.get(type="cancelled")
    assert (event.user, event.data["actor"]) == (None, "buyer")
    assert Order.objects.get().status == Order.Status.CANCELLED
    assert allocated(variant) == 0


def test_another_buyer_is_refused_as_for_a_missing_order(two_sellers, roles):
    stranger = UserFactory()
    part = two_sellers["parts"][0]
    for pk in (part.pk, 10**9):
        with pytest.raises(PermissionDenied):
            cancellation.seller_order_cancel(seller_order_id=pk, by=stranger)
        with pytest.raises(PermissionDenied):
            cancellation.order_cancel(order_id=pk, by=stranger)
    with pytest.raises(NotFound):
        cancellation.order_cancel(order_id=10**9, by=roles["operator"])
    assert SellerOrder.objects.filter(status=S.CANCELLED).count() == 0


def test_order_cancel_cancels_every_part_not_shipped_and_leaves_shipped_ones(two_sellers):
    first_part, second_part = two_sellers["parts"]
    staff = two_sellers["staff"][1]
    fulfilment.seller_order_confirm(seller_order_id=second_part.pk, by=staff)
    fulfilment.seller_order_ship(seller_order_id=second_part.pk, by=staff, carrier="GHTK")

    order = cancellation.order_cancel(order_id=two_sellers["order"].pk, by=two_sellers["buyer"])
    statuses = dict(SellerOrder.objects.values_list("pk", "status"))
    assert statuses == {first_part.pk: S.CANCELLED, second_part.pk: S.SHIPPED}
    assert order.status == "placed"
    first, second = two_sellers["variants"]
    assert allocated(first) == 0
    assert Stock.objects.get(variant=second).quantity == 4

    with pytest.raises(DomainError) as refused:
        cancellation.order_cancel(order_id=order.pk, by=two_sellers["buyer"])
    assert refused.value.code == "INVALID_STATUS"


def test_order_cancel_of_everything_cancels_the_order(two_sellers, roles):
    order = cancellation.order_cancel(
        order_id=two_sellers["order"].pk, by=roles["operator"], reason="Khách gọi hủy"
    )
    assert order.status == Order.Status.CANCELLED
    assert order.payment_status == "unpaid"
    assert [e.data["actor"] for e in order.events.filter(type="cancelled")] == ["operator"] * 2
    assert all(allocated(variant) == 0 for variant in two_sellers["variants"])


def test_staff_may_not_cancel_a_whole_order(two_sellers):
    with pytest.raises(PermissionDenied):
        cancellation.order_cancel(order_id=two_sellers["order"].pk, by=two_sellers["staff"][0])


def test_a_reason_too_long_is_refused(two_sellers):
    with pytest.raises(ValidationError) as refused:
        cancellation.seller_order_cancel(
            seller_order_id=two_sellers["parts"][0].pk,
            by=two_sellers["staff"][0],
            reason="x" * 1001,
        )
    assert refused.value.error_dict["reason"][0].code == "TOO_LONG"
