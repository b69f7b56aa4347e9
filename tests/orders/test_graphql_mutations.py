"""Orders mutations through /graphql/: typed errors named as the client sent them,
nothing half-done, payloads that show what the caller may see."""

import pytest
from graphql_relay import to_global_id

from catalog.models import Stock
from market.orders.models import SellerOrder
from tests.orders.factories import lot_of
from traceability.resolver_trace import lot_uri

pytestmark = pytest.mark.django_db

FULFILL = """
mutation($id: ID!, $input: SellerOrderFulfillInput!) {
  sellerOrderFulfill(id: $id, input: $input) {
    sellerOrder { status carrier trackingNumber lines { lot { code } traceUrl } }
    errors { field code message }
  }
}
"""
CONFIRM = """mutation($id: ID!) { sellerOrderConfirm(id: $id) {
  sellerOrder { status confirmedAt } errors { field code message } } }"""
CANCEL = """mutation($id: ID!, $reason: String, $token: String) {
  sellerOrderCancel(id: $id, reason: $reason, token: $token) {
    sellerOrder { status cancelReason order { total { amount } sellerOrders { number } } }
    errors { field code message } } }"""
ORDER_CANCEL = """mutation($id: ID!, $token: String) { orderCancel(id: $id, token: $token) {
  order { status total { amount } sellerOrders { status } } errors { field code message } } }"""


def run(graphql, auth_headers, user, document, variables, name):
    status, body = graphql(document, variables, **auth_headers(user))
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"][name]


def test_confirming_twice_is_a_typed_invalid_status(graphql, auth_headers, world, roles):
    variables = {"id": to_global_id("SellerOrder", world.guest_part.pk)}
    done = run(graphql, auth_headers, roles["own_staff"], CONFIRM, variables, "sellerOrderConfirm")
    assert done["sellerOrder"]["status"] == "CONFIRMED"
    assert done["sellerOrder"]["confirmedAt"]
    again = run(graphql, auth_headers, roles["own_staff"], CONFIRM, variables, "sellerOrderConfirm")
    assert again["sellerOrder"] is None
    assert [(e["field"], e["code"]) for e in again["errors"]] == [(None, "INVALID_STATUS")]


def test_fulfil_with_a_lot_links_the_trace_and_bad_lots_are_named_as_sent(
    graphql, auth_headers, world, roles
):
    part = world.other_part  # confirmed in the world, of roles["other_seller"]
    line = part.lines.get()
    foreign_lot = world.lot  # a lot of roles["seller"]
    variables = {
        "id": to_global_id("SellerOrder", part.pk),
        "input": {
            "carrier": "Giao Hàng Nhanh",
            "lines": [
                {
                    "line": to_global_id("OrderLine", line.pk),
                    "lot": to_global_id("Lot", foreign_lot.pk),
                },
                {"line": to_global_id("OrderLine", 10**9), "lot": to_global_id("Lot", 1)},
            ],
        },
    }
    staff = roles["other_staff"]
    refused = run(graphql, auth_headers, staff, FULFILL, variables, "sellerOrderFulfill")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("lines.0.lot", "INVALID_LOT"),
        ("lines.1.line", "INVALID"),
    ]
    assert SellerOrder.objects.get(pk=part.pk).status == "confirmed"

    bad_id = {**variables, "input": {**variables["input"], "lines": [{"line": "x", "lot": "y"}]}}
    refused = run(graphql, auth_headers, staff, FULFILL, bad_id, "sellerOrderFulfill")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("lines.0.line", "INVALID_ID")]

    own_lot = lot_of(line.variant)
    variables["input"]["lines"] = [
        {"line": to_global_id("OrderLine", line.pk), "lot": to_global_id("Lot", own_lot.pk)}
    ]
    shipped = run(graphql, auth_headers, staff, FULFILL, variables, "sellerOrderFulfill")
    assert shipped["errors"] == []
    assert shipped["sellerOrder"]["status"] == "SHIPPED"
    assert shipped["sellerOrder"]["lines"][0]["lot"] == {"code": own_lot.code}
    assert shipped["sellerOrder"]["lines"][0]["traceUrl"] == lot_uri(own_lot)


def test_fulfil_without_a_carrier_names_the_input_field(graphql, auth_headers, world, roles):
    variables = {"id": to_global_id("SellerOrder", world.other_part.pk), "input": {}}
    refused = run(
        graphql, auth_headers, roles["other_staff"], FULFILL, variables, "sellerOrderFulfill"
    )
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("carrier", "REQUIRED")]


def test_staff_must_give_a_reason_and_the_stock_goes_back(graphql, auth_headers, world, roles):
    variant = world.guest_part.lines.get().variant
    held = Stock.objects.get(variant=variant).quantity_allocated
    variables = {"id": to_global_id("SellerOrder", world.guest_part.pk)}
    refused = run(graphql, auth_headers, roles["own_staff"], CANCEL, variables, "sellerOrderCancel")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("reason", "REQUIRED")]
    done = run(
        graphql,
        auth_headers,
        roles["own_staff"],
        CANCEL,
        {**variables, "reason": "Hết hàng"},
        "sellerOrderCancel",
    )
    assert done["sellerOrder"]["status"] == "CANCELLED"
    assert done["sellerOrder"]["cancelReason"] == "Hết hàng"
    assert done["sellerOrder"]["order"]["total"] is None  # staff see no order totals
    assert Stock.objects.get(variant=variant).quantity_allocated == held - 1


def test_a_guest_cancelling_by_token_sees_their_whole_order(graphql, auth_headers, world):
    variables = {
        "id": to_global_id("Order", world.guest_order.pk),
        "token": str(world.guest_order.token),
    }
    done = run(graphql, auth_headers, None, ORDER_CANCEL, variables, "orderCancel")
    assert done["errors"] == []
    assert done["order"] == {
        "status": "CANCELLED",
        "total": {"amount": world.guest_order.total},
        "sellerOrders": [{"status": "CANCELLED"}],
    }


def test_the_buyer_cancels_what_has_not_shipped(graphql, auth_headers, world):
    variables = {"id": to_global_id("Order", world.order.pk)}
    done = run(graphql, auth_headers, world.own_buyer, ORDER_CANCEL, variables, "orderCancel")
    assert done["errors"] == []
    assert sorted(part["status"] for part in done["order"]["sellerOrders"]) == [
        "CANCELLED",
        "SHIPPED",
    ]
    assert done["order"]["status"] == "PLACED"
    again = run(graphql, auth_headers, world.own_buyer, ORDER_CANCEL, variables, "orderCancel")
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATUS"]


def test_an_id_of_another_type_is_a_typed_error(graphql, auth_headers, world, roles):
    variables = {"id": to_global_id("Order", world.order.pk)}
    refused = run(
        graphql, auth_headers, roles["own_staff"], CONFIRM, variables, "sellerOrderConfirm"
    )
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "INVALID_ID")]


def test_messages_follow_the_callers_language(graphql, auth_headers, world, roles):
    variables = {"id": to_global_id("SellerOrder", world.own_part.pk)}
    _status, body = graphql(
        CONFIRM, variables, HTTP_ACCEPT_LANGUAGE="en", **auth_headers(roles["own_staff"])
    )
    (error,) = body["data"]["sellerOrderConfirm"]["errors"]
    assert error["code"] == "INVALID_STATUS"
    assert error["message"] == (
        f"Seller order {world.own_part.number} is shipped: it cannot become confirmed."
    )
