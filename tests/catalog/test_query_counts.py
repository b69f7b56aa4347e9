"""A page of products costs the same number of SQL queries at 5 rows as at 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import CategoryTranslation, ProductImage, ProductImageThumbnail
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    ProductFactory,
    SellerFactory,
    StockFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


# A storefront's product grid, with the stock a seller's staff manage from it.
PRODUCT_PAGE = """
query ($first: Int!) {
  products(first: $first, sortBy: {field: OCOP_STARS, direction: DESC}) {
    totalCount
    edges {
      node {
        name
        seller { name }
        category { name }
        ocopStars
        pricing { priceRange { start { amount } stop { amount } } }
        isAvailable
        thumbnail(size: 256)
        images { url thumbnailUrl(size: 128) }
        variants {
          sku price { amount } quantityAvailable isAvailable
          stock { quantity quantityAllocated }
        }
      }
    }
  }
}
"""

# Every product field that reaches another table, nested categories included.
EVERY_RELATED_FIELD = """
query ($first: Int!) {
  products(first: $first) {
    edges {
      node {
        seller { name }
        category { name parent { name children { name } level } }
        ocopStars
        ocopCertificates { stars status product { name } }
        thumbnail
        images { thumbnailUrl(size: 512) }
        variants { stock { quantity } quantityAvailable product { name } }
        translation(languageCode: EN) { name }
      }
    }
  }
}
"""

MAX_QUERIES = 10


@pytest.fixture
def catalogue(roles):
    """55 products over several sellers and categories, each fully dressed."""
    parent = CategoryFactory(name="Đặc sản Ninh Thuận")
    categories = [CategoryFactory(name=f"Trái cây sấy {n}", parent=parent) for n in range(4)]
    sellers = [roles["seller"], *(SellerFactory() for _ in range(4))]
    for index in range(55):
        product = ProductFactory(
            seller=sellers[index % len(sellers)],
            category=categories[index % len(categories)],
            name=f"Nho sấy dẻo Thái An {index:02d}",
        )
        for pack in (250, 500):
            variant = VariantFactory(
                product=product, name=f"Hộp {pack} g", price=pack * 180 + index
            )
            StockFactory(variant=variant, quantity=20, quantity_allocated=index % 3)
        image = ProductImage.objects.create(
            product=product, image=f"products/nho-{index}.jpg", width=1200, height=900
        )
        for size in (128, 256):
            ProductImageThumbnail.objects.create(
                image=image, size=size, file=f"products/thumbnails/nho-{index}-{size}.webp"
            )
        OcopCertificateFactory(product=product, stars=3 + index % 3)
    return roles


def count_queries(graphql, headers, first: int) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(PRODUCT_PAGE, {"first": first}, **headers)
    assert status == 200
    assert "errors" not in body, body
    return len(queries), body


@pytest.mark.parametrize("role", ["anonymous", "own_staff", "operator"])
def test_fifty_products_cost_as_many_queries_as_five(graphql, auth_headers, catalogue, role):
    headers = auth_headers(catalogue[role])

    small, small_body = count_queries(graphql, headers, 5)
    large, large_body = count_queries(graphql, headers, 50)

    assert len(small_body["data"]["products"]["edges"]) == 5
    assert len(large_body["data"]["products"]["edges"]) == 50
    assert large_body["data"]["products"]["totalCount"] == 55
    assert small == large
    assert large <= MAX_QUERIES
    node = large_body["data"]["products"]["edges"][0]["node"]
    assert node["ocopStars"] == 5
    assert node["thumbnail"].endswith("-256.webp")
    assert node["images"][0]["thumbnailUrl"].endswith("-128.webp")
    assert node["seller"]["name"]
    assert node["category"]["name"].startswith("Trái cây sấy")
    assert len(node["variants"]) == 2


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # count, page (with its sellers, categories, stars, prices and thumbnail),
        # variants with stock, images, thumbnails
        ("anonymous", 5),
        # ...and the signed-in user
        ("operator", 6),
        # ...and the user's seller memberships
        ("own_staff", 7),
    ],
)
def test_the_exact_number_of_queries_for_a_page(graphql, auth_headers, catalogue, role, expected):
    # Pinned so that a change which adds a query to every page is a deliberate one.
    total, _body = count_queries(graphql, auth_headers(catalogue[role]), 50)

    assert total == expected


def test_every_related_field_stays_constant(graphql, auth_headers, catalogue):
    headers = auth_headers(catalogue["own_staff"])

    def run(first):
        with CaptureQueriesContext(connection) as queries:
            status, body = graphql(EVERY_RELATED_FIELD, {"first": first}, **headers)
        assert status == 200
        assert "errors" not in body, body
        return len(queries)

    assert run(3) == run(50)


def test_category_tree_fields_are_batched(graphql):
    root = CategoryFactory(name="Đặc sản")
    for index in range(30):
        child = CategoryFactory(name=f"Danh mục {index:02d}", parent=root)
        CategoryFactory(name=f"Danh mục con {index:02d}", parent=child)
        CategoryTranslation.objects.create(
            category=child, language_code="en", name=f"Category {index:02d}"
        )
    query = """
    query ($first: Int!) {
      categories(first: $first, filter: {level: 1}) {
        edges { node {
          name level
          parent { name }
          children { name level }
          translation(languageCode: EN) { name }
        } }
      }
    }
    """

    def run(first):
        with CaptureQueriesContext(connection) as queries:
            _status, body = graphql(query, {"first": first})
        assert "errors" not in body, body
        assert len(body["data"]["categories"]["edges"]) == first
        return len(queries)

    assert run(3) == run(30)
