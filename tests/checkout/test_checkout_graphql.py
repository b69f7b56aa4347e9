"""The buying flow through /graphql/: create → lines → address → delivery → pay → complete."""

import uuid

import pytest
from graphql_relay import to_global_id

from market.checkout.models import Checkout, CheckoutLine
from market.orders.models import Order
from tests.checkout.flow import ADDRESS, checkout_ready, shop_build
from tests.factories import StockFactory, UserFactory

pytestmark = pytest.mark.django_db

CHECKOUT_FIELDS = """
  token email
  shippingAddress { fullName phone street ward province }
  lines {
    id quantity unitPrice { amount currency } totalPrice { amount } priceWhenAdded { amount }
    reservedUntil variant { id sku name product { name } }
  }
  deliveryGroups {
    seller { id name } subtotal { amount } weightGrams weightKnown
    lines { id }
    availableShippingMethods { id name kind price { amount } shippingMethod { id } }
    shippingMethod { id name } shippingPrice { amount }
  }
  availablePaymentMethods { code name online }
  paymentMethod { code }
  subtotal { amount } shippingTotal { amount } total { amount }
"""
ERROR_FIELDS = (
    "field code message line variant available seller oldPrice { amount } newPrice { amount }"
)

CREATE = f"""
mutation($input: CheckoutCreateInput!) {{
  checkoutCreate(input: $input) {{ checkout {{ {CHECKOUT_FIELDS} }} errors {{ {ERROR_FIELDS} }} }}
}}"""
LINES_ADD = f"""
mutation($token: String!, $lines: [CheckoutLineInput!]!) {{
  checkoutLinesAdd(token: $token, lines: $lines) {{
    checkout {{ {CHECKOUT_FIELDS} }} errors {{ {ERROR_FIELDS} }} }}
}}"""
ADDRESS_UPDATE = f"""
mutation($token: String!, $address: CheckoutAddressInput!) {{
  checkoutShippingAddressUpdate(token: $token, shippingAddress: $address) {{
    checkout {{ {CHECKOUT_FIELDS} }} errors {{ {ERROR_FIELDS} }} }}
}}"""
DELIVERY = f"""
mutation($token: String!, $methods: [CheckoutDeliveryMethodInput!]!) {{
  checkoutDeliveryMethodUpdate(token: $token, deliveryMethods: $methods) {{
    checkout {{ {CHECKOUT_FIELDS} }} errors {{ {ERROR_FIELDS} }} }}
}}"""
PAYMENT = f"""
mutation($token: String!) {{
  checkoutPaymentMethodUpdate(token: $token, paymentMethod: "cod") {{
    checkout {{ paymentMethod {{ code }} total {{ amount }} }} errors {{ {ERROR_FIELDS} }} }}
}}"""
COMPLETE = f"""
mutation($token: String!) {{
  checkoutComplete(token: $token) {{
    order {{ number total {{ amount }} status }} orderToken paymentAction {{ kind data }}
    errors {{ {ERROR_FIELDS} }} }}
}}"""
QUERY = f"""query($token: String!) {{ checkout(token: $token) {{ {CHECKOUT_FIELDS} }} }}"""


API_ADDRESS = {("fullName" if key == "full_name" else key): value for key, value in ADDRESS.items()}


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


@pytest.fixture
def shop():
    return shop_build(sellers=2)


def _ok(body, name):
    assert "errors" not in body, body
    payload = body["data"][name]
    assert payload["errors"] == [], payload["errors"]
    return payload


def test_the_whole_flow_as_a_guest(graphql, shop):
    first, second = shop.sellers
    variant_a, variant_b = shop.variants[first.pk]
    variant_c = shop.variants[second.pk][0]

    _status, body = graphql(
        CREATE,
        {
            "input": {
                "lines": [
                    {"variant": gid("ProductVariant", variant_a.pk), "quantity": 2},
                    {"variant": gid("ProductVariant", variant_c.pk), "quantity": 1},
                ],
                "email": "khach@example.vn",
            }
        },
    )
    checkout = _ok(body, "checkoutCreate")["checkout"]
    token = checkout["token"]
    assert [line["quantity"] for line in checkout["lines"]] == [2, 1]
    assert all(line["reservedUntil"] for line in checkout["lines"])
    assert checkout["lines"][0]["unitPrice"] == {"amount": 85_000, "currency": "VND"}
    assert checkout["lines"][0]["totalPrice"] == {"amount": 170_000}
    assert [g["seller"]["id"] for g in checkout["deliveryGroups"]] == [
        gid("Seller", first.pk),
        gid("Seller", second.pk),
    ]
    assert checkout["deliveryGroups"][0]["weightGrams"] == 1000
    assert [(m["code"], m["online"]) for m in checkout["availablePaymentMethods"]] == [
        ("cod", False),
        ("vnpay", True),
        ("momo", True),
        ("vietqr", True),
        ("stripe", True),
    ]

    _status, body = graphql(
        LINES_ADD,
        {
            "token": token,
            "lines": [{"variant": gid("ProductVariant", variant_b.pk), "quantity": 1}],
        },
    )
    assert len(_ok(body, "checkoutLinesAdd")["checkout"]["lines"]) == 3

    _status, body = graphql(ADDRESS_UPDATE, {"token": token, "address": API_ADDRESS})
    checkout = _ok(body, "checkoutShippingAddressUpdate")["checkout"]
    assert checkout["shippingAddress"]["province"] == "Khánh Hòa"
    assert checkout["shippingAddress"]["phone"] == "+84912345678"
    methods = [g["availableShippingMethods"] for g in checkout["deliveryGroups"]]
    assert [[m["id"] for m in group] for group in methods] == [
        [gid("ShippingMethod", shop.flat[first.pk].pk)],
        [gid("ShippingMethod", shop.flat[second.pk].pk)],
    ]

    _status, body = graphql(
        DELIVERY,
        {
            "token": token,
            "methods": [
                {"seller": gid("Seller", seller.pk), "shippingMethod": methods[index][0]["id"]}
                for index, seller in enumerate(shop.sellers)
            ],
        },
    )
    checkout = _ok(body, "checkoutDeliveryMethodUpdate")["checkout"]
    assert [g["shippingPrice"] for g in checkout["deliveryGroups"]] == [
        {"amount": 30_000},
        {"amount": 30_000},
    ]
    assert (checkout["subtotal"], checkout["shippingTotal"], checkout["total"]) == (
        {"amount": 340_000},
        {"amount": 60_000},
        {"amount": 400_000},
    )

    _status, body = graphql(PAYMENT, {"token": token})
    assert _ok(body, "checkoutPaymentMethodUpdate")["checkout"]["paymentMethod"] == {"code": "cod"}

    _status, body = graphql(COMPLETE, {"token": token})
    completed = _ok(body, "checkoutComplete")
    assert completed["order"]["total"] == {"amount": 400_000}
    assert completed["order"]["number"].startswith("OCOP-")
    order = Order.objects.get()
    assert completed["orderToken"] == str(order.token)
    assert completed["paymentAction"] == {"kind": "none", "data": "{}"}

    _status, again = graphql(COMPLETE, {"token": token})
    repeated = _ok(again, "checkoutComplete")
    assert repeated["order"]["number"] == completed["order"]["number"]
    assert repeated["paymentAction"] is None
    _status, body = graphql(QUERY, {"token": token})
    assert body == {"data": {"checkout": None}}


def test_a_buyer_finds_their_checkout_on_me(graphql, auth_headers, shop):
    buyer = UserFactory()
    checkout = checkout_ready(buyer, shop.variants[shop.sellers[0].pk][:1])

    _status, body = graphql(
        "{ me { checkout { token lines { quantity } } } }", **auth_headers(buyer)
    )

    assert body == {
        "data": {"me": {"checkout": {"token": str(checkout.token), "lines": [{"quantity": 1}]}}}
    }
    _status, body = graphql("{ me { checkout { token } } }", **auth_headers(UserFactory()))
    assert body == {"data": {"me": {"checkout": None}}}


def test_the_checkout_query_answers_null_to_strangers_and_types_bad_tokens(
    graphql, auth_headers, shop
):
    buyer = UserFactory()
    checkout = checkout_ready(buyer, shop.variants[shop.sellers[0].pk][:1])

    for headers in ({}, auth_headers(UserFactory())):
        _status, body = graphql(QUERY, {"token": str(checkout.token)}, **headers)
        assert body == {"data": {"checkout": None}}
    _status, body = graphql(QUERY, {"token": str(uuid.uuid4())})
    assert body == {"data": {"checkout": None}}
    _status, body = graphql(QUERY, {"token": str(checkout.token)}, **auth_headers(buyer))
    assert body["data"]["checkout"]["token"] == str(checkout.token)

    status, body = graphql(QUERY, {"token": "not-a-token"})
    assert status == 200
    assert body["data"] == {"checkout": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_TOKEN"]


def test_insufficient_stock_names_the_line_the_variant_and_what_is_available(graphql):
    variant = StockFactory(quantity=4).variant

    _status, body = graphql(
        CREATE,
        {"input": {"lines": [{"variant": gid("ProductVariant", variant.pk), "quantity": 5}]}},
    )

    payload = body["data"]["checkoutCreate"]
    assert payload["checkout"] is None
    assert payload["errors"] == [
        {
            "field": "lines.0",
            "code": "INSUFFICIENT_STOCK",
            "message": payload["errors"][0]["message"],
            "line": None,
            "variant": gid("ProductVariant", variant.pk),
            "available": 4,
            "seller": None,
            "oldPrice": None,
            "newPrice": None,
        }
    ]
    assert not Checkout.objects.exists()


def test_input_errors_are_named_as_sent(graphql, shop):
    variant = shop.variants[shop.sellers[0].pk][0]
    checkout = checkout_ready(None, [variant])
    token = str(checkout.token)

    _status, body = graphql(
        LINES_ADD,
        {"token": token, "lines": [{"variant": "bad", "quantity": 1}]},
    )
    assert [(e["field"], e["code"]) for e in body["data"]["checkoutLinesAdd"]["errors"]] == [
        ("lines.0.variant", "INVALID_ID")
    ]
    _status, body = graphql(
        LINES_ADD,
        {"token": token, "lines": [{"variant": gid("ProductVariant", variant.pk), "quantity": 0}]},
    )
    assert [(e["field"], e["code"]) for e in body["data"]["checkoutLinesAdd"]["errors"]] == [
        ("lines.0.quantity", "INVALID_QUANTITY")
    ]
    _status, body = graphql(
        ADDRESS_UPDATE, {"token": token, "address": {**API_ADDRESS, "phone": "1"}}
    )
    assert [
        (e["field"], e["code"]) for e in body["data"]["checkoutShippingAddressUpdate"]["errors"]
    ] == [("shippingAddress.phone", "INVALID_PHONE")]
    _status, body = graphql(
        ADDRESS_UPDATE, {"token": token, "address": {**API_ADDRESS, "fullName": "Lan\u202e"}}
    )
    assert [
        (e["field"], e["code"]) for e in body["data"]["checkoutShippingAddressUpdate"]["errors"]
    ] == [("shippingAddress.fullName", "INVALID_TEXT")]
    other = shop.sellers[1]
    _status, body = graphql(
        DELIVERY,
        {
            "token": token,
            "methods": [
                {
                    "seller": gid("Seller", shop.sellers[0].pk),
                    "shippingMethod": gid("ShippingMethod", shop.flat[other.pk].pk),
                }
            ],
        },
    )
    errors = body["data"]["checkoutDeliveryMethodUpdate"]["errors"]
    assert [(e["field"], e["code"], e["seller"]) for e in errors] == [
        (
            "deliveryMethods.0.shippingMethod",
            "DELIVERY_METHOD_NOT_APPLICABLE",
            gid("Seller", shop.sellers[0].pk),
        )
    ]
    _status, body = graphql(PAYMENT, {"token": "nope"})
    assert [
        (e["field"], e["code"]) for e in body["data"]["checkoutPaymentMethodUpdate"]["errors"]
    ] == [("token", "INVALID_TOKEN")]


def test_odd_unicode_is_normalised_by_the_base(graphql, shop):
    checkout = checkout_ready(None, shop.variants[shop.sellers[0].pk][:1])
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Lan"

    _status, body = graphql(
        ADDRESS_UPDATE,
        {"token": str(checkout.token), "address": {**API_ADDRESS, "fullName": decomposed}},
    )

    address = _ok(body, "checkoutShippingAddressUpdate")["checkout"]["shippingAddress"]
    assert address["fullName"] == "Nguyễn Thị Lan"


def test_a_price_change_is_reported_once_then_charged(graphql, shop):
    variant = shop.variants[shop.sellers[0].pk][0]
    checkout = checkout_ready(None, [variant])
    line = CheckoutLine.objects.get()
    variant.price = 99_000
    variant.save()

    _status, body = graphql(COMPLETE, {"token": str(checkout.token)})

    errors = body["data"]["checkoutComplete"]["errors"]
    assert [
        (e["code"], e["field"], e["line"], e["variant"], e["oldPrice"], e["newPrice"])
        for e in errors
    ] == [
        (
            "PRICE_CHANGED",
            "lines.0",
            gid("CheckoutLine", line.pk),
            gid("ProductVariant", variant.pk),
            {"amount": 85_000},
            {"amount": 99_000},
        )
    ]
    assert not Order.objects.exists()
    _status, body = graphql(QUERY, {"token": str(checkout.token)})
    assert body["data"]["checkout"]["lines"][0]["priceWhenAdded"] == {"amount": 99_000}

    _status, body = graphql(COMPLETE, {"token": str(checkout.token)})
    assert _ok(body, "checkoutComplete")["order"]["total"] == {"amount": 99_000 + 30_000}


def test_attaching_needs_a_signed_in_buyer_and_merges(graphql, auth_headers, shop):
    variant = shop.variants[shop.sellers[0].pk][0]
    guest = checkout_ready(None, [variant], quantity=2)
    document = """mutation($token: String!) { checkoutCustomerAttach(token: $token) {
        checkout { token lines { quantity } } errors { field code } } }"""

    _status, body = graphql(document, {"token": str(guest.token)})
    assert body["data"]["checkoutCustomerAttach"]["errors"] == [
        {"field": None, "code": "AUTHENTICATION_REQUIRED"}
    ]
    buyer = UserFactory()
    own = checkout_ready(buyer, [variant], quantity=1)
    _status, body = graphql(document, {"token": str(guest.token)}, **auth_headers(buyer))
    assert _ok(body, "checkoutCustomerAttach")["checkout"] == {
        "token": str(own.token),
        "lines": [{"quantity": 3}],
    }


GUEST_CREATE = """mutation { checkoutCreate(input: {email: "khach@example.vn"}) {
  checkout { token } errors { field code message retryAfter } } }"""


def test_guest_checkouts_from_one_address_are_counted(graphql, settings):
    # Each guest checkout may hold stock: a script must not open them without end.
    settings.CHECKOUT_GUEST_CREATIONS_PER_ADDRESS = "2/hour"
    answers = [graphql(GUEST_CREATE)[1]["data"]["checkoutCreate"] for _ in range(3)]

    assert [answer["errors"] for answer in answers[:2]] == [[], []]
    (refusal,) = answers[2]["errors"]
    assert refusal["code"] == "TOO_MANY_ATTEMPTS"
    assert refusal["retryAfter"] > 0
    assert answers[2]["checkout"] is None
    assert Checkout.objects.filter(user__isnull=True).count() == 2
