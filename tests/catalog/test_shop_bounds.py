"""Numbers no shop means are refused: a "was" price below the price, absurd stock or prices."""

import pytest
from django.db import IntegrityError, transaction

from catalog.models import ProductVariant, Stock
from tests.factories import ProductFactory, StockFactory, VariantFactory

pytestmark = pytest.mark.django_db

VARIANT_CREATE = """
mutation ($input: ProductVariantCreateInput!) {
  productVariantCreate(input: $input) {
    productVariant { sku }
    errors { field code message }
  }
}
"""

VARIANT_UPDATE = """
mutation ($id: ID!, $input: ProductVariantInput!) {
  productVariantUpdate(id: $id, input: $input) {
    productVariant { sku }
    errors { field code }
  }
}
"""

STOCK_UPDATE = """
mutation ($variant: ID!, $quantity: Int!) {
  stockUpdate(variant: $variant, quantity: $quantity) {
    errors { field code }
  }
}
"""


@pytest.fixture
def staff_call(graphql, auth_headers, roles):
    def call(query, variables):
        return graphql(query, variables, **auth_headers(roles["own_staff"]))

    return call


@pytest.fixture
def product(roles):
    return ProductFactory(seller=roles["seller"])


def global_id(type_name: str, pk: int) -> str:
    from graphql_relay import to_global_id

    return to_global_id(type_name, pk)


@pytest.mark.parametrize("compare_at_price", [50_000, 85_000])
def test_a_compare_at_price_not_above_the_price_is_refused(staff_call, product, compare_at_price):
    _status, body = staff_call(
        VARIANT_CREATE,
        {
            "input": {
                "product": global_id("Product", product.pk),
                "sku": "NHO-500",
                "price": 85_000,
                "compareAtPrice": compare_at_price,
            },
        },
    )

    payload = body["data"]["productVariantCreate"]
    assert payload["productVariant"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("compareAtPrice", "COMPARE_AT_PRICE_NOT_ABOVE_PRICE")
    ]
    assert not ProductVariant.objects.exists()


def test_raising_the_price_over_the_compare_at_price_is_refused_on_the_price(staff_call, product):
    variant = VariantFactory(product=product, price=85_000, compare_at_price=99_000)

    _status, body = staff_call(
        VARIANT_UPDATE,
        {"id": global_id("ProductVariant", variant.pk), "input": {"price": 120_000}},
    )

    assert body["data"]["productVariantUpdate"]["errors"] == [
        {"field": "price", "code": "COMPARE_AT_PRICE_NOT_ABOVE_PRICE"}
    ]
    variant.refresh_from_db()
    assert variant.price == 85_000


def test_raising_the_price_and_clearing_the_compare_at_price_together_is_fine(staff_call, product):
    variant = VariantFactory(product=product, price=85_000, compare_at_price=99_000)

    _status, body = staff_call(
        VARIANT_UPDATE,
        {
            "id": global_id("ProductVariant", variant.pk),
            "input": {"price": 120_000, "compareAtPrice": None},
        },
    )

    assert body["data"]["productVariantUpdate"]["errors"] == []
    variant.refresh_from_db()
    assert (variant.price, variant.compare_at_price) == (120_000, None)


def test_the_database_refuses_a_compare_at_price_below_the_price(product):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.create(
            product=product, sku="NHO-X", price=85_000, compare_at_price=80_000
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", 1_000_000_001), ("compareAtPrice", 1_500_000_000), ("weightGrams", 1_000_001)],
)
def test_absurd_prices_and_weights_are_refused(staff_call, product, field, value):
    _status, body = staff_call(
        VARIANT_CREATE,
        {
            "input": {
                "product": global_id("Product", product.pk),
                "sku": "NHO-500",
                "price": 85_000,
                field: value,
            },
        },
    )

    errors = body["data"]["productVariantCreate"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "INVALID")]
    assert not ProductVariant.objects.exists()


@pytest.mark.parametrize("quantity", [2_147_483_647, 1_000_001])
def test_absurd_stock_is_refused(staff_call, product, quantity):
    variant = StockFactory(variant__product=product, quantity=10).variant

    _status, body = staff_call(
        STOCK_UPDATE, {"variant": global_id("ProductVariant", variant.pk), "quantity": quantity}
    )

    assert body["data"]["stockUpdate"]["errors"] == [{"field": "quantity", "code": "INVALID"}]
    assert Stock.objects.get(variant=variant).quantity == 10


def test_a_million_pieces_is_still_a_stock(staff_call, product):
    variant = StockFactory(variant__product=product, quantity=10).variant

    _status, body = staff_call(
        STOCK_UPDATE, {"variant": global_id("ProductVariant", variant.pk), "quantity": 1_000_000}
    )

    assert body["data"]["stockUpdate"]["errors"] == []
    assert Stock.objects.get(variant=variant).quantity == 1_000_000
