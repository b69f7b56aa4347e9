"""The demo's shipping methods, on PostgreSQL: every seller can be checked out with, the
rows are the same after a second load, names keep their diacritics, and the variants weigh
what the weight bands can carry."""

import pytest
from graphql_relay import to_global_id

from catalog.models import ProductVariant, Stock
from market.accounts.models import User
from market.checkout.models import ShippingMethod
from market.checkout.shipping import method_serves, shipping_price
from market.demo import loader, shipping
from market.sellers.models import Seller
from tests.checkout.factories import ShippingMethodFactory

KIND = ShippingMethod.Kind
EVERY_SELLER = {
    ("Giao hàng tiêu chuẩn", KIND.FLAT, 30_000, None),
    ("Miễn phí giao hàng từ 500.000 đ", KIND.FREE_ABOVE, 30_000, 500_000),
    ("Nhận tại cơ sở", KIND.PICKUP, 0, None),
}
BY_WEIGHT = "Giao theo khối lượng"
LIMITED = "Giao nhanh trong ngày (Khánh Hòa, Lâm Đồng)"


def method_rows() -> list[tuple]:
    return list(
        ShippingMethod.objects.order_by("seller__slug", "name").values_list(
            "seller__slug",
            "name",
            "kind",
            "price",
            "free_above",
            "weight_bands",
            "provinces",
            "is_active",
            "pk",
        )
    )


@pytest.fixture
def loaded(db):
    return loader.load_demo()


def test_every_demo_seller_offers_a_flat_rate_free_above_and_pick_up(loaded):
    sellers = list(Seller.objects.all())
    assert len(sellers) == 12
    for seller in sellers:
        methods = {
            (m.name, m.kind, m.price, m.free_above)
            for m in seller.shipping_methods.filter(is_active=True)
        }
        assert methods >= EVERY_SELLER, seller.name


def test_some_sellers_price_by_weight_and_one_delivers_to_two_provinces_only(loaded):
    by_weight = ShippingMethod.objects.filter(kind=KIND.WEIGHT)
    assert 1 <= by_weight.count() <= 2
    for method in by_weight:
        assert method.name == BY_WEIGHT
        assert [band["up_to_grams"] for band in method.weight_bands] == [1000, 3000, 10_000]
        assert method.provinces == []
    limited = ShippingMethod.objects.get(name=LIMITED)
    assert limited.provinces == ["Khánh Hòa", "Lâm Đồng"]
    assert limited.seller.name == "Cơ sở thu mua chế biến nông hải sản Lê Nhân"
    assert method_serves(limited, "Khánh Hòa")
    assert not method_serves(limited, "Hà Nội")
    unlimited = ShippingMethod.objects.exclude(pk=limited.pk)
    assert all(provinces == [] for provinces in unlimited.values_list("provinces", flat=True))


def test_the_counts_are_in_the_summary(loaded):
    assert loaded["shipping_methods"] == ShippingMethod.objects.count() == 12 * 3 + 3
    assert loaded["created"]["shipping_methods"] == loaded["shipping_methods"]
    assert "shipping_methods" in loader.KINDS


def test_loading_again_gives_the_same_rows(loaded):
    first = method_rows()

    again = loader.load_demo()

    assert method_rows() == first
    assert again["shipping_methods"] == loaded["shipping_methods"]
    assert again["created"]["shipping_methods"] == 0


def test_loading_again_brings_a_demo_method_back_and_leaves_the_sellers_own(loaded):
    flat = ShippingMethod.objects.filter(name="Giao hàng tiêu chuẩn").first()
    ShippingMethod.objects.filter(pk=flat.pk).update(price=99_000, is_active=False)
    own = ShippingMethodFactory(seller=flat.seller, name="Xe của cơ sở", price=15_000)

    loader.load_demo()

    flat.refresh_from_db()
    assert (flat.price, flat.is_active) == (30_000, True)
    assert ShippingMethod.objects.filter(pk=own.pk, price=15_000).exists()


def test_a_reset_load_gives_the_methods_again(loaded):
    again = loader.load_demo(reset=True)
    assert again["shipping_methods"] == loaded["shipping_methods"]
    assert again["created"]["shipping_methods"] == loaded["shipping_methods"]


def test_names_keep_their_vietnamese_diacritics(loaded):
    names = set(ShippingMethod.objects.values_list("name", flat=True))
    assert names == {name for name, *_ in EVERY_SELLER} | {BY_WEIGHT, LIMITED}
    data = shipping.read_shipping()
    assert "minh họa" in data["about"]


def test_every_variant_has_a_weight_and_stock_the_bands_can_carry(loaded):
    variants = list(ProductVariant.objects.select_related("stock"))
    assert variants
    for variant in variants:
        assert (variant.weight_grams or 0) > 0, variant.sku
        assert variant.stock.quantity_available > 0, variant.sku
    heaviest = max(variant.weight_grams for variant in variants)
    for method in ShippingMethod.objects.filter(kind=KIND.WEIGHT):
        assert shipping_price(method, subtotal=0, grams=heaviest) is not None
    assert Stock.objects.filter(quantity__lte=0).count() == 0


def test_the_demo_buyer_is_offered_methods_of_every_seller(loaded, graphql, auth_headers):
    buyer = User.objects.get(email=loader.BUYER_EMAIL)
    query = """
    query($id: ID!, $province: String) {
      seller(id: $id) { shippingMethods(province: $province) { name kind price { amount } } }
    }
    """
    for seller in Seller.objects.all():
        _status, body = graphql(
            query,
            {"id": to_global_id("Seller", seller.pk), "province": loader.PROVINCE},
            **auth_headers(buyer),
        )
        assert "errors" not in body, body
        offered = body["data"]["seller"]["shippingMethods"]
        kinds = {row["kind"] for row in offered}
        assert {"FLAT", "FREE_ABOVE", "PICKUP"} <= kinds, seller.name


CHECKOUT_CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) { checkout { token } errors { field code } }
}
"""
ADDRESS = """
mutation($token: String!, $address: CheckoutAddressInput!) {
  checkoutShippingAddressUpdate(token: $token, shippingAddress: $address) {
    checkout {
      deliveryGroups {
        seller { id name }
        availableShippingMethods { name price { amount } shippingMethod { id } }
      }
    }
    errors { field code }
  }
}
"""
DELIVERY = """
mutation($token: String!, $methods: [CheckoutDeliveryMethodInput!]!) {
  checkoutDeliveryMethodUpdate(token: $token, deliveryMethods: $methods) {
    checkout { deliveryGroups { shippingMethod { name } shippingPrice { amount } } }
    errors { field code }
  }
}
"""
PAYMENT = """
mutation($token: String!) {
  checkoutPaymentMethodUpdate(token: $token, paymentMethod: "cod") { errors { field code } }
}
"""
COMPLETE = """
mutation($token: String!) {
  checkoutComplete(token: $token) { order { number } errors { field code } }
}
"""


def test_a_guest_checks_out_from_two_demo_sellers_with_their_methods(loaded, graphql):
    lines = [
        {"variant": to_global_id("ProductVariant", variant.pk), "quantity": quantity}
        for variant, quantity in (
            (ProductVariant.objects.get(sku="EVERGREEN-NHOSAY-500G"), 3),
            (ProductVariant.objects.get(sku="LENHAN-TAOSAY-200G"), 2),
        )
    ]
    _status, body = graphql(
        CHECKOUT_CREATE, {"input": {"email": "khach@example.vn", "lines": lines}}
    )
    assert body["data"]["checkoutCreate"]["errors"] == [], body
    token = body["data"]["checkoutCreate"]["checkout"]["token"]

    _status, body = graphql(
        ADDRESS,
        {
            "token": token,
            "address": {
                "fullName": "Nguyễn Lan",
                "phone": "0905 123 456",
                "street": "12 Đường 16 Tháng 4",
                "ward": "Phường Phan Rang",
                "province": "Khánh Hòa",
            },
        },
    )
    payload = body["data"]["checkoutShippingAddressUpdate"]
    assert payload["errors"] == [], body
    groups = payload["checkout"]["deliveryGroups"]
    offered = {
        group["seller"]["name"]: {
            row["name"]: row["price"]["amount"] for row in group["availableShippingMethods"]
        }
        for group in groups
    }
    # 3 bags of 500 g of raisins: the band up to 3 kg; Lê Nhân delivers same-day to Khánh Hòa.
    assert offered["HTX Nho Evergreen Ninh Thuận"][BY_WEIGHT] == 35_000
    assert offered["Cơ sở thu mua chế biến nông hải sản Lê Nhân"][LIMITED] == 20_000
    for methods in offered.values():
        assert methods["Giao hàng tiêu chuẩn"] == 30_000
        assert methods["Nhận tại cơ sở"] == 0

    choices = [
        {
            "seller": group["seller"]["id"],
            "shippingMethod": next(
                row["shippingMethod"]["id"]
                for row in group["availableShippingMethods"]
                if row["name"] == "Giao hàng tiêu chuẩn"
            ),
        }
        for group in groups
    ]
    _status, body = graphql(DELIVERY, {"token": token, "methods": choices})
    assert body["data"]["checkoutDeliveryMethodUpdate"]["errors"] == [], body

    _status, body = graphql(PAYMENT, {"token": token})
    assert body["data"]["checkoutPaymentMethodUpdate"]["errors"] == [], body

    _status, body = graphql(COMPLETE, {"token": token})
    payload = body["data"]["checkoutComplete"]
    assert payload["errors"] == [], body
    assert payload["order"]["number"].startswith("OCOP-")
