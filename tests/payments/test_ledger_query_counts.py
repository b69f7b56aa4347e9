"""A statement costs the same number of SQL queries however many seller orders it holds:
through GraphQL (a page of lines, their seller orders and the totals) and as CSV or XLSX."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from market.orders.services import cancellation, fulfilment
from payments.services.cod import seller_order_cash_collect
from payments.services.refunds import cancelled_parts_refund
from tests.orders.factories import stocked_variant
from tests.payments.ledger_world import (
    JANUARY,
    RATES,
    STATEMENT,
    clock_at,
    pay,
    place,
    variables,
    vietnam,
)

pytestmark = pytest.mark.django_db

# The caller (JWT), the ownership, the seller; then the totals (every line), the lines'
# count and their page. The seller orders' own fields come with the page.
GRAPHQL_QUERIES = 6
# The caller, whether it owns any seller, the ownership, the seller, the lines.
DOWNLOAD_QUERIES = 5


@pytest.fixture
def shop(roles, settings):
    settings.MARKETPLACE_COMMISSION_RATES = RATES
    settings.PAYMENT_METHODS = ["cod", "vnpay", "vietqr"]
    seller, staff = roles["seller"], roles["own_staff"]
    variant = stocked_variant(seller=seller, quantity=500, price=85_050)
    other_variant = stocked_variant(seller=roles["other_seller"], quantity=500)
    made = {"count": 0}

    def add(count: int) -> None:
        """``count`` more rounds of three parts: paid online, cancelled and refunded after
        payment, and cash collected."""
        for _ in range(count):
            made["count"] += 1
            day = 1 + made["count"] % 28
            with clock_at(vietnam(1, day, 9)):
                paid = place(
                    [(variant, 1), (other_variant, 1)], method="vnpay", buyer=roles["buyer"]
                )
                pay(paid, "vnpay", transaction_id=f"VNP{made['count']}")
                refunded = place([(variant, 2)], method="vietqr", buyer=roles["buyer"])
                pay(refunded, "vietqr", transaction_id=f"sepay:{made['count']}")
                cancellation.seller_order_cancel(
                    seller_order_id=refunded.seller_orders.get().pk, by=staff, reason="Hết hàng"
                )
                assert cancelled_parts_refund() == 1
                cash = place([(variant, 1)], method="cod", buyer=roles["buyer"])
                part = cash.seller_orders.get()
                fulfilment.seller_order_confirm(seller_order_id=part.pk, by=staff)
                fulfilment.seller_order_ship(seller_order_id=part.pk, by=staff, carrier="VNPost")
                fulfilment.seller_order_deliver(seller_order_id=part.pk, by=staff)
                seller_order_cash_collect(seller_order_id=part.pk, by=staff)

    return add


def graphql_queries(graphql, auth_headers, user, seller) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(
            STATEMENT, variables(seller, JANUARY, first=100), **auth_headers(user)
        )
    assert status == 200
    assert "errors" not in body, body
    return len(queries), body["data"]["sellerStatement"]


def download_queries(client, auth_headers, user, seller, extension: str) -> int:
    first, last = JANUARY
    query = urlencode({"seller": to_global_id("Seller", seller.pk), "from": first, "to": last})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/payments/statement.{extension}?{query}", **auth_headers(user))
        assert response.status_code == 200
        b"".join(response.streaming_content)
    return len(queries)


def test_the_graphql_statement_costs_the_same_at_any_size(graphql, auth_headers, roles, shop):
    owner = roles["own_owner"]
    shop(2)
    small, small_statement = graphql_queries(graphql, auth_headers, owner, roles["seller"])
    shop(6)
    large, large_statement = graphql_queries(graphql, auth_headers, owner, roles["seller"])

    assert small_statement["totals"]["lineCount"] == 6
    assert large_statement["totals"]["lineCount"] == 24
    assert len(large_statement["lines"]["edges"]) == 24
    assert small == large == GRAPHQL_QUERIES


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_download_costs_the_same_at_any_size(client, auth_headers, roles, shop, extension):
    owner = roles["own_owner"]
    shop(2)
    small = download_queries(client, auth_headers, owner, roles["seller"], extension)
    shop(6)
    large = download_queries(client, auth_headers, owner, roles["seller"], extension)

    assert small == large == DOWNLOAD_QUERIES
