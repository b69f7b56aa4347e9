"""Catalog mutations over HTTP: typed errors, IDs, and nothing half-done."""

import datetime

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from catalog import tasks
from catalog.models import OcopCertificate, Product, ProductVariant, Stock
from market.accounts.jwt import ACCESS, encode
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    ProductFactory,
    StockFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return CategoryFactory(name="Đặc sản biển", slug="dac-san-bien")


@pytest.fixture
def product(roles, category):
    return ProductFactory(seller=roles["seller"], category=category, name="Nho sấy dẻo")


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


def ok(status: int, body: dict, name: str) -> dict:
    assert status == 200, body
    assert "errors" not in body, body
    payload = body["data"][name]
    assert payload["errors"] == [], payload["errors"]
    return payload


def errors_of(status: int, body: dict, name: str) -> list[dict]:
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"][name]["errors"]


PRODUCT_CREATE = """
mutation Create($input: ProductCreateInput!) {
  productCreate(input: $input) {
    product { id name slug isPublished publishedAt seller { id } attributes { name value } }
    errors { field code message }
  }
}
"""

PRODUCT_UPDATE = """
mutation Update($id: ID!, $input: ProductInput!) {
  productUpdate(id: $id, input: $input) {
    product { id name slug isPublished publishedAt }
    errors { field code message }
  }
}
"""

PRODUCT_DELETE = """
mutation Delete($id: ID!) {
  productDelete(id: $id) { product { id name } errors { field code message } }
}
"""

VARIANT_CREATE = """
mutation VariantCreate($input: ProductVariantCreateInput!) {
  productVariantCreate(input: $input) {
    productVariant { id sku price { amount currency } stock { quantity } }
    errors { field code message }
  }
}
"""

VARIANT_BULK_CREATE = """
mutation Bulk($product: ID!, $variants: [ProductVariantBulkCreateInput!]!) {
  productVariantBulkCreate(product: $product, variants: $variants) {
    count
    productVariants { sku }
    errors { field code message index }
  }
}
"""

VARIANT_UPDATE = """
mutation VariantUpdate($id: ID!, $input: ProductVariantInput!) {
  productVariantUpdate(id: $id, input: $input) {
    productVariant { sku price { amount } compareAtPrice { amount } }
    errors { field code message }
  }
}
"""

STOCK_UPDATE = """
mutation Stock($variant: ID!, $quantity: Int!) {
  stockUpdate(variant: $variant, quantity: $quantity) {
    productVariant { stock { quantity quantityAllocated } }
    errors { field code message }
  }
}
"""

CERTIFICATE_SUBMIT = """
mutation Submit($input: OcopCertificateSubmitInput!) {
  ocopCertificateSubmit(input: $input) {
    ocopCertificate { id stars level status expiresOn productGroup }
    errors { field code message }
  }
}
"""

CERTIFICATE_VERIFY = """
mutation Verify($id: ID!) {
  ocopCertificateVerify(id: $id) {
    ocopCertificate { id status }
    errors { field code message }
  }
}
"""

CERTIFICATE_REVOKE = """
mutation Revoke($id: ID!, $reason: String!) {
  ocopCertificateRevoke(id: $id, reason: $reason) {
    ocopCertificate { id status }
    errors { field code message }
  }
}
"""

PRODUCT_STARS = """
query Stars($id: ID!) { product(id: $id) { ocopStars } }
"""


# ---------------------------------------------------------------- products


def test_staff_create_a_product_with_a_folded_slug(graphql, auth_headers, roles, category):
    status, body = graphql(
        PRODUCT_CREATE,
        {
            "input": {
                "name": "Nước mắm Cà Ná loại đặc biệt",
                "category": gid("Category", category.pk),
                "description": "Ủ chượp truyền thống 12 tháng.",
                "attributes": [
                    {"name": "Xuất xứ", "value": "Ninh Thuận"},
                    {"name": "Quy cách", "value": "Chai 500 ml"},
                ],
                "isPublished": True,
            }
        },
        **auth_headers(roles["own_staff"]),
    )
    product = ok(status, body, "productCreate")["product"]

    assert product["slug"] == "nuoc-mam-ca-na-loai-dac-biet"
    assert product["seller"]["id"] == gid("Seller", roles["seller"].pk)
    assert product["isPublished"] is True
    assert product["publishedAt"] is not None
    # Returned sorted by name, whatever order they were sent in.
    assert product["attributes"] == [
        {"name": "Quy cách", "value": "Chai 500 ml"},
        {"name": "Xuất xứ", "value": "Ninh Thuận"},
    ]


def test_unknown_category_is_a_typed_error(graphql, auth_headers, roles):
    status, body = graphql(
        PRODUCT_CREATE,
        {"input": {"name": "Táo xanh Ninh Thuận", "category": gid("Category", 987_654)}},
        **auth_headers(roles["own_staff"]),
    )
    assert errors_of(status, body, "productCreate") == [
        {"field": "category", "code": "NOT_FOUND", "message": "Không tìm thấy danh mục 987654."}
    ]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "bad_id",
    ["not-a-global-id", to_global_id("Category", 1), to_global_id("Product", "abc"), ""],
)
def test_bad_ids_are_invalid_id_errors(graphql, auth_headers, roles, product, bad_id):
    status, body = graphql(
        PRODUCT_UPDATE,
        {"id": bad_id, "input": {"name": "Đổi tên"}},
        **auth_headers(roles["operator"]),
    )
    errors = errors_of(status, body, "productUpdate")
    assert [(e["field"], e["code"]) for e in errors] == [("id", "INVALID_ID")]
    product.refresh_from_db()
    assert product.name == "Nho sấy dẻo"


def test_a_missing_product_is_not_found(graphql, auth_headers, roles):
    status, body = graphql(
        PRODUCT_DELETE, {"id": gid("Product", 55_555)}, **auth_headers(roles["operator"])
    )
    errors = errors_of(status, body, "productDelete")
    assert [(e["field"], e["code"]) for e in errors] == [("id", "NOT_FOUND")]


def test_a_stranger_cannot_update_another_sellers_product(graphql, auth_headers, roles, product):
    before = Product.objects.values().get(pk=product.pk)
    status, body = graphql(
        PRODUCT_UPDATE,
        {
            "id": gid("Product", product.pk),
            "input": {"name": "Hàng nhái", "isPublished": False},
        },
        **auth_headers(roles["other_staff"]),
    )
    errors = errors_of(status, body, "productUpdate")
    assert [e["code"] for e in errors] == ["PERMISSION_DENIED"]
    assert body["data"]["productUpdate"]["product"] is None
    assert Product.objects.values().get(pk=product.pk) == before


def test_a_stranger_cannot_move_a_product_to_their_seller(graphql, auth_headers, roles, product):
    before = Product.objects.values().get(pk=product.pk)
    status, body = graphql(
        PRODUCT_UPDATE,
        {
            "id": gid("Product", product.pk),
            "input": {"seller": gid("Seller", roles["other_seller"].pk)},
        },
        **auth_headers(roles["other_staff"]),
    )
    assert [e["code"] for e in errors_of(status, body, "productUpdate")] == ["PERMISSION_DENIED"]
    assert Product.objects.values().get(pk=product.pk) == before


def test_even_the_owner_cannot_move_a_product(graphql, auth_headers, roles, product):
    before = Product.objects.values().get(pk=product.pk)
    status, body = graphql(
        PRODUCT_UPDATE,
        {
            "id": gid("Product", product.pk),
            "input": {"seller": gid("Seller", roles["other_seller"].pk), "name": "Nho mới"},
        },
        **auth_headers(roles["operator"]),
    )
    errors = errors_of(status, body, "productUpdate")
    assert [(e["field"], e["code"]) for e in errors] == [("seller", "SELLER_CANNOT_CHANGE")]
    assert Product.objects.values().get(pk=product.pk) == before


def test_staff_cannot_create_for_another_seller(graphql, auth_headers, roles, category):
    status, body = graphql(
        PRODUCT_CREATE,
        {
            "input": {
                "name": "Măng tây xanh",
                "category": gid("Category", category.pk),
                "seller": gid("Seller", roles["seller"].pk),
            }
        },
        **auth_headers(roles["other_staff"]),
    )
    assert [e["code"] for e in errors_of(status, body, "productCreate")] == ["PERMISSION_DENIED"]
    assert not Product.objects.exists()


def test_duplicate_attribute_names_are_refused(graphql, auth_headers, roles, category):
    status, body = graphql(
        PRODUCT_CREATE,
        {
            "input": {
                "name": "Muối tôm",
                "category": gid("Category", category.pk),
                "attributes": [
                    {"name": "Xuất xứ", "value": "Ninh Thuận"},
                    {"name": "Xuất xứ", "value": "Bình Thuận"},
                ],
            }
        },
        **auth_headers(roles["own_staff"]),
    )
    assert [(e["field"], e["code"]) for e in errors_of(status, body, "productCreate")] == [
        ("attributes", "INVALID")
    ]


def test_an_expired_token_is_refused_with_401_and_changes_nothing(graphql, roles, product):
    token = encode(user_id=roles["own_staff"].pk, token_type=ACCESS, ttl_seconds=-60)["token"]
    status, body = graphql(
        PRODUCT_UPDATE,
        {"id": gid("Product", product.pk), "input": {"name": "Hết hạn"}},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "JWT_EXPIRED"
    product.refresh_from_db()
    assert product.name == "Nho sấy dẻo"


def test_anonymous_is_told_to_sign_in(graphql, product):
    status, body = graphql(PRODUCT_DELETE, {"id": gid("Product", product.pk)})
    assert [e["code"] for e in errors_of(status, body, "productDelete")] == [
        "AUTHENTICATION_REQUIRED"
    ]
    assert Product.objects.filter(pk=product.pk).exists()


def test_delete_returns_the_deleted_products_id(graphql, auth_headers, roles, product):
    status, body = graphql(
        PRODUCT_DELETE, {"id": gid("Product", product.pk)}, **auth_headers(roles["own_owner"])
    )
    payload = ok(status, body, "productDelete")
    assert payload["product"] == {"id": gid("Product", product.pk), "name": "Nho sấy dẻo"}
    assert not Product.objects.filter(pk=product.pk).exists()


# ---------------------------------------------------------------- variants and stock


def test_variant_create_with_stock(graphql, auth_headers, roles, product):
    status, body = graphql(
        VARIANT_CREATE,
        {
            "input": {
                "product": gid("Product", product.pk),
                "sku": "NHO-SAY-500",
                "name": "Hộp 500 g",
                "price": 85_000,
                "quantity": 30,
            }
        },
        **auth_headers(roles["own_staff"]),
    )
    variant = ok(status, body, "productVariantCreate")["productVariant"]
    assert variant["price"] == {"amount": 85_000, "currency": "VND"}
    assert variant["stock"] == {"quantity": 30}


@pytest.mark.parametrize(
    ("field", "value", "api_field", "code"),
    [
        ("price", -1_000, "price", "NEGATIVE_PRICE"),
        ("compareAtPrice", -1, "compareAtPrice", "NEGATIVE_PRICE"),
        ("weightGrams", -500, "weightGrams", "NEGATIVE_WEIGHT"),
        ("quantity", -2, "quantity", "NEGATIVE_STOCK"),
    ],
)
def test_negative_numbers_are_typed_errors(
    graphql, auth_headers, roles, product, field, value, api_field, code
):
    variant_input = {"product": gid("Product", product.pk), "sku": "NHO-1KG", "price": 150_000}
    variant_input[field] = value
    status, body = graphql(
        VARIANT_CREATE, {"input": variant_input}, **auth_headers(roles["own_staff"])
    )
    errors = errors_of(status, body, "productVariantCreate")
    assert [(e["field"], e["code"]) for e in errors] == [(api_field, code)]
    assert not ProductVariant.objects.exists()


def test_duplicate_sku_in_the_database(graphql, auth_headers, roles, product):
    VariantFactory(sku="NHO-SAY-500")
    status, body = graphql(
        VARIANT_CREATE,
        {"input": {"product": gid("Product", product.pk), "sku": "NHO-SAY-500", "price": 1}},
        **auth_headers(roles["own_staff"]),
    )
    errors = errors_of(status, body, "productVariantCreate")
    assert [(e["field"], e["code"]) for e in errors] == [("sku", "UNIQUE")]


def test_bulk_create_reports_every_row_and_creates_nothing(graphql, auth_headers, roles, product):
    VariantFactory(sku="NHO-DB")
    status, body = graphql(
        VARIANT_BULK_CREATE,
        {
            "product": gid("Product", product.pk),
            "variants": [
                {"sku": "NHO-250", "price": 45_000},
                {"sku": "NHO-250", "price": 46_000},
                {"sku": "NHO-DB", "price": 47_000},
                {"sku": "NHO-1KG", "price": 150_000, "compareAtPrice": -5},
            ],
        },
        **auth_headers(roles["own_staff"]),
    )
    payload = body["data"]["productVariantBulkCreate"]
    assert status == 200
    assert payload["count"] == 0
    assert payload["productVariants"] is None
    assert sorted((e["index"], e["field"], e["code"]) for e in payload["errors"]) == [
        (1, "sku", "DUPLICATED_SKU"),
        (2, "sku", "UNIQUE"),
        (3, "compareAtPrice", "NEGATIVE_PRICE"),
    ]
    assert not ProductVariant.objects.filter(product=product).exists()


def test_bulk_create_creates_all(graphql, auth_headers, roles, product):
    status, body = graphql(
        VARIANT_BULK_CREATE,
        {
            "product": gid("Product", product.pk),
            "variants": [
                {"sku": "NHO-250", "name": "Túi 250 g", "price": 45_000, "quantity": 4},
                {"sku": "NHO-500", "name": "Hộp 500 g", "price": 85_000},
            ],
        },
        **auth_headers(roles["own_owner"]),
    )
    payload = ok(status, body, "productVariantBulkCreate")
    assert payload["count"] == 2
    assert [v["sku"] for v in payload["productVariants"]] == ["NHO-250", "NHO-500"]
    assert Stock.objects.filter(variant__product=product).count() == 2


def test_variant_update_clears_the_compare_at_price(graphql, auth_headers, roles, product):
    variant = VariantFactory(product=product, price=85_000, compare_at_price=99_000)
    status, body = graphql(
        VARIANT_UPDATE,
        {
            "id": gid("ProductVariant", variant.pk),
            "input": {"price": 80_000, "compareAtPrice": None},
        },
        **auth_headers(roles["own_staff"]),
    )
    updated = ok(status, body, "productVariantUpdate")["productVariant"]
    assert updated["price"] == {"amount": 80_000}
    assert updated["compareAtPrice"] is None


def test_stock_update_rules(graphql, auth_headers, roles, product):
    stock = StockFactory(variant=VariantFactory(product=product), quantity=20, quantity_allocated=5)
    variant_id = gid("ProductVariant", stock.variant_id)
    headers = auth_headers(roles["own_staff"])

    status, body = graphql(STOCK_UPDATE, {"variant": variant_id, "quantity": -1}, **headers)
    assert [e["code"] for e in errors_of(status, body, "stockUpdate")] == ["NEGATIVE_STOCK"]
    status, body = graphql(STOCK_UPDATE, {"variant": variant_id, "quantity": 4}, **headers)
    assert [e["code"] for e in errors_of(status, body, "stockUpdate")] == [
        "QUANTITY_BELOW_ALLOCATED"
    ]
    stock.refresh_from_db()
    assert stock.quantity == 20

    status, body = graphql(STOCK_UPDATE, {"variant": variant_id, "quantity": 5}, **headers)
    assert ok(status, body, "stockUpdate")["productVariant"]["stock"] == {
        "quantity": 5,
        "quantityAllocated": 5,
    }


def test_stock_update_with_a_product_id_is_invalid(graphql, auth_headers, roles, product):
    status, body = graphql(
        STOCK_UPDATE,
        {"variant": gid("Product", product.pk), "quantity": 3},
        **auth_headers(roles["own_staff"]),
    )
    errors = errors_of(status, body, "stockUpdate")
    assert [(e["field"], e["code"]) for e in errors] == [("variant", "INVALID_ID")]


# ---------------------------------------------------------------- OCOP certificates


def stars_of(graphql, product) -> int | None:
    status, body = graphql(PRODUCT_STARS, {"id": gid("Product", product.pk)})
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]["product"]["ocopStars"]


def test_certificate_submit_verify_expire_and_stars(graphql, auth_headers, roles, product):
    issued_on = timezone.localdate() - datetime.timedelta(days=20)
    status, body = graphql(
        CERTIFICATE_SUBMIT,
        {
            "input": {
                "product": gid("Product", product.pk),
                "stars": 4,
                "certificateNumber": "OCOP-NT-2025-0117",
                "issuingDecision": "Quyết định số 2150/QĐ-UBND ngày 02/10/2025",
                "productGroup": "FOOD",
                "issuedOn": issued_on.isoformat(),
            }
        },
        **auth_headers(roles["own_owner"]),
    )
    certificate = ok(status, body, "ocopCertificateSubmit")["ocopCertificate"]
    assert certificate["level"] == "PROVINCIAL"
    assert certificate["status"] == "PENDING"
    assert certificate["productGroup"] == "FOOD"
    assert certificate["expiresOn"] == OcopCertificate.default_expiry(issued_on).isoformat()
    assert stars_of(graphql, product) is None, "a pending certificate shows no stars"

    status, body = graphql(
        CERTIFICATE_VERIFY, {"id": certificate["id"]}, **auth_headers(roles["auditor"])
    )
    assert ok(status, body, "ocopCertificateVerify")["ocopCertificate"]["status"] == "VERIFIED"
    assert stars_of(graphql, product) == 4

    # The day after its last valid day, the beat task expires it.
    OcopCertificate.objects.update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert tasks.expire_ocop_certificates.delay().get() == 1
    assert OcopCertificate.objects.get().status == OcopCertificate.Status.EXPIRED
    assert stars_of(graphql, product) is None


def test_stars_come_only_from_verified_unexpired_certificates(graphql, product):
    today = timezone.localdate()
    OcopCertificateFactory(product=product, stars=5, status=OcopCertificate.Status.PENDING)
    OcopCertificateFactory(product=product, stars=5, status=OcopCertificate.Status.REVOKED)
    # Verified but past its date, before the nightly task has run.
    OcopCertificateFactory(
        product=product,
        stars=5,
        issued_on=today - datetime.timedelta(days=40 * 31),
        expires_on=today - datetime.timedelta(days=1),
    )
    assert stars_of(graphql, product) is None

    OcopCertificateFactory(product=product, stars=3)
    assert stars_of(graphql, product) == 3


def test_certificate_input_errors(graphql, auth_headers, roles, product):
    status, body = graphql(
        CERTIFICATE_SUBMIT,
        {
            "input": {
                "product": gid("Product", product.pk),
                "stars": 6,
                "certificateNumber": " ",
                "issuingDecision": "Quyết định số 99/QĐ-UBND",
                "productGroup": "HERBS",
                "issuedOn": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            }
        },
        **auth_headers(roles["own_staff"]),
    )
    errors = errors_of(status, body, "ocopCertificateSubmit")
    assert sorted((e["field"], e["code"]) for e in errors) == [
        ("certificateNumber", "REQUIRED"),
        ("issuedOn", "INVALID_DATE"),
        ("stars", "INVALID_STARS"),
    ]
    assert not OcopCertificate.objects.exists()


def test_revoke_needs_a_reason_and_a_reviewer(graphql, auth_headers, roles, product):
    certificate = OcopCertificateFactory(product=product)
    certificate_id = gid("OcopCertificate", certificate.pk)

    status, body = graphql(
        CERTIFICATE_REVOKE,
        {"id": certificate_id, "reason": "Tự thu hồi"},
        **auth_headers(roles["own_owner"]),
    )
    assert [e["code"] for e in errors_of(status, body, "ocopCertificateRevoke")] == [
        "PERMISSION_DENIED"
    ]
    status, body = graphql(
        CERTIFICATE_REVOKE, {"id": certificate_id, "reason": " "}, **auth_headers(roles["auditor"])
    )
    assert [(e["field"], e["code"]) for e in errors_of(status, body, "ocopCertificateRevoke")] == [
        ("reason", "REQUIRED")
    ]
    certificate.refresh_from_db()
    assert certificate.status == OcopCertificate.Status.VERIFIED

    status, body = graphql(
        CERTIFICATE_REVOKE,
        {"id": certificate_id, "reason": "Kiểm tra lại không đạt tiêu chí an toàn thực phẩm."},
        **auth_headers(roles["auditor"]),
    )
    assert ok(status, body, "ocopCertificateRevoke")["ocopCertificate"]["status"] == "REVOKED"
