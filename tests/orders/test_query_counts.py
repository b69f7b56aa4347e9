"""A page of orders or seller orders costs the same number of SQL queries at any size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from market.orders.services import fulfilment
from tests.factories import UserFactory
from tests.orders.factories import lot_of, place, stocked_variant

pytestmark = pytest.mark.django_db

LINES = (
    "lines { sku unitPrice { amount } total { amount } variant { sku stock { quantity } }"
    " lot { code } traceUrl }"
)
PART = f"number status seller {{ name }} {LINES}"
ORDER = f"""number total {{ amount }} status shippingAddress {{ province }}
    sellerOrders {{ {PART} }}
    events {{ type actor sellerOrder {{ number }} }}"""
SELLER_ORDERS = f"""query($first: Int) {{ sellerOrders(first: $first) {{ totalCount
    edges {{ node {{ {PART} order {{ number sellerOrders {{ number }} events {{ type }} }} }} }}
}} }}"""
ORDERS = f"""query($first: Int) {{ orders(first: $first) {{ totalCount
    edges {{ node {{ {ORDER} }} }} }} }}"""
ME_ORDERS = (
    f"query($first: Int) {{ me {{ orders(first: $first) {{ edges {{ node {{ {ORDER} }} }} }} }} }}"
)


@pytest.fixture
def many(roles):
    buyer = UserFactory()
    seller, other = roles["seller"], roles["other_seller"]
    variants = [stocked_variant(seller=seller), stocked_variant(seller=seller)]
    other_variant = stocked_variant(seller=other)
    lots = [lot_of(variant) for variant in variants]
    for _ in range(6):
        order = place([(variants[0], 1), (variants[1], 2), (other_variant, 1)], user=buyer)
        part = order.seller_orders.get(seller=seller)
        fulfilment.seller_order_confirm(seller_order_id=part.pk, by=roles["own_staff"])
        fulfilment.seller_order_ship(
            seller_order_id=part.pk,
            by=roles["own_staff"],
            carrier="GHN",
            lines=[
                {"line_id": line.pk, "lot_id": lot.pk}
                for line, lot in zip(part.lines.order_by("pk"), lots, strict=True)
            ],
        )
    return buyer


def count(graphql, auth_headers, user, query, first) -> int:
    with CaptureQueriesContext(connection) as captured:
        status, body = graphql(query, {"first": first}, **auth_headers(user))
    assert status == 200
    assert "errors" not in body, body
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("query", "who"),
    [(SELLER_ORDERS, "own_staff"), (SELLER_ORDERS, "operator"), (ORDERS, "operator")],
)
def test_lists_cost_the_same_at_two_page_sizes(graphql, auth_headers, roles, many, query, who):
    small = count(graphql, auth_headers, roles[who], query, 2)
    large = count(graphql, auth_headers, roles[who], query, 6)
    assert small == large


def test_me_orders_cost_the_same_at_two_page_sizes(graphql, auth_headers, many):
    assert count(graphql, auth_headers, many, ME_ORDERS, 2) == count(
        graphql, auth_headers, many, ME_ORDERS, 6
    )


def test_a_page_of_orders_costs_a_known_number_of_queries(graphql, auth_headers, roles, many):
    # The user, the count and the page, then one query per related field: seller orders,
    # events, the events' seller orders, lines, sellers, variants (with stock), lots.
    assert count(graphql, auth_headers, roles["operator"], ORDERS, 6) == 10
