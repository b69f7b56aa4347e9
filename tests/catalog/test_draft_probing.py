"""Nobody learns whether another seller's product exists by asking to change it.

A stranger asking for another seller's draft gets, word for word, the answer a
missing ID gets; operators, who may see everything, are told what is missing.
"""

import pytest
from graphql_relay import to_global_id

from catalog.models import ProductImage
from tests.factories import ProductFactory, StockFactory, VariantFactory

pytestmark = pytest.mark.django_db

MISSING = 987_654

PRODUCT_UPDATE = """
mutation ($id: ID!) {
  productUpdate(id: $id, input: {name: "Hàng thử"}) { product { id } errors { field code message } }
}
"""
PRODUCT_DELETE = """
mutation ($id: ID!) { productDelete(id: $id) { product { id } errors { field code message } } }
"""
VARIANT_UPDATE = """
mutation ($id: ID!) {
  productVariantUpdate(id: $id, input: {price: 1000}) {
    productVariant { id } errors { field code message }
  }
}
"""
STOCK_UPDATE = """
mutation ($id: ID!) {
  stockUpdate(variant: $id, quantity: 5) { productVariant { id } errors { field code message } }
}
"""
IMAGE_DELETE = """
mutation ($id: ID!) {
  productImageDelete(id: $id) { productImage { id } errors { field code message } }
}
"""


@pytest.fixture
def draft(roles):
    product = ProductFactory(seller=roles["seller"], is_published=False, published_at=None)
    StockFactory(variant=VariantFactory(product=product, sku="NHAP-1"), quantity=3)
    # Dimensions given, so nothing opens the (absent) file: the refusal comes first.
    ProductImage.objects.create(product=product, image="products/nhap.png", width=32, height=24)
    return product


CASES = {
    "productUpdate": (PRODUCT_UPDATE, "Product", lambda draft: draft.pk),
    "productDelete": (PRODUCT_DELETE, "Product", lambda draft: draft.pk),
    "productVariantUpdate": (VARIANT_UPDATE, "ProductVariant", lambda d: d.variants.get().pk),
    "stockUpdate": (STOCK_UPDATE, "ProductVariant", lambda draft: draft.variants.get().pk),
    "productImageDelete": (IMAGE_DELETE, "ProductImage", lambda draft: draft.images.get().pk),
}


@pytest.mark.parametrize("role", ["other_staff", "buyer"])
@pytest.mark.parametrize("mutation", list(CASES))
def test_another_sellers_draft_and_a_missing_id_get_the_same_answer(
    graphql, auth_headers, roles, draft, mutation, role
):
    document, type_name, pk_of = CASES[mutation]
    headers = auth_headers(roles[role])
    answers = []
    for pk in (pk_of(draft), MISSING):
        status, body = graphql(document, {"id": to_global_id(type_name, pk)}, **headers)
        assert status == 200, body
        answers.append(body["data"][mutation])

    assert answers[0]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert answers[0] == answers[1]


def test_the_sellers_own_staff_are_refused_a_missing_id_like_a_strangers_draft(
    graphql, auth_headers, roles, draft
):
    # Staff of one seller cannot tell "not mine" from "not there" either: both are refused.
    other_draft = ProductFactory(seller=roles["other_seller"], is_published=False)
    headers = auth_headers(roles["own_staff"])
    answers = [
        graphql(PRODUCT_DELETE, {"id": to_global_id("Product", pk)}, **headers)[1]
        for pk in (other_draft.pk, MISSING)
    ]
    assert answers[0] == answers[1]
    assert answers[0]["data"]["productDelete"]["errors"][0]["code"] == "PERMISSION_DENIED"


def test_operators_are_told_an_id_is_missing(graphql, auth_headers, roles):
    status, body = graphql(
        PRODUCT_DELETE, {"id": to_global_id("Product", MISSING)}, **auth_headers(roles["operator"])
    )
    assert status == 200, body
    errors = body["data"]["productDelete"]["errors"]
    assert [(error["field"], error["code"]) for error in errors] == [("id", "NOT_FOUND")]
