"""Sellers' shipping methods: the services' checks, the mutations, who sees which method,
and what each kind costs (``market.checkout.shipping``)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from market.checkout.models import Checkout, CheckoutDelivery, ShippingMethod
from market.checkout.services import shipping_methods as services
from market.checkout.shipping import method_serves, shipping_price
from market.core.addresses import provinces
from market.core.errors import NotFound, PermissionDenied
from market.core.graphql.cost_map import COST_MAP
from market.sellers.models import Seller
from tests.checkout.factories import CheckoutDeliveryFactory, ShippingMethodFactory
from tests.factories import MembershipFactory, SellerFactory

KIND = ShippingMethod.Kind
BANDS = [
    {"up_to_grams": 1000, "price": 25_000},
    {"up_to_grams": 3000, "price": 35_000},
    {"up_to_grams": 10_000, "price": 60_000},
]


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [item.code for item in items] for field, items in error.error_dict.items()}


def create(by, seller, **fields):
    values = {"name": "Giao hàng tiêu chuẩn", "kind": KIND.FLAT, "price": 30_000, **fields}
    return services.shipping_method_create(by=by, seller_id=seller.pk, **values)


# ---------------------------------------------------------------- pricing (pure)


def method(**fields) -> ShippingMethod:
    return ShippingMethod(name="Phương thức", **fields)


def test_a_flat_rate_costs_its_price_whatever_the_order():
    flat = method(kind=KIND.FLAT, price=30_000)
    assert shipping_price(flat, subtotal=0, grams=0) == 30_000
    assert shipping_price(flat, subtotal=5_000_000, grams=50_000) == 30_000


def test_free_above_is_free_from_the_threshold_and_priced_below_it():
    free_above = method(kind=KIND.FREE_ABOVE, price=30_000, free_above=500_000)
    assert shipping_price(free_above, subtotal=499_999, grams=1000) == 30_000
    assert shipping_price(free_above, subtotal=500_000, grams=1000) == 0
    assert shipping_price(free_above, subtotal=2_000_000, grams=1000) == 0


def test_weight_bands_include_their_upper_edge_and_refuse_what_is_heavier():
    by_weight = method(kind=KIND.WEIGHT, weight_bands=BANDS)
    assert shipping_price(by_weight, subtotal=100_000, grams=0) == 25_000
    assert shipping_price(by_weight, subtotal=100_000, grams=1000) == 25_000
    assert shipping_price(by_weight, subtotal=100_000, grams=1001) == 35_000
    assert shipping_price(by_weight, subtotal=100_000, grams=3000) == 35_000
    assert shipping_price(by_weight, subtotal=100_000, grams=10_000) == 60_000
    assert shipping_price(by_weight, subtotal=100_000, grams=10_001) is None


def test_weight_bands_stored_out_of_order_are_read_lightest_first():
    by_weight = method(kind=KIND.WEIGHT, weight_bands=list(reversed(BANDS)))
    assert shipping_price(by_weight, subtotal=0, grams=800) == 25_000


def test_pick_up_is_free_and_needs_no_address():
    pickup = method(kind=KIND.PICKUP, price=0, provinces=["Khánh Hòa"])
    assert shipping_price(pickup, subtotal=100_000, grams=99_000) == 0
    assert method_serves(pickup, None)
    assert method_serves(pickup, "Hà Nội")


def test_a_method_limited_to_provinces_serves_only_them():
    limited = method(kind=KIND.FLAT, price=20_000, provinces=["Khánh Hòa", "Lâm Đồng"])
    assert method_serves(limited, "Khánh Hòa")
    assert method_serves(limited, "Lâm Đồng")
    assert not method_serves(limited, "Thành phố Hồ Chí Minh")
    # Not offered before the buyer gives an address.
    assert not method_serves(limited, None)


def test_a_method_without_provinces_serves_everywhere():
    everywhere = method(kind=KIND.FLAT, price=30_000, provinces=[])
    assert method_serves(everywhere, "Hà Nội")
    assert method_serves(everywhere, None)


# ---------------------------------------------------------------- create


@pytest.fixture
def seller(roles):
    return roles["seller"]


def test_own_staff_create_each_kind(roles, seller):
    staff = roles["own_staff"]
    flat = create(staff, seller)
    free = create(
        staff, seller, name="Miễn phí từ 500.000 đ", kind=KIND.FREE_ABOVE, free_above=500_000
    )
    weight = create(
        staff, seller, name="Theo khối lượng", kind=KIND.WEIGHT, price=None, weight_bands=BANDS
    )
    pickup = create(staff, seller, name="Nhận tại cơ sở", kind=KIND.PICKUP, price=None)

    assert (flat.kind, flat.price, flat.free_above, flat.weight_bands) == (
        KIND.FLAT,
        30_000,
        None,
        [],
    )
    assert (free.price, free.free_above) == (30_000, 500_000)
    assert (weight.price, weight.weight_bands) == (0, BANDS)
    assert (pickup.price, pickup.free_above, pickup.weight_bands) == (0, None, [])
    assert set(ShippingMethod.objects.values_list("seller_id", flat=True)) == {seller.pk}
    assert all(m.is_active and m.provinces == [] for m in (flat, free, weight, pickup))


def test_the_platform_creates_for_any_seller(seller):
    created = create(None, seller)
    assert created.seller_id == seller.pk


def test_provinces_are_normalised_and_repeats_dropped(roles, seller):
    created = create(
        roles["own_staff"],
        seller,
        provinces=["khanh hoa", "Tỉnh Lâm Đồng", "Khánh Hòa", "tp hcm", "TP. Hồ Chí Minh"],
    )
    assert created.provinces == ["Khánh Hòa", "Lâm Đồng", "Thành phố Hồ Chí Minh"]


def test_an_unknown_province_is_named_by_its_index(roles, seller):
    with pytest.raises(ValidationError) as refused:
        create(roles["own_staff"], seller, provinces=["Khánh Hòa", "Lâm Đồng", "Ninh Thuận"])
    assert codes(refused.value) == {"provinces.2": ["INVALID_PROVINCE"]}
    assert "Ninh Thuận" in refused.value.error_dict["provinces.2"][0].message
    assert not ShippingMethod.objects.exists()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": "   "}, {"name": ["REQUIRED"]}),
        ({"name": "x" * 129}, {"name": ["TOO_LONG"]}),
        ({"price": None}, {"price": ["REQUIRED"]}),
        ({"price": -1}, {"price": ["NEGATIVE_PRICE"]}),
        ({"price": services.MAX_SHIPPING_PRICE_VND + 1}, {"price": ["TOO_HIGH"]}),
        ({"price": 1.5}, {"price": ["INVALID"]}),
        ({"price": True}, {"price": ["INVALID"]}),
        ({"free_above": 500_000}, {"free_above": ["NOT_FOR_KIND"]}),
        ({"weight_bands": BANDS}, {"weight_bands": ["NOT_FOR_KIND"]}),
        ({"kind": KIND.FREE_ABOVE}, {"free_above": ["REQUIRED"]}),
        ({"kind": KIND.FREE_ABOVE, "free_above": -5}, {"free_above": ["NEGATIVE_PRICE"]}),
        (
            {"kind": KIND.FREE_ABOVE, "free_above": services.MAX_FREE_ABOVE_VND + 1},
            {"free_above": ["TOO_HIGH"]},
        ),
        ({"kind": KIND.WEIGHT, "price": None}, {"weight_bands": ["REQUIRED"]}),
        ({"kind": KIND.WEIGHT, "price": None, "weight_bands": []}, {"weight_bands": ["REQUIRED"]}),
        ({"kind": KIND.WEIGHT, "weight_bands": BANDS}, {"price": ["NOT_FOR_KIND"]}),
        ({"kind": KIND.PICKUP, "price": 10_000}, {"price": ["NOT_FOR_KIND"]}),
        ({"kind": KIND.PICKUP, "price": None, "free_above": 1}, {"free_above": ["NOT_FOR_KIND"]}),
    ],
)
def test_bad_input_is_refused_by_field_and_creates_nothing(roles, seller, fields, expected):
    with pytest.raises(ValidationError) as refused:
        create(roles["own_staff"], seller, **fields)
    assert codes(refused.value) == expected
    assert not ShippingMethod.objects.exists()


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (
            [{"up_to_grams": 3000, "price": 1}, {"up_to_grams": 1000, "price": 1}],
            {"weight_bands.1.up_to_grams": ["BANDS_NOT_ASCENDING"]},
        ),
        (
            [{"up_to_grams": 1000, "price": 1}, {"up_to_grams": 1000, "price": 2}],
            {"weight_bands.1.up_to_grams": ["DUPLICATED"]},
        ),
        ([{"up_to_grams": 0, "price": 1}], {"weight_bands.0.up_to_grams": ["INVALID_WEIGHT"]}),
        ([{"up_to_grams": -1, "price": 1}], {"weight_bands.0.up_to_grams": ["INVALID_WEIGHT"]}),
        (
            [{"up_to_grams": services.MAX_BAND_GRAMS + 1, "price": 1}],
            {"weight_bands.0.up_to_grams": ["INVALID_WEIGHT"]},
        ),
        ([{"up_to_grams": 1000, "price": -1}], {"weight_bands.0.price": ["NEGATIVE_PRICE"]}),
        ([{"up_to_grams": 1000}], {"weight_bands.0.price": ["INVALID"]}),
        (
            [{"up_to_grams": 1000 * (n + 1), "price": 1000} for n in range(21)],
            {"weight_bands": ["TOO_MANY"]},
        ),
    ],
)
def test_weight_bands_are_checked_row_by_row(roles, seller, bands, expected):
    with pytest.raises(ValidationError) as refused:
        create(roles["own_staff"], seller, kind=KIND.WEIGHT, price=None, weight_bands=bands)
    assert codes(refused.value) == expected
    assert not ShippingMethod.objects.exists()


def test_twenty_bands_and_a_free_band_are_allowed(roles, seller):
    bands = [{"up_to_grams": 500 * (n + 1), "price": 1000 * n} for n in range(20)]
    created = create(roles["own_staff"], seller, kind=KIND.WEIGHT, price=None, weight_bands=bands)
    assert created.weight_bands == bands


def test_every_problem_is_reported_at_once(roles, seller):
    with pytest.raises(ValidationError) as refused:
        create(
            roles["own_staff"],
            seller,
            name="",
            kind=KIND.WEIGHT,
            price=5,
            weight_bands=[{"up_to_grams": 2000, "price": 1}, {"up_to_grams": 1000, "price": -1}],
            provinces=["Khánh Hòa", "Mars"],
        )
    assert codes(refused.value) == {
        "name": ["REQUIRED"],
        "price": ["NOT_FOR_KIND"],
        "weight_bands.1.up_to_grams": ["BANDS_NOT_ASCENDING"],
        "weight_bands.1.price": ["NEGATIVE_PRICE"],
        "provinces.1": ["INVALID_PROVINCE"],
    }


def test_other_staff_are_refused_the_same_for_another_seller_and_a_missing_one(roles, seller):
    other = roles["other_staff"]
    with pytest.raises(PermissionDenied) as for_another:
        create(other, seller)
    with pytest.raises(PermissionDenied) as for_missing:
        services.shipping_method_create(
            by=other, seller_id=seller.pk + 1000, name="x", kind=KIND.FLAT, price=1
        )
    assert for_another.value.message == for_missing.value.message
    assert not ShippingMethod.objects.exists()


def test_permission_comes_before_the_input_is_checked(roles, seller):
    with pytest.raises(PermissionDenied):
        create(roles["other_staff"], seller, name="", price=-1)


def test_operators_are_told_a_seller_is_missing(roles):
    with pytest.raises(NotFound) as refused:
        services.shipping_method_create(
            by=roles["operator"], seller_id=987654, name="x", kind=KIND.FLAT, price=1
        )
    assert refused.value.field == "seller_id"


# ---------------------------------------------------------------- update and delete


def test_update_changes_only_what_is_given(roles, seller):
    existing = ShippingMethodFactory(seller=seller, name="Cũ", price=30_000, provinces=["Huế"])

    updated = services.shipping_method_update(
        by=roles["own_owner"], shipping_method_id=existing.pk, price=35_000, is_active=False
    )

    existing.refresh_from_db()
    assert (existing.name, existing.price, existing.is_active) == ("Cũ", 35_000, False)
    assert existing.provinces == ["Huế"]
    assert updated.pk == existing.pk


def test_changing_the_kind_drops_what_it_no_longer_uses(roles, seller):
    existing = ShippingMethodFactory(
        seller=seller, kind=KIND.FREE_ABOVE, price=30_000, free_above=500_000
    )

    services.shipping_method_update(
        by=roles["own_staff"], shipping_method_id=existing.pk, kind=KIND.FLAT
    )

    existing.refresh_from_db()
    assert (existing.kind, existing.price, existing.free_above) == (KIND.FLAT, 30_000, None)

    services.shipping_method_update(
        by=roles["own_staff"], shipping_method_id=existing.pk, kind=KIND.PICKUP
    )
    existing.refresh_from_db()
    assert (existing.kind, existing.price) == (KIND.PICKUP, 0)


def test_leaving_pick_up_for_a_priced_kind_needs_a_price(roles, seller):
    existing = ShippingMethodFactory(seller=seller, kind=KIND.PICKUP, price=0)

    with pytest.raises(ValidationError) as refused:
        services.shipping_method_update(
            by=roles["own_staff"], shipping_method_id=existing.pk, kind=KIND.FLAT
        )
    assert codes(refused.value) == {"price": ["REQUIRED"]}

    services.shipping_method_update(
        by=roles["own_staff"], shipping_method_id=existing.pk, kind=KIND.FLAT, price=25_000
    )
    existing.refresh_from_db()
    assert (existing.kind, existing.price) == (KIND.FLAT, 25_000)


def test_switching_to_weight_needs_bands(roles, seller):
    existing = ShippingMethodFactory(seller=seller)
    with pytest.raises(ValidationError) as refused:
        services.shipping_method_update(
            by=roles["own_staff"], shipping_method_id=existing.pk, kind=KIND.WEIGHT
        )
    assert codes(refused.value) == {"weight_bands": ["REQUIRED"]}
    existing.refresh_from_db()
    assert existing.kind == KIND.FLAT


def test_an_update_refused_changes_nothing(roles, seller):
    existing = ShippingMethodFactory(seller=seller, name="Cũ", price=30_000)
    with pytest.raises(ValidationError):
        services.shipping_method_update(
            by=roles["own_staff"], shipping_method_id=existing.pk, name="Mới", price=-1
        )
    existing.refresh_from_db()
    assert (existing.name, existing.price) == ("Cũ", 30_000)


def test_other_staff_cannot_tell_another_sellers_method_from_a_missing_one(roles, seller):
    existing = ShippingMethodFactory(seller=seller)
    other = roles["other_staff"]
    with pytest.raises(PermissionDenied) as for_another:
        services.shipping_method_update(by=other, shipping_method_id=existing.pk, price=1)
    with pytest.raises(PermissionDenied) as for_missing:
        services.shipping_method_delete(by=other, shipping_method_id=existing.pk + 1000)
    assert for_another.value.message == for_missing.value.message
    with pytest.raises(NotFound):
        services.shipping_method_delete(by=roles["operator"], shipping_method_id=existing.pk + 1)


def test_deleting_a_chosen_method_clears_the_choice_and_keeps_the_checkout(roles, seller):
    existing = ShippingMethodFactory(seller=seller)
    delivery = CheckoutDeliveryFactory(shipping_method=existing)

    deleted = services.shipping_method_delete(by=roles["own_staff"], shipping_method_id=existing.pk)

    assert deleted.pk == existing.pk
    assert not ShippingMethod.objects.filter(pk=existing.pk).exists()
    assert not CheckoutDelivery.objects.filter(pk=delivery.pk).exists()
    assert Checkout.objects.filter(pk=delivery.checkout_id).exists()


# ---------------------------------------------------------------- through /graphql/

CREATE = """
mutation($input: ShippingMethodCreateInput!) {
  shippingMethodCreate(input: $input) {
    shippingMethod {
      id name kind price { amount currency } freeAbove { amount }
      weightBands { upToGrams price { amount } } provinces isActive seller { name }
    }
    errors { field code message }
  }
}
"""
UPDATE = """
mutation($id: ID!, $input: ShippingMethodInput!) {
  shippingMethodUpdate(id: $id, input: $input) {
    shippingMethod { id name kind price { amount } freeAbove { amount } isActive }
    errors { field code message }
  }
}
"""
DELETE = """
mutation($id: ID!) {
  shippingMethodDelete(id: $id) { shippingMethod { id name } errors { field code } }
}
"""


def gid(obj) -> str:
    return to_global_id(type(obj).__name__, obj.pk)


def test_create_through_the_api(graphql, auth_headers, roles, seller):
    status, body = graphql(
        CREATE,
        {
            "input": {
                "seller": gid(seller),
                "name": "Giao theo khối lượng",
                "kind": "WEIGHT",
                "weightBands": [
                    {"upToGrams": 1000, "price": 25000},
                    {"upToGrams": 3000, "price": 35000},
                ],
                "provinces": ["khanh hoa"],
            }
        },
        **auth_headers(roles["own_staff"]),
    )

    assert status == 200, body
    payload = body["data"]["shippingMethodCreate"]
    assert payload["errors"] == []
    created = payload["shippingMethod"]
    assert created["kind"] == "WEIGHT"
    assert created["price"] == {"amount": 0, "currency": "VND"}
    assert created["freeAbove"] is None
    assert created["weightBands"] == [
        {"upToGrams": 1000, "price": {"amount": 25000}},
        {"upToGrams": 3000, "price": {"amount": 35000}},
    ]
    assert created["provinces"] == ["Khánh Hòa"]
    assert created["isActive"] is True
    assert created["seller"]["name"] == seller.name
    stored = ShippingMethod.objects.get()
    assert created["id"] == gid(stored)
    assert stored.weight_bands == [
        {"up_to_grams": 1000, "price": 25000},
        {"up_to_grams": 3000, "price": 35000},
    ]


def test_errors_name_the_fields_as_the_client_wrote_them(graphql, auth_headers, roles, seller):
    _status, body = graphql(
        CREATE,
        {
            "input": {
                "seller": gid(seller),
                "name": "Theo cân",
                "kind": "WEIGHT",
                "freeAbove": 100000,
                "weightBands": [
                    {"upToGrams": 1000, "price": 1},
                    {"upToGrams": 500, "price": 1},
                ],
                "provinces": ["Khánh Hòa", "Lâm Đồng", "Ninh Thuận"],
            }
        },
        **auth_headers(roles["own_staff"]),
    )

    payload = body["data"]["shippingMethodCreate"]
    assert payload["shippingMethod"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("freeAbove", "NOT_FOR_KIND"),
        ("weightBands.1.upToGrams", "BANDS_NOT_ASCENDING"),
        ("provinces.2", "INVALID_PROVINCE"),
    }
    assert all(error["message"] for error in payload["errors"])
    assert not ShippingMethod.objects.exists()


def test_an_operator_is_told_the_seller_is_missing_under_seller(graphql, auth_headers, roles):
    _status, body = graphql(
        CREATE,
        {
            "input": {
                "seller": to_global_id("Seller", 987654),
                "name": "x",
                "kind": "FLAT",
                "price": 1,
            }
        },
        **auth_headers(roles["operator"]),
    )
    errors = body["data"]["shippingMethodCreate"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("seller", "NOT_FOUND")]


def test_update_and_delete_through_the_api(graphql, auth_headers, roles, seller):
    existing = ShippingMethodFactory(seller=seller, kind=KIND.FLAT, price=30_000)
    headers = auth_headers(roles["own_owner"])

    _status, body = graphql(
        UPDATE,
        {"id": gid(existing), "input": {"kind": "FREE_ABOVE", "freeAbove": 500000, "name": None}},
        **headers,
    )
    payload = body["data"]["shippingMethodUpdate"]
    assert payload["errors"] == []
    assert payload["shippingMethod"]["kind"] == "FREE_ABOVE"
    assert payload["shippingMethod"]["price"] == {"amount": 30000}
    assert payload["shippingMethod"]["freeAbove"] == {"amount": 500000}
    assert payload["shippingMethod"]["name"] == existing.name

    _status, body = graphql(DELETE, {"id": gid(existing)}, **headers)
    payload = body["data"]["shippingMethodDelete"]
    assert payload == {"shippingMethod": {"id": gid(existing), "name": existing.name}, "errors": []}
    assert not ShippingMethod.objects.exists()


def test_an_update_error_on_the_id_is_named_id(graphql, auth_headers, roles):
    _status, body = graphql(
        UPDATE,
        {"id": to_global_id("ShippingMethod", 987654), "input": {"price": 1}},
        **auth_headers(roles["operator"]),
    )
    errors = body["data"]["shippingMethodUpdate"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("id", "NOT_FOUND")]

    _status, body = graphql(
        UPDATE, {"id": to_global_id("Seller", 1), "input": {}}, **auth_headers(roles["operator"])
    )
    errors = body["data"]["shippingMethodUpdate"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("id", "INVALID_ID")]


# ---------------------------------------------------------------- who sees which method

SELLER_METHODS = """
query($id: ID!, $province: String) {
  seller(id: $id) { shippingMethods(province: $province) { name isActive kind } }
}
"""
ONE = "query($id: ID!) { shippingMethod(id: $id) { name } }"
NODE = "query($id: ID!) { node(id: $id) { ... on ShippingMethod { name } } }"


@pytest.fixture
def offered(seller):
    return {
        "cheap": ShippingMethodFactory(
            seller=seller, name="Nhận tại cơ sở", kind=KIND.PICKUP, price=0
        ),
        "flat": ShippingMethodFactory(seller=seller, name="Tiêu chuẩn", price=30_000),
        "limited": ShippingMethodFactory(
            seller=seller, name="Trong ngày", price=20_000, provinces=["Khánh Hòa"]
        ),
        "inactive": ShippingMethodFactory(seller=seller, name="Tạm ngừng", is_active=False),
        "elsewhere": ShippingMethodFactory(name="Của cơ sở khác"),
    }


def names_on_seller(graphql, headers, seller, province=None) -> list[str]:
    _status, body = graphql(SELLER_METHODS, {"id": gid(seller), "province": province}, **headers)
    assert "errors" not in body, body
    return [row["name"] for row in body["data"]["seller"]["shippingMethods"]]


@pytest.mark.parametrize("role", ["anonymous", "buyer", "other_staff", "auditor"])
def test_buyers_see_the_active_methods_cheapest_first(graphql, auth_headers, roles, offered, role):
    seller = roles["seller"]
    assert names_on_seller(graphql, auth_headers(roles[role]), seller) == [
        "Nhận tại cơ sở",
        "Trong ngày",
        "Tiêu chuẩn",
    ]
    hidden = offered["inactive"]
    for document, key in ((ONE, "shippingMethod"), (NODE, "node")):
        _status, body = graphql(document, {"id": gid(hidden)}, **auth_headers(roles[role]))
        assert body["data"][key] is None


@pytest.mark.parametrize("role", ["own_staff", "own_owner", "operator"])
def test_the_sellers_staff_and_operators_also_see_inactive_ones(
    graphql, auth_headers, roles, offered, role
):
    names = names_on_seller(graphql, auth_headers(roles[role]), roles["seller"])
    assert "Tạm ngừng" in names
    assert len(names) == 4
    _status, body = graphql(ONE, {"id": gid(offered["inactive"])}, **auth_headers(roles[role]))
    assert body["data"]["shippingMethod"] == {"name": "Tạm ngừng"}


def test_a_suspended_sellers_methods_are_hidden_from_buyers(graphql, auth_headers, roles, offered):
    seller = roles["seller"]
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.SUSPENDED)
    flat = offered["flat"]
    _status, body = graphql(ONE, {"id": gid(flat)}, **auth_headers(roles["buyer"]))
    assert body["data"]["shippingMethod"] is None
    _status, body = graphql(ONE, {"id": gid(flat)}, **auth_headers(roles["own_staff"]))
    assert body["data"]["shippingMethod"] == {"name": flat.name}


def test_the_province_argument_keeps_the_methods_that_deliver_there(
    graphql, auth_headers, roles, offered
):
    seller, headers = roles["seller"], auth_headers(roles["buyer"])
    assert names_on_seller(graphql, headers, seller, "tinh khanh hoa") == [
        "Nhận tại cơ sở",
        "Trong ngày",
        "Tiêu chuẩn",
    ]
    assert names_on_seller(graphql, headers, seller, "Hà Nội") == ["Nhận tại cơ sở", "Tiêu chuẩn"]

    _status, body = graphql(
        SELLER_METHODS, {"id": gid(seller), "province": "Ninh Thuận"}, **headers
    )
    assert body["data"] == {"seller": None}
    assert [error["extensions"]["code"] for error in body["errors"]] == ["INVALID_PROVINCE"]


def test_a_page_of_sellers_with_their_methods_costs_the_same_queries_at_any_size(
    graphql, auth_headers, roles
):
    query = """
    query ($first: Int) {
      sellers(first: $first) {
        edges { node { name shippingMethods { name kind price { amount } seller { slug } } } }
      }
    }
    """
    for _number in range(7):
        SellerFactory()
    for each in Seller.objects.all():
        ShippingMethodFactory(seller=each)
        ShippingMethodFactory(seller=each, kind=KIND.PICKUP, price=0, is_active=False)
    staff = MembershipFactory(seller=Seller.objects.order_by("name").first()).user

    without_methods = "query ($first: Int) { sellers(first: $first) { edges { node { name } } } }"

    # One query for every seller's methods, each with its seller; staff's own sellers are
    # read once more (``seller_ids_of``), to show them their inactive methods.
    for viewer, extra in ((None, 1), (staff, 2), (roles["operator"], 1)):
        counts = []
        for first in (2, 9):
            with CaptureQueriesContext(connection) as queries:
                _status, body = graphql(query, {"first": first}, **auth_headers(viewer))
            assert "errors" not in body, body
            edges = body["data"]["sellers"]["edges"]
            assert len(edges) == first
            assert all(edge["node"]["shippingMethods"] for edge in edges)
            counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            graphql(without_methods, {"first": 9}, **auth_headers(viewer))
        assert counts == [len(queries) + extra] * 2, (viewer, counts)


def test_the_cost_map_bounds_a_methods_lists_by_the_codes_limits():
    assert COST_MAP["ShippingMethod"]["weightBands"].items >= services.MAX_WEIGHT_BANDS
    assert COST_MAP["ShippingMethod"]["provinces"].items >= len(provinces())
