"""Catalog queries as a storefront, a seller's staff, an auditor and an operator see them."""

import datetime
import unicodedata

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from catalog.models import (
    CategoryTranslation,
    OcopCertificate,
    ProductImage,
    ProductImageThumbnail,
    ProductTranslation,
)
from market.sellers.models import Seller
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    ProductFactory,
    SellerFactory,
    StockFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


PRODUCTS = """
query Products($filter: ProductFilterInput, $sortBy: ProductSortingInput) {
  products(first: 50, filter: $filter, sortBy: $sortBy) {
    totalCount
    edges { node { name slug } }
  }
}
"""

PRODUCT_BY_SLUG = """
query Product($slug: String!) {
  product(slug: $slug) {
    id name isPublished
  }
}
"""


def names(body) -> list[str]:
    assert "errors" not in body, body
    return [edge["node"]["name"] for edge in body["data"]["products"]["edges"]]


def list_products(graphql, headers=None, **filters):
    status, body = graphql(PRODUCTS, {"filter": filters or None}, **(headers or {}))
    assert status == 200
    return body


def add_image(product, *, thumbnail_sizes=(), sort_order=0, name="nho-say.jpg"):
    image = ProductImage.objects.create(
        product=product,
        image=f"products/{name}",
        width=1600,
        height=1200,
        alt=f"Ảnh {product.name}",
        sort_order=sort_order,
    )
    for size in thumbnail_sizes:
        ProductImageThumbnail.objects.create(
            image=image, size=size, file=f"products/thumbnails/{name}-{size}.webp"
        )
    return image


# ---------------------------------------------------------------- product fields


def test_a_product_shows_its_seller_category_variants_pricing_and_facts(graphql):
    seller = SellerFactory(name="HTX Nho Thái An")
    category = CategoryFactory(name="Trái cây sấy")
    product = ProductFactory(
        seller=seller,
        category=category,
        name="Nho xanh sấy dẻo Thái An",
        attributes={"origin": "Ninh Hải, Ninh Thuận", "shelfLifeMonths": 12},
    )
    small = VariantFactory(product=product, name="Hộp 250 g", price=45_000, sort_order=0)
    large = VariantFactory(
        product=product, name="Hộp 500 g", price=85_000, compare_at_price=95_000, sort_order=1
    )
    StockFactory(variant=small, quantity=0)
    StockFactory(variant=large, quantity=7, quantity_allocated=2)

    status, body = graphql(
        """
        query ($slug: String!) {
          product(slug: $slug) {
            name
            attributes { name value }
            seller { name }
            category { name }
            pricing { priceRange { start { amount currency } stop { amount currency } } }
            isAvailable
            variants {
              name price { amount currency } compareAtPrice { amount }
              quantityAvailable isAvailable
            }
          }
        }
        """,
        {"slug": product.slug},
    )

    assert status == 200
    assert "errors" not in body, body
    data = body["data"]["product"]
    assert data["name"] == "Nho xanh sấy dẻo Thái An"
    assert data["attributes"] == [
        {"name": "origin", "value": "Ninh Hải, Ninh Thuận"},
        {"name": "shelfLifeMonths", "value": "12"},
    ]
    assert data["seller"] == {"name": "HTX Nho Thái An"}
    assert data["category"] == {"name": "Trái cây sấy"}
    assert data["pricing"]["priceRange"] == {
        "start": {"amount": 45_000, "currency": "VND"},
        "stop": {"amount": 85_000, "currency": "VND"},
    }
    assert data["isAvailable"] is True
    assert data["variants"] == [
        {
            "name": "Hộp 250 g",
            "price": {"amount": 45_000, "currency": "VND"},
            "compareAtPrice": None,
            "quantityAvailable": 0,
            "isAvailable": False,
        },
        {
            "name": "Hộp 500 g",
            "price": {"amount": 85_000, "currency": "VND"},
            "compareAtPrice": {"amount": 95_000},
            "quantityAvailable": 5,
            "isAvailable": True,
        },
    ]


def test_a_product_without_variants_has_no_pricing_and_is_not_available(graphql):
    product = ProductFactory(name="Măng tây xanh Phước Dinh")

    _status, body = graphql(
        "query ($slug: String!) { product(slug: $slug) {"
        " pricing { priceRange { start { amount } } } isAvailable variants { sku } } }",
        {"slug": product.slug},
    )

    assert body["data"]["product"] == {"pricing": None, "isAvailable": False, "variants": []}


THUMBNAILS = """
query ($slug: String!, $size: Int) {
  product(slug: $slug) {
    thumbnail(size: $size)
    images { url alt width height thumbnailUrl(size: $size) }
  }
}
"""


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (64, "products/thumbnails/tao-xanh.jpg-128.webp"),
        (128, "products/thumbnails/tao-xanh.jpg-128.webp"),
        (200, "products/thumbnails/tao-xanh.jpg-256.webp"),
        (512, "products/thumbnails/tao-xanh.jpg-512.webp"),
        # Nothing generated is large enough: the original is the largest there is.
        (1000, "products/tao-xanh.jpg"),
    ],
)
def test_thumbnail_is_the_smallest_generated_size_not_below_the_one_asked(graphql, size, expected):
    product = ProductFactory(name="Táo xanh Ninh Thuận")
    add_image(product, thumbnail_sizes=(512, 128, 256), name="tao-xanh.jpg")

    _status, body = graphql(THUMBNAILS, {"slug": product.slug, "size": size})

    assert "errors" not in body, body
    data = body["data"]["product"]
    assert data["thumbnail"] == f"http://testserver/media/{expected}"
    assert data["images"][0]["thumbnailUrl"] == f"http://testserver/media/{expected}"
    assert data["images"][0]["url"] == "http://testserver/media/products/tao-xanh.jpg"
    assert data["images"][0]["alt"] == "Ảnh Táo xanh Ninh Thuận"
    assert (data["images"][0]["width"], data["images"][0]["height"]) == (1600, 1200)


def test_thumbnail_falls_back_to_the_original_and_is_null_without_images(graphql):
    with_image = ProductFactory(name="Tỏi Phan Rang")
    add_image(with_image, name="toi.jpg")  # thumbnails not made yet
    add_image(with_image, name="toi-2.jpg", sort_order=1, thumbnail_sizes=(256,))
    without_image = ProductFactory(name="Hành tím Ninh Thuận")

    _status, first = graphql(THUMBNAILS, {"slug": with_image.slug, "size": 256})
    _status, second = graphql(THUMBNAILS, {"slug": without_image.slug, "size": 256})

    # The first image by sort order is the product's thumbnail.
    assert first["data"]["product"]["thumbnail"] == "http://testserver/media/products/toi.jpg"
    assert second["data"]["product"] == {"thumbnail": None, "images": []}


@pytest.mark.parametrize("size", [0, -5, 100_000])
def test_an_impossible_thumbnail_size_is_a_typed_error(graphql, size):
    product = ProductFactory()
    add_image(product)

    status, body = graphql(THUMBNAILS, {"slug": product.slug, "size": size})

    assert status == 200, body
    assert {error["extensions"]["code"] for error in body["errors"]} == {"INVALID"}


# ---------------------------------------------------------------- OCOP


OCOP = """
query ($slug: String!) {
  product(slug: $slug) {
    ocopStars
    ocopCertificates {
      stars certificateNumber issuingDecision level productGroup issuedOn expiresOn status
    }
  }
}
"""


def test_ocop_stars_come_from_the_best_verified_unexpired_certificate(graphql):
    product = ProductFactory(name="Mật nho Ba Mọi")
    today = timezone.localdate()
    OcopCertificateFactory(product=product, stars=3, certificate_number="NT-OCOP-0003")
    OcopCertificateFactory(product=product, stars=4, certificate_number="NT-OCOP-0004")
    # Five stars, but not to be relied on: pending, revoked, expired by status or by date.
    OcopCertificateFactory(
        product=product, stars=5, status=OcopCertificate.Status.PENDING, certificate_number="P-5"
    )
    OcopCertificateFactory(
        product=product, stars=5, status=OcopCertificate.Status.REVOKED, certificate_number="R-5"
    )
    OcopCertificateFactory(
        product=product, stars=5, status=OcopCertificate.Status.EXPIRED, certificate_number="E-5"
    )
    OcopCertificateFactory(
        product=product,
        stars=5,
        certificate_number="D-5",
        issued_on=today - datetime.timedelta(days=1200),
        expires_on=today - datetime.timedelta(days=1),
    )

    _status, body = graphql(OCOP, {"slug": product.slug})

    assert body["data"]["product"]["ocopStars"] == 4
    assert sorted(c["certificateNumber"] for c in body["data"]["product"]["ocopCertificates"]) == [
        "NT-OCOP-0003",
        "NT-OCOP-0004",
    ]


def test_a_certificate_expiring_today_still_counts(graphql):
    product = ProductFactory()
    today = timezone.localdate()
    OcopCertificateFactory(
        product=product,
        stars=3,
        issued_on=today - datetime.timedelta(days=1095),
        expires_on=today,
    )

    _status, body = graphql(OCOP, {"slug": product.slug})

    assert body["data"]["product"]["ocopStars"] == 3


def test_certificate_fields_use_the_ocop_enums(graphql):
    product = ProductFactory()
    issued = datetime.date(2024, 9, 12)
    OcopCertificateFactory(
        product=product,
        stars=5,
        certificate_number="QG-OCOP-2024-017",
        issuing_decision="Quyết định số 1719/QĐ-BNN-KTHT",
        product_group=OcopCertificate.ProductGroup.BEVERAGES,
        issued_on=issued,
        expires_on=OcopCertificate.default_expiry(issued),
    )

    _status, body = graphql(OCOP, {"slug": product.slug})

    assert body["data"]["product"]["ocopCertificates"] == [
        {
            "stars": 5,
            "certificateNumber": "QG-OCOP-2024-017",
            "issuingDecision": "Quyết định số 1719/QĐ-BNN-KTHT",
            "level": "NATIONAL",
            "productGroup": "BEVERAGES",
            "issuedOn": "2024-09-12",
            "expiresOn": "2027-09-12",
            "status": "VERIFIED",
        }
    ]
    assert body["data"]["product"]["ocopStars"] == 5


def test_a_product_without_a_current_certificate_has_no_stars(graphql):
    product = ProductFactory()
    OcopCertificateFactory(product=product, status=OcopCertificate.Status.PENDING)

    _status, body = graphql(OCOP, {"slug": product.slug})

    assert body["data"]["product"]["ocopStars"] is None
    assert body["data"]["product"]["ocopCertificates"] == []


@pytest.mark.parametrize(
    ("role", "sees_all"),
    [
        ("anonymous", False),
        ("buyer", False),
        ("other_staff", False),
        ("own_staff", True),
        ("own_owner", True),
        ("auditor", True),
        ("operator", True),
    ],
)
def test_pending_and_revoked_certificates_are_shown_to_insiders_only(
    graphql, auth_headers, roles, role, sees_all
):
    product = ProductFactory(seller=roles["seller"])
    OcopCertificateFactory(product=product, certificate_number="NT-1")
    OcopCertificateFactory(
        product=product, certificate_number="NT-2", status=OcopCertificate.Status.PENDING
    )
    OcopCertificateFactory(
        product=product, certificate_number="NT-3", status=OcopCertificate.Status.REVOKED
    )

    _status, body = graphql(OCOP, {"slug": product.slug}, **auth_headers(roles[role]))

    numbers = sorted(c["certificateNumber"] for c in body["data"]["product"]["ocopCertificates"])
    assert numbers == (["NT-1", "NT-2", "NT-3"] if sees_all else ["NT-1"])
    assert body["data"]["product"]["ocopStars"] == 4


# ---------------------------------------------------------------- stock


@pytest.mark.parametrize(
    ("role", "sees_stock"),
    [
        ("anonymous", False),
        ("buyer", False),
        ("other_staff", False),
        ("auditor", False),
        ("own_staff", True),
        ("own_owner", True),
        ("operator", True),
    ],
)
def test_stock_levels_are_shown_to_the_sellers_staff_and_operators(
    graphql, auth_headers, roles, role, sees_stock
):
    product = ProductFactory(seller=roles["seller"])
    StockFactory(variant=VariantFactory(product=product), quantity=30, quantity_allocated=4)

    _status, body = graphql(
        "query ($slug: String!) { product(slug: $slug) { variants {"
        " quantityAvailable stock { quantity quantityAllocated quantityAvailable } } } }",
        {"slug": product.slug},
        **auth_headers(roles[role]),
    )

    assert "errors" not in body, body
    variant = body["data"]["product"]["variants"][0]
    assert variant["quantityAvailable"] == 26
    expected = {"quantity": 30, "quantityAllocated": 4, "quantityAvailable": 26}
    assert variant["stock"] == (expected if sees_stock else None)


def test_stock_of_a_variant_reached_by_id_follows_the_same_rule(graphql, auth_headers, roles):
    product = ProductFactory(seller=roles["seller"])
    variant = VariantFactory(product=product)
    StockFactory(variant=variant, quantity=12)
    query = (
        "query ($id: ID!) { node(id: $id) { ... on ProductVariant { sku stock { quantity } } } }"
    )
    variables = {"id": to_global_id("ProductVariant", variant.pk)}

    _status, staff = graphql(query, variables, **auth_headers(roles["own_staff"]))
    _status, buyer = graphql(query, variables, **auth_headers(roles["buyer"]))

    assert staff["data"]["node"] == {"sku": variant.sku, "stock": {"quantity": 12}}
    assert buyer["data"]["node"] == {"sku": variant.sku, "stock": None}


# ---------------------------------------------------------------- visibility


@pytest.mark.parametrize(
    ("role", "sees_draft"),
    [
        ("anonymous", False),
        ("buyer", False),
        ("other_staff", False),
        ("own_staff", True),
        ("own_owner", True),
        ("auditor", True),
        ("operator", True),
    ],
)
def test_unpublished_products_are_seen_by_their_staff_auditors_and_operators_only(
    graphql, auth_headers, roles, role, sees_draft
):
    ProductFactory(seller=roles["seller"], name="Rượu vang nho Phan Rang")
    draft = ProductFactory(
        seller=roles["seller"], name="Bánh tráng nước dừa", is_published=False, published_at=None
    )
    # Another seller's draft: its own staff see it, this seller's staff do not.
    ProductFactory(seller=roles["other_seller"], name="Mực một nắng Cà Ná", is_published=False)
    headers = auth_headers(roles[role])

    listed = names(list_products(graphql, headers))
    _status, by_slug = graphql(PRODUCT_BY_SLUG, {"slug": draft.slug}, **headers)
    _status, by_node = graphql(
        "query ($id: ID!) { node(id: $id) { ... on Product { name } } }",
        {"id": to_global_id("Product", draft.pk)},
        **headers,
    )

    assert ("Bánh tráng nước dừa" in listed) is sees_draft
    assert "Rượu vang nho Phan Rang" in listed
    assert ("Mực một nắng Cà Ná" in listed) is (role in ("other_staff", "auditor", "operator"))
    if sees_draft:
        assert by_slug["data"]["product"]["name"] == "Bánh tráng nước dừa"
        assert by_node["data"]["node"] == {"name": "Bánh tráng nước dừa"}
    else:
        assert by_slug["data"]["product"] is None
        assert by_node["data"]["node"] is None


@pytest.mark.parametrize(
    ("role", "sees_it"),
    [
        ("anonymous", False),
        ("buyer", False),
        ("other_staff", False),
        ("own_staff", True),
        ("auditor", True),
        ("operator", True),
    ],
)
def test_products_of_a_suspended_seller_are_hidden_from_buyers(
    graphql, auth_headers, roles, role, sees_it
):
    Seller.objects.filter(pk=roles["seller"].pk).update(status=Seller.Status.SUSPENDED)
    ProductFactory(seller=roles["seller"], name="Thịt cừu Phước Dinh")

    listed = names(list_products(graphql, auth_headers(roles[role])))

    assert ("Thịt cừu Phước Dinh" in listed) is sees_it


def test_is_published_filter_cannot_reveal_drafts_to_buyers(graphql, auth_headers, roles):
    ProductFactory(seller=roles["seller"], name="Nho sấy", is_published=False)
    ProductFactory(seller=roles["seller"], name="Táo sấy")

    buyer = names(list_products(graphql, auth_headers(roles["buyer"]), isPublished=False))
    staff = names(list_products(graphql, auth_headers(roles["own_staff"]), isPublished=False))
    staff_published = names(
        list_products(graphql, auth_headers(roles["own_staff"]), isPublished=True)
    )

    assert buyer == []
    assert staff == ["Nho sấy"]
    assert staff_published == ["Táo sấy"]


# ---------------------------------------------------------------- product lookup


def test_product_by_unknown_slug_is_null_not_an_error(graphql):
    status, body = graphql(PRODUCT_BY_SLUG, {"slug": "khong-co-san-pham-nay"})

    assert status == 200
    assert body == {"data": {"product": None}}


def test_product_by_id(graphql):
    product = ProductFactory(name="Muối hầm Cà Ná")

    _status, body = graphql(
        "query ($id: ID!) { product(id: $id) { name slug } }",
        {"id": to_global_id("Product", product.pk)},
    )

    assert body["data"]["product"] == {"name": "Muối hầm Cà Ná", "slug": product.slug}


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ("", "INVALID"),
        ('(id: "UHJvZHVjdDox", slug: "nho-say")', "INVALID"),
        ('(id: "khong-phai-id")', "INVALID_ID"),
        ('(id: "Q2F0ZWdvcnk6MQ==")', "INVALID_ID"),  # a Category's ID
    ],
)
def test_bad_product_lookups_are_typed_errors(graphql, arguments, code):
    status, body = graphql(f"{{ product{arguments} {{ name }} }}")

    assert status == 200
    assert body["data"]["product"] is None
    assert body["errors"][0]["extensions"]["code"] == code


# ---------------------------------------------------------------- filters


def test_category_filter_includes_descendants(graphql):
    specialties = CategoryFactory(name="Đặc sản Ninh Thuận")
    dried = CategoryFactory(name="Trái cây sấy", parent=specialties)
    grapes = CategoryFactory(name="Nho sấy các loại", parent=dried)
    spices = CategoryFactory(name="Gia vị")
    ProductFactory(category=specialties, name="Rượu nho Ba Mọi")
    ProductFactory(category=dried, name="Táo sấy dẻo")
    ProductFactory(category=grapes, name="Nho đỏ sấy")
    ProductFactory(category=spices, name="Tỏi cô đơn")

    def in_category(category):
        body = list_products(graphql, category=to_global_id("Category", category.pk))
        return sorted(names(body))

    assert in_category(specialties) == ["Nho đỏ sấy", "Rượu nho Ba Mọi", "Táo sấy dẻo"]
    assert in_category(dried) == ["Nho đỏ sấy", "Táo sấy dẻo"]
    assert in_category(grapes) == ["Nho đỏ sấy"]
    assert in_category(spices) == ["Tỏi cô đơn"]


def test_ocop_stars_min_ignores_expired_pending_and_revoked_certificates(graphql):
    today = timezone.localdate()
    five = ProductFactory(name="Nước mắm Cà Ná")
    OcopCertificateFactory(product=five, stars=5)
    four = ProductFactory(name="Mật ong Bác Ái")
    OcopCertificateFactory(product=four, stars=4)
    three = ProductFactory(name="Hành tím Nhơn Hải")
    OcopCertificateFactory(product=three, stars=3)
    expired = ProductFactory(name="Rong sụn Ninh Hải")
    OcopCertificateFactory(
        product=expired,
        stars=5,
        issued_on=today - datetime.timedelta(days=1200),
        expires_on=today - datetime.timedelta(days=10),
    )
    pending = ProductFactory(name="Nho ép Thái An")
    OcopCertificateFactory(product=pending, stars=5, status=OcopCertificate.Status.PENDING)
    revoked = ProductFactory(name="Táo ép Phước Thuận")
    OcopCertificateFactory(product=revoked, stars=4, status=OcopCertificate.Status.REVOKED)
    ProductFactory(name="Bánh căn Phan Rang")

    assert sorted(names(list_products(graphql, ocopStarsMin=4))) == [
        "Mật ong Bác Ái",
        "Nước mắm Cà Ná",
    ]
    assert names(list_products(graphql, ocopStarsMin=5)) == ["Nước mắm Cà Ná"]
    assert len(names(list_products(graphql, ocopStarsMin=3))) == 3


def test_price_filter_matches_when_any_variant_is_in_range(graphql):
    cheap = ProductFactory(name="Muối tôm")
    VariantFactory(product=cheap, price=25_000)
    mixed = ProductFactory(name="Nho sấy")
    VariantFactory(product=mixed, price=40_000)
    VariantFactory(product=mixed, price=150_000)
    dear = ProductFactory(name="Yến sào")
    VariantFactory(product=dear, price=2_500_000)
    ProductFactory(name="Chưa có giá")

    def priced(**price):
        return sorted(names(list_products(graphql, price=price)))

    assert priced(gte=30_000, lte=200_000) == ["Nho sấy"]
    assert priced(lte=40_000) == ["Muối tôm", "Nho sấy"]
    assert priced(gte=100_000) == ["Nho sấy", "Yến sào"]
    assert priced(gte=25_000, lte=25_000) == ["Muối tôm"]


def test_a_price_range_upside_down_is_a_typed_error(graphql):
    body = list_products(graphql, price={"gte": 100_000, "lte": 10_000})

    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert body["data"] is None


def test_in_stock_filter_uses_quantity_not_allocated(graphql):
    available = ProductFactory(name="Tỏi Phan Rang")
    StockFactory(variant=VariantFactory(product=available), quantity=5, quantity_allocated=4)
    all_held = ProductFactory(name="Hành tím")
    StockFactory(variant=VariantFactory(product=all_held), quantity=5, quantity_allocated=5)
    empty = ProductFactory(name="Măng tây")
    StockFactory(variant=VariantFactory(product=empty), quantity=0)
    ProductFactory(name="Chưa có hàng")  # no variant, no stock row

    assert names(list_products(graphql, inStock=True)) == ["Tỏi Phan Rang"]
    assert sorted(names(list_products(graphql, inStock=False))) == [
        "Chưa có hàng",
        "Hành tím",
        "Măng tây",
    ]


def test_seller_and_sellers_filters(graphql):
    thai_an, phuoc_dinh, ca_na = SellerFactory(), SellerFactory(), SellerFactory()
    ProductFactory(seller=thai_an, name="Nho Thái An")
    ProductFactory(seller=phuoc_dinh, name="Cừu Phước Dinh")
    ProductFactory(seller=ca_na, name="Muối Cà Ná")

    def seller_id(seller):
        return to_global_id("Seller", seller.pk)

    assert names(list_products(graphql, seller=seller_id(thai_an))) == ["Nho Thái An"]
    both = list_products(graphql, sellers=[seller_id(thai_an), seller_id(ca_na)])
    assert sorted(names(both)) == ["Muối Cà Ná", "Nho Thái An"]
    # Given together, both must hold.
    intersect = list_products(graphql, seller=seller_id(ca_na), sellers=[seller_id(thai_an)])
    assert names(intersect) == []


def test_search_ignores_case_and_vietnamese_diacritics(graphql):
    ProductFactory(name="Nho sấy dẻo Thái An")
    ProductFactory(name="Đường thốt nốt")
    ProductFactory(name="Táo xanh")
    # Decomposed form (base letters, then combining marks), as some keyboards store it.
    decomposed = unicodedata.normalize("NFD", "Mật nho Ba Mọi")
    ProductFactory(name=decomposed)

    assert names(list_products(graphql, search="nho say")) == ["Nho sấy dẻo Thái An"]
    assert names(list_products(graphql, search="NHO SẤY")) == ["Nho sấy dẻo Thái An"]
    assert names(list_products(graphql, search="duong thot")) == ["Đường thốt nốt"]
    assert names(list_products(graphql, search="ba moi")) == [decomposed]
    assert sorted(names(list_products(graphql, search="nho"))) == [
        decomposed,
        "Nho sấy dẻo Thái An",
    ]
    assert names(list_products(graphql, search="100%")) == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"category": "khong-hop-le"}, "filter.category"),
        ({"category": to_global_id("Product", 1)}, "filter.category"),
        ({"seller": "123"}, "filter.seller"),
        ({"sellers": [to_global_id("Seller", 1), "Rk9vOg=="]}, "filter.sellers"),
    ],
)
def test_invalid_ids_in_filters_are_typed_errors_not_500s(graphql, filters, field):
    status, body = graphql(PRODUCTS, {"filter": filters})

    assert status == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID_ID", "field": field}


def test_filters_combine_and_total_count_counts_every_match(graphql):
    category = CategoryFactory(name="Nước chấm")
    for index in range(7):
        product = ProductFactory(category=category, name=f"Nước mắm cá cơm {index}")
        VariantFactory(product=product, price=60_000 + index * 10_000)
    ProductFactory(name="Nước mắm ngoài danh mục")

    status, body = graphql(
        "query ($filter: ProductFilterInput) { products(first: 2, filter: $filter) {"
        " totalCount edges { node { name } } pageInfo { hasNextPage } } }",
        {
            "filter": {
                "category": to_global_id("Category", category.pk),
                "price": {"lte": 100_000},
                "search": "nuoc mam",
            }
        },
    )

    assert status == 200
    connection = body["data"]["products"]
    assert connection["totalCount"] == 5
    assert len(connection["edges"]) == 2
    assert connection["pageInfo"]["hasNextPage"] is True


# ---------------------------------------------------------------- translations


TRANSLATED = """
query ($slug: String!, $language: LanguageCodeEnum!) {
  product(slug: $slug) {
    name
    translation(languageCode: $language) { languageCode name description }
    category { name translation(languageCode: $language) { languageCode name } }
  }
}
"""


def test_translation_is_returned_in_the_language_asked(graphql):
    category = CategoryFactory(name="Trái cây sấy")
    CategoryTranslation.objects.create(category=category, language_code="en", name="Dried fruit")
    product = ProductFactory(category=category, name="Nho sấy dẻo")
    ProductTranslation.objects.create(
        product=product,
        language_code="en",
        name="Soft dried grapes",
        description="Ninh Thuận green grapes, dried without sugar.",
    )

    _status, body = graphql(TRANSLATED, {"slug": product.slug, "language": "EN"})

    assert body["data"]["product"] == {
        "name": "Nho sấy dẻo",
        "translation": {
            "languageCode": "EN",
            "name": "Soft dried grapes",
            "description": "Ninh Thuận green grapes, dried without sugar.",
        },
        "category": {
            "name": "Trái cây sấy",
            "translation": {"languageCode": "EN", "name": "Dried fruit"},
        },
    }


def test_translation_is_null_when_there_is_none_and_the_original_stays(graphql):
    product = ProductFactory(name="Tỏi Phan Rang")
    # A translation into another language must not stand in for the one asked.
    ProductTranslation.objects.create(product=product, language_code="vi", name="Tỏi Phan Rang")

    _status, body = graphql(TRANSLATED, {"slug": product.slug, "language": "EN"})

    assert body["data"]["product"]["name"] == "Tỏi Phan Rang"
    assert body["data"]["product"]["translation"] is None
    assert body["data"]["product"]["category"]["translation"] is None


# ---------------------------------------------------------------- categories


def test_category_tree_fields(graphql):
    specialties = CategoryFactory(name="Đặc sản Ninh Thuận", slug="dac-san-ninh-thuan")
    dried = CategoryFactory(name="Trái cây sấy", slug="trai-cay-say", parent=specialties)
    CategoryFactory(name="Nho sấy", slug="nho-say", parent=dried)
    CategoryFactory(name="Bánh tráng", slug="banh-trang", parent=specialties)
    ProductFactory(category=dried, name="Táo sấy")
    ProductFactory(category=specialties, name="Rượu vang nho")

    _status, body = graphql(
        """
        {
          category(slug: "trai-cay-say") {
            name level
            parent { name level }
            children { name level }
            products(first: 10) { totalCount edges { node { name } } }
          }
          root: category(slug: "dac-san-ninh-thuan") {
            children { slug }
            products(first: 10, sortBy: {field: NAME, direction: DESC}) {
              totalCount edges { node { name } }
            }
          }
        }
        """
    )

    assert "errors" not in body, body
    assert body["data"]["category"] == {
        "name": "Trái cây sấy",
        "level": 1,
        "parent": {"name": "Đặc sản Ninh Thuận", "level": 0},
        "children": [{"name": "Nho sấy", "level": 2}],
        "products": {"totalCount": 1, "edges": [{"node": {"name": "Táo sấy"}}]},
    }
    assert body["data"]["root"]["children"] == [{"slug": "banh-trang"}, {"slug": "trai-cay-say"}]
    assert body["data"]["root"]["products"]["totalCount"] == 2
    assert [e["node"]["name"] for e in body["data"]["root"]["products"]["edges"]] == [
        "Táo sấy",
        "Rượu vang nho",
    ]


def test_categories_filter_by_level_parent_and_search(graphql):
    specialties = CategoryFactory(name="Đặc sản")
    CategoryFactory(name="Trái cây sấy", parent=specialties)
    CategoryFactory(name="Hải sản khô", parent=specialties)
    CategoryFactory(name="Gia vị")

    def listed(**filters):
        status, body = graphql(
            "query ($filter: CategoryFilterInput) { categories(first: 20, filter: $filter) {"
            " totalCount edges { node { name } } } }",
            {"filter": filters or None},
        )
        assert status == 200
        assert "errors" not in body, body
        return [edge["node"]["name"] for edge in body["data"]["categories"]["edges"]]

    assert len(listed()) == 4
    assert sorted(listed(level=0)) == ["Gia vị", "Đặc sản"]
    assert sorted(listed(level=1)) == ["Hải sản khô", "Trái cây sấy"]
    assert sorted(listed(parent=to_global_id("Category", specialties.pk))) == [
        "Hải sản khô",
        "Trái cây sấy",
    ]
    assert listed(search="hai san") == ["Hải sản khô"]
    assert listed(search="dac san") == ["Đặc sản"]


def test_category_lookup_errors_and_misses(graphql):
    _status, missing = graphql('{ category(slug: "khong-co") { name } }')
    _status, bad = graphql('{ category(id: "bad") { name } }')

    assert missing == {"data": {"category": None}}
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ID"
