"""A seller lists a product through the API and a buyer finds it, end to end.

Only /graphql/ is called; the search index is brought up to date the way the
worker does it in production (the commit queues the outbox delivery), against
the real Elasticsearch or the PostgreSQL text table.
"""

import uuid

import pytest
from elasticsearch import Elasticsearch
from graphql_relay import to_global_id

from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

CREATE = """
mutation Create($input: ProductCreateInput!) {
  productCreate(input: $input) { product { id slug } errors { field code } }
}
"""

ADD_VARIANT = """
mutation AddVariant($input: ProductVariantCreateInput!) {
  productVariantCreate(input: $input) { productVariant { sku } errors { field code } }
}
"""

PUBLISH = """
mutation Publish($id: ID!) {
  productUpdate(id: $id, input: {isPublished: true}) { product { id } errors { field code } }
}
"""

SEARCH = """
query Search($query: String!) {
  search(query: $query) { totalCount edges { highlightedName node { slug } } }
}
"""

PRODUCT_PAGE = """
query Page($slug: String!) {
  product(slug: $slug) {
    name
    category { name }
    seller { name }
    pricing { priceRange { start { amount currency } } }
    variants { sku quantityAvailable }
  }
}
"""


@pytest.fixture(params=["elasticsearch", "database"])
def search_backend(request, settings):
    """Either backend, with Elasticsearch indices of the test's own name, deleted afterwards."""
    if request.param == "database":
        settings.ELASTICSEARCH_URL = None
        yield request.param
        return
    prefix = f"test-ocop-e2e-{uuid.uuid4().hex[:12]}"
    settings.SEARCH_INDEX_PREFIX = prefix
    client = Elasticsearch(settings.ELASTICSEARCH_URL)
    yield request.param
    # Deleting by wildcard is refused (action.destructive_requires_name), so by name.
    names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)
    client.close()


@pytest.fixture
def committed(django_capture_on_commit_callbacks, settings):
    """Run what each commit queues (the search delivery), then make it searchable now."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            result = call()
        if settings.ELASTICSEARCH_URL:
            client = Elasticsearch(settings.ELASTICSEARCH_URL)
            client.indices.refresh(index=f"{settings.SEARCH_INDEX_PREFIX}-*")
            client.close()
        return result

    return run


def payload(response) -> dict:
    status, body = response
    assert status == 200, body
    assert "errors" not in body, body
    (result,) = body["data"].values()
    return result


def test_a_listed_product_is_found_and_shown_to_a_buyer(
    graphql, auth_headers, roles, search_backend, committed
):
    staff = auth_headers(roles["own_staff"])
    category = CategoryFactory(name="Trái cây", slug="trai-cay")

    created = payload(
        committed(
            lambda: graphql(
                CREATE,
                {
                    "input": {
                        "name": "Nho xanh Ba Mọi",
                        "description": "Nho xanh NH01-48 trồng ở Ninh Thuận.",
                        "category": to_global_id("Category", category.pk),
                    }
                },
                **staff,
            )
        )
    )
    assert created["errors"] == []
    product = created["product"]
    added = payload(
        committed(
            lambda: graphql(
                ADD_VARIANT,
                {
                    "input": {
                        "product": product["id"],
                        "sku": "NHO-BAMOI-1KG",
                        "price": 95_000,
                        "quantity": 12,
                    }
                },
                **staff,
            )
        )
    )
    assert added["errors"] == []

    # A draft is nobody's business but its seller's.
    assert payload(graphql(SEARCH, {"query": "nho ba moi"}))["totalCount"] == 0
    assert payload(graphql(PRODUCT_PAGE, {"slug": product["slug"]})) is None

    published = payload(committed(lambda: graphql(PUBLISH, {"id": product["id"]}, **staff)))
    assert published["errors"] == []

    # The buyer types without diacritics, finds the product and opens its page.
    found = payload(graphql(SEARCH, {"query": "nho ba moi"}))
    assert found["totalCount"] == 1
    (hit,) = found["edges"]
    assert hit["node"]["slug"] == product["slug"]
    assert "<em>" in hit["highlightedName"]
    page = payload(graphql(PRODUCT_PAGE, {"slug": product["slug"]}))
    assert page == {
        "name": "Nho xanh Ba Mọi",
        "category": {"name": "Trái cây"},
        "seller": {"name": roles["seller"].name},
        "pricing": {"priceRange": {"start": {"amount": 95_000, "currency": "VND"}}},
        "variants": [{"sku": "NHO-BAMOI-1KG", "quantityAvailable": 12}],
    }
