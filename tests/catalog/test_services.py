"""The catalog's write rules, exercised through ``catalog.services`` on PostgreSQL."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog import services
from catalog.models import OcopCertificate, Product, ProductVariant, Stock
from market.core.errors import DomainError, NotFound, PermissionDenied
from market.core.models import ChangeRecord
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    ProductFactory,
    StockFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def error_codes(exc_info) -> dict[str, list[str]]:
    return {
        field: [error.code for error in errors]
        for field, errors in exc_info.value.error_dict.items()
    }


@pytest.fixture
def category():
    return CategoryFactory(name="Đặc sản Ninh Thuận", slug="dac-san-ninh-thuan")


@pytest.fixture
def product(roles, category):
    return ProductFactory(seller=roles["seller"], category=category, name="Nho sấy dẻo")


# ------------------------------------------------------------------ products


def test_product_slug_is_folded_from_the_vietnamese_name_and_deduplicated(roles, category):
    first = services.product_create(
        by=roles["own_staff"], name="Nước mắm Cà Ná", category_id=category.pk
    )
    second = services.product_create(
        by=roles["own_owner"], name="Nước mắm  Cà Ná!", category_id=category.pk
    )
    third = services.product_create(
        by=roles["operator"],
        seller_id=roles["seller"].pk,
        name="Đặc sản Đường phèn",
        category_id=category.pk,
    )

    assert first.slug == "nuoc-mam-ca-na"
    assert second.slug == "nuoc-mam-ca-na-2"
    assert third.slug == "dac-san-duong-phen"
    assert {first.seller_id, second.seller_id, third.seller_id} == {roles["seller"].pk}


def test_a_name_with_no_letters_still_gets_a_slug(roles, category):
    product = services.product_create(by=roles["own_staff"], name="100%", category_id=category.pk)
    assert product.slug == "100"
    other = services.product_create(by=roles["own_staff"], name="★★★", category_id=category.pk)
    assert other.slug == "san-pham"


def test_an_explicit_slug_must_be_free_and_well_formed(roles, category, product):
    with pytest.raises(ValidationError) as taken:
        services.product_create(
            by=roles["own_staff"], name="Táo xanh", category_id=category.pk, slug=product.slug
        )
    with pytest.raises(ValidationError) as malformed:
        services.product_create(
            by=roles["own_staff"], name="Táo xanh", category_id=category.pk, slug="táo xanh"
        )

    assert error_codes(taken) == {"slug": ["UNIQUE"]}
    assert error_codes(malformed) == {"slug": ["INVALID"]}


def test_staff_create_only_for_their_own_seller(roles, category):
    with pytest.raises(PermissionDenied):
        services.product_create(
            by=roles["other_staff"],
            seller_id=roles["seller"].pk,
            name="Muối hồng Tuấn Tú",
            category_id=category.pk,
        )
    assert not Product.objects.filter(name="Muối hồng Tuấn Tú").exists()


def test_operator_must_name_the_seller(roles, category):
    with pytest.raises(ValidationError) as exc_info:
        services.product_create(by=roles["operator"], name="Tỏi Phan Rang", category_id=1)
    assert error_codes(exc_info) == {"seller": ["REQUIRED"]}


def test_anonymous_cannot_create(category):
    with pytest.raises(PermissionDenied) as exc_info:
        services.product_create(by=None, name="Tỏi Phan Rang", category_id=category.pk)
    assert exc_info.value.code == "AUTHENTICATION_REQUIRED"


def test_unknown_category_and_blank_name_are_reported_together(roles):
    with pytest.raises(ValidationError) as exc_info:
        services.product_create(by=roles["own_staff"], name="   ", category_id=999_999)
    assert error_codes(exc_info) == {"name": ["REQUIRED"], "category": ["NOT_FOUND"]}
    assert not Product.objects.exists()


def test_publishing_sets_published_at_and_hiding_clears_it(roles, category):
    product = services.product_create(
        by=roles["own_staff"], name="Mật ong hoa nhãn", category_id=category.pk
    )
    assert product.is_published is False
    assert product.published_at is None

    before = timezone.now()
    published = services.product_update(
        by=roles["own_staff"], product_id=product.pk, is_published=True
    )
    assert published.is_published is True
    assert published.published_at >= before

    hidden = services.product_update(
        by=roles["own_staff"], product_id=product.pk, is_published=False
    )
    assert hidden.published_at is None


def test_update_keeps_the_slug_when_the_name_changes(roles, product):
    old_slug = product.slug
    updated = services.product_update(
        by=roles["own_owner"], product_id=product.pk, name="Nho sấy dẻo không đường"
    )
    assert updated.name == "Nho sấy dẻo không đường"
    assert updated.slug == old_slug


def test_a_product_never_moves_to_another_seller(roles, product):
    with pytest.raises(ValidationError) as exc_info:
        services.product_update(
            by=roles["operator"], product_id=product.pk, seller_id=roles["other_seller"].pk
        )
    assert error_codes(exc_info) == {"seller": ["SELLER_CANNOT_CHANGE"]}
    product.refresh_from_db()
    assert product.seller_id == roles["seller"].pk

    same = services.product_update(
        by=roles["own_staff"], product_id=product.pk, seller_id=roles["seller"].pk
    )
    assert same.seller_id == roles["seller"].pk


def test_a_stranger_cannot_update_and_nothing_changes(roles, product):
    before = Product.objects.values().get(pk=product.pk)
    with pytest.raises(PermissionDenied):
        services.product_update(
            by=roles["other_staff"], product_id=product.pk, name="Hàng giả", is_published=False
        )
    assert Product.objects.values().get(pk=product.pk) == before


def test_update_of_a_missing_product_is_not_found(roles):
    with pytest.raises(NotFound) as exc_info:
        services.product_update(by=roles["operator"], product_id=424_242, name="Không có")
    assert exc_info.value.field == "id"


def test_product_changes_are_recorded_for_search(roles, product):
    ChangeRecord.objects.all().delete()
    services.product_update(by=roles["own_staff"], product_id=product.pk, name="Nho sấy mới")
    assert list(ChangeRecord.objects.values_list("object_id", flat=True)) == [product.pk]


def test_delete_removes_variants_and_stock(roles, product):
    StockFactory(variant=VariantFactory(product=product))
    deleted = services.product_delete(by=roles["own_owner"], product_id=product.pk)
    assert deleted.pk == product.pk
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not ProductVariant.objects.filter(product_id=product.pk).exists()
    assert not Stock.objects.exists()


# ------------------------------------------------------------------ variants


def test_variant_create_makes_its_stock(roles, product):
    variant = services.variant_create(
        by=roles["own_staff"],
        product_id=product.pk,
        sku="NHO-500",
        name="Hộp 500 g",
        price=85_000,
        compare_at_price=95_000,
        weight_grams=520,
        quantity=40,
    )
    assert variant.product_id == product.pk
    assert Stock.objects.get(variant=variant).quantity == 40


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("price", -1, "NEGATIVE_PRICE"),
        ("compare_at_price", -5_000, "NEGATIVE_PRICE"),
        ("weight_grams", -10, "NEGATIVE_WEIGHT"),
        ("quantity", -3, "NEGATIVE_STOCK"),
        ("price", 2**63, "INVALID"),
        ("sku", "  ", "REQUIRED"),
        ("sku", "X" * 65, "INVALID"),
    ],
)
def test_variant_numbers_are_never_negative(roles, product, field, value, code):
    arguments = {"sku": "NHO-1KG", "price": 150_000, field: value}
    with pytest.raises(ValidationError) as exc_info:
        services.variant_create(by=roles["own_staff"], product_id=product.pk, **arguments)
    assert error_codes(exc_info) == {field: [code]}
    assert not ProductVariant.objects.exists()


def test_duplicate_sku_is_unique_error(roles, product):
    VariantFactory(sku="NHO-500")
    with pytest.raises(ValidationError) as exc_info:
        services.variant_create(
            by=roles["own_staff"], product_id=product.pk, sku=" NHO-500 ", price=1
        )
    assert error_codes(exc_info) == {"sku": ["UNIQUE"]}


def test_bulk_create_is_all_or_nothing(roles, product):
    VariantFactory(sku="NHO-DB")
    with pytest.raises(ValidationError) as exc_info:
        services.variant_bulk_create(
            by=roles["own_staff"],
            product_id=product.pk,
            variants=[
                {"sku": "NHO-250", "price": 45_000, "quantity": 5},
                {"sku": "NHO-250", "price": 46_000},
                {"sku": "NHO-DB", "price": 47_000},
                {"sku": "NHO-NEG", "price": -1},
                {"sku": "NHO-OK", "price": 90_000},
            ],
        )
    assert error_codes(exc_info) == {
        "variants.1.sku": ["DUPLICATED_SKU"],
        "variants.2.sku": ["UNIQUE"],
        "variants.3.price": ["NEGATIVE_PRICE"],
    }
    assert not ProductVariant.objects.filter(product=product).exists()


def test_bulk_create_creates_every_variant_in_order(roles, product):
    created = services.variant_bulk_create(
        by=roles["own_owner"],
        product_id=product.pk,
        variants=[
            {"sku": "NHO-250", "name": "Túi 250 g", "price": 45_000, "quantity": 5},
            {"sku": "NHO-500", "name": "Hộp 500 g", "price": 85_000},
        ],
    )
    assert [variant.sku for variant in created] == ["NHO-250", "NHO-500"]
    assert [variant.sort_order for variant in created] == [0, 1]
    assert [Stock.objects.get(variant=v).quantity for v in created] == [5, 0]


def test_bulk_create_refuses_empty_input(roles, product):
    with pytest.raises(ValidationError) as exc_info:
        services.variant_bulk_create(by=roles["own_staff"], product_id=product.pk, variants=[])
    assert error_codes(exc_info) == {"variants": ["REQUIRED"]}


def test_variant_update_checks_sku_and_price(roles, product):
    variant = VariantFactory(product=product, sku="NHO-A", price=10_000)
    VariantFactory(sku="NHO-B")
    with pytest.raises(ValidationError) as exc_info:
        services.variant_update(by=roles["own_staff"], variant_id=variant.pk, sku="NHO-B", price=-2)
    assert error_codes(exc_info) == {"sku": ["UNIQUE"], "price": ["NEGATIVE_PRICE"]}

    updated = services.variant_update(
        by=roles["own_staff"], variant_id=variant.pk, price=12_000, compare_at_price=None
    )
    assert updated.price == 12_000
    assert updated.compare_at_price is None


def test_variant_delete_by_a_stranger_is_refused(roles, product):
    variant = VariantFactory(product=product)
    with pytest.raises(PermissionDenied):
        services.variant_delete(by=roles["other_staff"], variant_id=variant.pk)
    assert ProductVariant.objects.filter(pk=variant.pk).exists()


# ------------------------------------------------------------------ stock


def test_stock_never_below_what_orders_hold(roles, product):
    stock = StockFactory(variant=VariantFactory(product=product), quantity=50, quantity_allocated=8)
    with pytest.raises(ValidationError) as below:
        services.stock_update(by=roles["own_staff"], variant_id=stock.variant_id, quantity=7)
    with pytest.raises(ValidationError) as negative:
        services.stock_update(by=roles["own_staff"], variant_id=stock.variant_id, quantity=-1)

    assert error_codes(below) == {"quantity": ["QUANTITY_BELOW_ALLOCATED"]}
    assert error_codes(negative) == {"quantity": ["NEGATIVE_STOCK"]}
    stock.refresh_from_db()
    assert stock.quantity == 50

    variant = services.stock_update(by=roles["own_staff"], variant_id=stock.variant_id, quantity=8)
    assert variant.stock.quantity == 8


def test_stock_row_is_created_when_missing(roles, product):
    variant = VariantFactory(product=product)
    services.stock_update(by=roles["operator"], variant_id=variant.pk, quantity=12)
    assert Stock.objects.get(variant=variant).quantity == 12


# ------------------------------------------------------------------ OCOP certificates


def submit(user, product, **overrides):
    arguments = {
        "stars": 4,
        "certificate_number": "OCOP-NT-2025-0042",
        "issuing_decision": "Quyết định số 1234/QĐ-UBND ngày 15/3/2025",
        "product_group": OcopCertificate.ProductGroup.FOOD,
        "issued_on": timezone.localdate() - datetime.timedelta(days=10),
    }
    arguments.update(overrides)
    return services.ocop_certificate_submit(by=user, product_id=product.pk, **arguments)


@pytest.mark.parametrize(
    ("stars", "level"), [(3, "provincial"), (4, "provincial"), (5, "national")]
)
def test_submit_derives_level_and_default_expiry(roles, product, stars, level):
    issued_on = datetime.date(2025, 3, 15)
    certificate = submit(roles["own_staff"], product, stars=stars, issued_on=issued_on)
    assert certificate.level == level
    assert certificate.expires_on == datetime.date(2028, 3, 15)
    assert certificate.status == OcopCertificate.Status.PENDING
    assert certificate.submitted_by == roles["own_staff"]


@pytest.mark.parametrize("stars", [0, 2, 6])
def test_stars_are_three_to_five(roles, product, stars):
    with pytest.raises(ValidationError) as exc_info:
        submit(roles["own_staff"], product, stars=stars)
    assert error_codes(exc_info) == {"stars": ["INVALID_STARS"]}


def test_submit_checks_dates_and_number(roles, product):
    OcopCertificateFactory(certificate_number="OCOP-NT-2025-0042")
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc_info:
        submit(
            roles["own_staff"],
            product,
            issued_on=today + datetime.timedelta(days=1),
            expires_on=today,
        )
    assert error_codes(exc_info) == {
        "certificate_number": ["UNIQUE"],
        "issued_on": ["INVALID_DATE"],
        "expires_on": ["INVALID_DATE"],
    }


def test_an_already_expired_certificate_cannot_be_submitted(roles, product):
    with pytest.raises(ValidationError) as exc_info:
        submit(roles["own_staff"], product, issued_on=datetime.date(2020, 1, 10))
    assert error_codes(exc_info) == {"expires_on": ["CERTIFICATE_EXPIRED"]}


def test_only_the_sellers_staff_submit(roles, product):
    for role in ("auditor", "other_staff", "buyer"):
        with pytest.raises(PermissionDenied):
            submit(roles[role], product)
    assert not OcopCertificate.objects.exists()


def test_certificate_submit_verify_expire_flow(roles, product):
    certificate = submit(roles["own_owner"], product, stars=5)

    with pytest.raises(PermissionDenied):
        services.ocop_certificate_verify(by=roles["own_owner"], certificate_id=certificate.pk)

    verified = services.ocop_certificate_verify(by=roles["auditor"], certificate_id=certificate.pk)
    assert verified.status == OcopCertificate.Status.VERIFIED
    assert verified.reviewed_by == roles["auditor"]
    assert verified.reviewed_at is not None

    with pytest.raises(DomainError) as again:
        services.ocop_certificate_verify(by=roles["operator"], certificate_id=certificate.pk)
    assert again.value.code == "INVALID_STATUS"

    last_valid_day = verified.expires_on
    assert services.ocop_certificates_expire(today=last_valid_day) == 0
    assert services.ocop_certificates_expire(today=last_valid_day + datetime.timedelta(days=1)) == 1
    certificate.refresh_from_db()
    assert certificate.status == OcopCertificate.Status.EXPIRED


def test_expiry_touches_only_verified_certificates_past_their_date(product):
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=40 * 31)
    old_verified = OcopCertificateFactory(product=product, issued_on=long_ago)
    old_pending = OcopCertificateFactory(
        product=product, issued_on=long_ago, status=OcopCertificate.Status.PENDING
    )
    current = OcopCertificateFactory(product=product)

    ChangeRecord.objects.all().delete()
    assert services.ocop_certificates_expire(today=today) == 1

    statuses = dict(OcopCertificate.objects.values_list("pk", "status"))
    assert statuses == {
        old_verified.pk: "expired",
        old_pending.pk: "pending",
        current.pk: "verified",
    }
    assert list(ChangeRecord.objects.values_list("object_id", flat=True)) == [product.pk]


def test_revoke_needs_a_reason(roles, product):
    certificate = OcopCertificateFactory(product=product)
    with pytest.raises(ValidationError) as exc_info:
        services.ocop_certificate_revoke(
            by=roles["auditor"], certificate_id=certificate.pk, reason="  "
        )
    assert error_codes(exc_info) == {"reason": ["REQUIRED"]}

    revoked = services.ocop_certificate_revoke(
        by=roles["operator"],
        certificate_id=certificate.pk,
        reason="Sản phẩm không còn đạt tiêu chí chất lượng khi đánh giá lại.",
    )
    assert revoked.status == OcopCertificate.Status.REVOKED
    assert revoked.revocation_reason.startswith("Sản phẩm")


def test_verifying_an_expired_pending_certificate_is_refused(roles, product):
    certificate = OcopCertificateFactory(
        product=product,
        issued_on=datetime.date(2020, 1, 10),
        status=OcopCertificate.Status.PENDING,
    )
    with pytest.raises(DomainError) as exc_info:
        services.ocop_certificate_verify(by=roles["auditor"], certificate_id=certificate.pk)
    assert exc_info.value.code == "CERTIFICATE_EXPIRED"
    certificate.refresh_from_db()
    assert certificate.status == OcopCertificate.Status.PENDING
