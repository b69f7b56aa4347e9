"""Reading orders through /graphql/: the buyer's order, a guest's by token, seller orders
for staff (their own part only), everything for operators, nothing for auditors."""

import pytest
from graphql_relay import to_global_id

from traceability.resolver_trace import lot_uri

pytestmark = pytest.mark.django_db

ORDER_FIELDS = """
    id number status paymentStatus email token paymentMethod
    subtotal { amount } shippingTotal { amount } total { amount currency }
    shippingAddress { fullName phone ward province }
    sellerOrders {
        id number status carrier trackingNumber
        shippingPrice { amount } subtotal { amount } total { amount }
        seller { name }
        lines {
            id productName variantName sku quantity unitPrice { amount } total { amount }
            variant { sku } lot { code } traceUrl
        }
    }
    events { type actor reason carrier trackingNumber email sellerOrder { number } }
"""
ORDER = f"query($number: String!) {{ order(number: $number) {{ {ORDER_FIELDS} }} }}"
BY_TOKEN = f"query($token: String!) {{ orderByToken(token: $token) {{ {ORDER_FIELDS} }} }}"
SELLER_ORDERS = """
query($filter: SellerOrderFilterInput, $first: Int) {
  sellerOrders(first: $first, filter: $filter) {
    totalCount
    edges { node { number status lines { sku }
      order { number total { amount } sellerOrders { number } } } }
  }
}
"""
ORDERS = """query($filter: OrderFilterInput) {
  orders(first: 10, filter: $filter) { totalCount edges { node { number } } } }"""
ME_ORDERS = "{ me { orders(first: 10) { totalCount edges { node { number total { amount } } } } } }"


def ask(graphql, auth_headers, user, query, variables=None):
    status, body = graphql(query, variables, **auth_headers(user))
    assert status == 200, body
    return body


def test_the_buyer_reads_the_whole_order_with_lots_and_timeline(graphql, auth_headers, world):
    body = ask(graphql, auth_headers, world.own_buyer, ORDER, {"number": world.order.number})
    assert "errors" not in body, body
    order = body["data"]["order"]
    assert order["number"] == world.order.number
    assert order["id"] == to_global_id("Order", world.order.pk)
    assert (order["status"], order["paymentStatus"]) == ("PLACED", "UNPAID")
    assert order["total"] == {"amount": world.order.total, "currency": "VND"}
    assert order["token"] == str(world.order.token)
    assert order["shippingAddress"]["province"] == "Khánh Hòa"
    parts = {part["number"]: part for part in order["sellerOrders"]}
    assert set(parts) == {world.own_part.number, world.other_part.number}
    shipped = parts[world.own_part.number]
    assert (shipped["status"], shipped["carrier"], shipped["trackingNumber"]) == (
        "SHIPPED",
        "Viettel Post",
        "VTP1",
    )
    (line,) = shipped["lines"]
    assert line["lot"] == {"code": world.lot.code}
    assert line["traceUrl"] == lot_uri(world.lot)
    assert line["total"]["amount"] == line["unitPrice"]["amount"] * line["quantity"]
    assert parts[world.other_part.number]["lines"][0]["lot"] is None
    assert parts[world.other_part.number]["lines"][0]["traceUrl"] is None
    types = [event["type"] for event in order["events"]]
    assert types[:3] == ["PLACED", "CONFIRMED", "SHIPPED"]
    shipped_event = order["events"][2]
    assert (shipped_event["actor"], shipped_event["carrier"]) == ("SELLER", "Viettel Post")
    assert shipped_event["sellerOrder"] == {"number": world.own_part.number}


@pytest.mark.parametrize("who", ["other_buyer", "auditor", "anonymous"])
def test_others_get_null_for_an_order_number(graphql, auth_headers, world, roles, who):
    user = world.other_buyer if who == "other_buyer" else roles[who]
    body = ask(graphql, auth_headers, user, ORDER, {"number": world.order.number})
    assert body["data"]["order"] is None
    missing = ask(graphql, auth_headers, user, ORDER, {"number": "OCOP-2000-000001"})
    assert missing == body | {"data": {"order": None}}


def test_a_sellers_staff_see_only_their_part_of_the_order(graphql, auth_headers, world, roles):
    body = ask(graphql, auth_headers, roles["own_staff"], ORDER, {"number": world.order.number})
    order = body["data"]["order"]
    assert [part["number"] for part in order["sellerOrders"]] == [world.own_part.number]
    assert (order["total"], order["subtotal"], order["shippingTotal"], order["token"]) == (
        None,
        None,
        None,
        None,
    )
    numbers = {event["sellerOrder"]["number"] for event in order["events"] if event["sellerOrder"]}
    assert numbers == {world.own_part.number}


def test_a_guest_reads_their_order_by_token_only(graphql, auth_headers, world):
    body = ask(graphql, auth_headers, None, BY_TOKEN, {"token": str(world.guest_order.token)})
    order = body["data"]["orderByToken"]
    assert order["number"] == world.guest_order.number
    assert order["email"] == "khach@example.vn"
    assert [part["number"] for part in order["sellerOrders"]] == [world.guest_part.number]
    assert order["total"]["amount"] == world.guest_order.total
    for token in ("00000000-0000-0000-0000-000000000000", "nope", ""):
        assert ask(graphql, auth_headers, None, BY_TOKEN, {"token": token})["data"] == {
            "orderByToken": None
        }


def test_seller_orders_list_the_staffs_own_parts_with_filters(graphql, auth_headers, world, roles):
    body = ask(graphql, auth_headers, roles["own_staff"], SELLER_ORDERS, {"first": 10})
    page = body["data"]["sellerOrders"]
    assert page["totalCount"] == 2
    numbers = [edge["node"]["number"] for edge in page["edges"]]
    assert numbers == [world.guest_part.number, world.own_part.number]  # newest first
    # Through their part, the order shows only that part and no totals.
    order = page["edges"][1]["node"]["order"]
    assert order == {
        "number": world.order.number,
        "total": None,
        "sellerOrders": [{"number": world.own_part.number}],
    }
    shipped = ask(
        graphql,
        auth_headers,
        roles["own_staff"],
        SELLER_ORDERS,
        {"first": 10, "filter": {"status": ["SHIPPED"]}},
    )["data"]["sellerOrders"]
    assert [edge["node"]["number"] for edge in shipped["edges"]] == [world.own_part.number]
    today = world.order.created_at.astimezone().date().isoformat()
    dated = ask(
        graphql,
        auth_headers,
        roles["own_staff"],
        SELLER_ORDERS,
        {"first": 10, "filter": {"createdFrom": today, "createdTo": today}},
    )["data"]["sellerOrders"]
    assert dated["totalCount"] == 2
    before = ask(
        graphql,
        auth_headers,
        roles["own_staff"],
        SELLER_ORDERS,
        {"first": 10, "filter": {"createdTo": "2000-01-01"}},
    )["data"]["sellerOrders"]
    assert before["totalCount"] == 0
    extremes = ask(
        graphql,
        auth_headers,
        roles["own_staff"],
        SELLER_ORDERS,
        {"first": 10, "filter": {"createdFrom": "0001-01-01", "createdTo": "9999-12-31"}},
    )["data"]["sellerOrders"]
    assert extremes["totalCount"] == 2


def test_an_operator_filters_seller_orders_by_seller(graphql, auth_headers, world, roles):
    body = ask(
        graphql,
        auth_headers,
        roles["operator"],
        SELLER_ORDERS,
        {"first": 10, "filter": {"sellers": [to_global_id("Seller", roles["other_seller"].pk)]}},
    )
    page = body["data"]["sellerOrders"]
    assert [edge["node"]["number"] for edge in page["edges"]] == [world.other_part.number]
    assert page["edges"][0]["node"]["order"]["total"] == {"amount": world.order.total}


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "AUTHENTICATION_REQUIRED"),
        ("buyer", "PERMISSION_DENIED"),
        ("auditor", "PERMISSION_DENIED"),
    ],
)
def test_seller_orders_are_refused_to_others(graphql, auth_headers, world, roles, who, code):
    body = ask(graphql, auth_headers, roles[who], SELLER_ORDERS, {"first": 10})
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]


def test_orders_are_for_operators(graphql, auth_headers, world, roles):
    body = ask(graphql, auth_headers, roles["operator"], ORDERS)
    assert body["data"]["orders"]["totalCount"] == 2
    found = ask(
        graphql, auth_headers, roles["operator"], ORDERS, {"filter": {"email": "KHACH@example.vn"}}
    )
    assert [edge["node"]["number"] for edge in found["data"]["orders"]["edges"]] == [
        world.guest_order.number
    ]
    for who in ("buyer", "own_staff", "auditor"):
        refused = ask(graphql, auth_headers, roles[who], ORDERS)
        assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_me_orders_lists_the_buyers_own(graphql, auth_headers, world):
    body = ask(graphql, auth_headers, world.own_buyer, ME_ORDERS)
    assert body["data"]["me"]["orders"] == {
        "totalCount": 1,
        "edges": [{"node": {"number": world.order.number, "total": {"amount": world.order.total}}}],
    }
    assert (
        ask(graphql, auth_headers, world.other_buyer, ME_ORDERS)["data"]["me"]["orders"][
            "totalCount"
        ]
        == 0
    )


NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


def test_nodes_are_found_only_by_those_who_may_see_them(graphql, auth_headers, world, roles):
    line = world.own_part.lines.get()
    other_line = world.other_part.lines.get()
    event = world.order.events.filter(seller_order=world.other_part).first()
    # Each seller's staff see the order through their own part, and nothing of the other's.
    cases = {
        ("Order", world.order.pk): {"own_buyer", "own_staff", "other_staff", "operator"},
        ("SellerOrder", world.own_part.pk): {"own_buyer", "own_staff", "operator"},
        ("SellerOrder", world.other_part.pk): {"own_buyer", "other_staff", "operator"},
        ("OrderLine", line.pk): {"own_buyer", "own_staff", "operator"},
        ("OrderLine", other_line.pk): {"own_buyer", "other_staff", "operator"},
        ("OrderEvent", event.pk): {"own_buyer", "other_staff", "operator"},
        ("Order", world.guest_order.pk): {"own_staff", "operator"},
    }
    users = {
        "own_buyer": world.own_buyer,
        "other_buyer": world.other_buyer,
        "own_staff": roles["own_staff"],
        "other_staff": roles["other_staff"],
        "auditor": roles["auditor"],
        "operator": roles["operator"],
        "anonymous": None,
    }
    for (type_name, pk), allowed in cases.items():
        global_id = to_global_id(type_name, pk)
        for name, user in users.items():
            found = ask(graphql, auth_headers, user, NODE, {"id": global_id})["data"]["node"]
            assert (found is not None) == (name in allowed), (type_name, name)
