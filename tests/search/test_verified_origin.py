"""The verified-origin flag in search: documents, filter and facet (both backends), and feeds.

``Product.origin_verified`` is catalog's cache of traceability's rule; here it is set
directly and delivered through the outbox, as traceability's services do in their
transaction (tests/e2e/test_origin_propagation.py runs the real services and worker).
"""

import json
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from market.core.errors import InvalidInput
from search import indices
from search.backends.database import DatabaseBackend
from search.backends.elastic import ElasticsearchBackend
from search.client import get_client
from search.documents import ProductDocument
from search.feeds import (
    GOOGLE_NAMESPACE,
    ORIGIN_NOT_VERIFIED_LABEL,
    ORIGIN_VERIFIED_LABEL,
    products_json,
    products_xml,
)
from tests.search.conftest import deliver_and_refresh
from tests.search.test_feeds import get

pytestmark = pytest.mark.django_db
G = f"{{{GOOGLE_NAMESPACE}}}"

SEARCH = """
query Search($query: String!, $filter: SearchFilterInput) {
  search(query: $query, filter: $filter, first: 100) {
    totalCount
    edges { node { slug } }
    facets {
      verifiedOrigin { verifiedOrigin count }
      inStock { inStock count }
    }
  }
}
"""


@pytest.fixture(params=["elasticsearch", "database"])
def backend(request):
    return ElasticsearchBackend() if request.param == "elasticsearch" else DatabaseBackend()


@pytest.fixture
def verified(catalogue):
    """Three live products with a verified origin (one out of stock), delivered to search."""
    products = [catalogue.fish_sauce_ca_na, catalogue.fish_sauce_anchovy, catalogue.garlic]
    _set_verified(products, True)
    return products


def _set_verified(products, flag: bool) -> None:
    Product.objects.filter(pk__in=[p.pk for p in products]).update(origin_verified=flag)
    deliver_and_refresh([p.pk for p in products])


def _facet(result) -> dict:
    return {value.value: value.count for value in result.facets["verified_origin"]}


def test_documents_carry_the_flag_and_follow_its_changes(catalogue, verified):
    def source(product):
        return get_client().get(index=indices.alias_name(), id=product.pk)["_source"]

    assert source(catalogue.garlic)["origin_verified"] is True
    assert source(catalogue.shallots)["origin_verified"] is False

    _set_verified([catalogue.garlic], False)

    assert source(catalogue.garlic)["origin_verified"] is False


def test_the_filter_keeps_verified_or_unverified_products(backend, catalogue, verified):
    verified_ids = {product.pk for product in verified}
    live_ids = {product.pk for product in catalogue.live}

    only_verified = backend.search(query="Ninh Thuận", filters={"verified_origin": True}, first=100)
    unverified = backend.search(query="Ninh Thuận", filters={"verified_origin": False}, first=100)
    anything = backend.search(query="Ninh Thuận", first=100)

    assert set(only_verified.ids) == verified_ids
    assert only_verified.total_count == len(verified_ids)
    assert set(unverified.ids) == live_ids - verified_ids
    assert set(anything.ids) == live_ids


def test_the_facet_counts_both_values_and_ignores_its_own_filter(backend, catalogue, verified):
    unfiltered = backend.search(query="Ninh Thuận", first=100)
    filtered = backend.search(query="Ninh Thuận", filters={"verified_origin": True}, first=100)
    expected = {True: len(verified), False: len(catalogue.live) - len(verified)}

    assert _facet(unfiltered) == expected
    assert _facet(filtered) == expected
    # The other facets do count under the filter: the stock facet sees only verified products.
    in_stock = {value.value: value.count for value in filtered.facets["in_stock"]}
    assert in_stock == {True: 2, False: 1}


def test_the_facet_counts_under_the_other_filters(backend, catalogue, verified):
    result = backend.search(query="nuoc mam", filters={"in_stock": True}, first=100)

    # Of the two fish sauces, both verified, only the Cà Ná one is in stock.
    assert _facet(result) == {True: 1}
    assert result.ids == [catalogue.fish_sauce_ca_na.pk]


@pytest.mark.parametrize("value", ["yes", 1, 0, [True], {"true": True}])
def test_a_non_boolean_filter_is_refused_by_both_backends(backend, catalogue, value):
    with pytest.raises(InvalidInput) as error:
        backend.search(query="nuoc mam", filters={"verified_origin": value})

    assert (error.value.code, error.value.field) == ("INVALID_FILTER", "verified_origin")


def test_a_document_indexed_without_the_field_counts_as_not_verified(catalogue, verified):
    # As the documents of an index built before the field existed, until the next rebuild.
    client = get_client()
    document = client.get(index=indices.alias_name(), id=catalogue.shallots.pk)
    source = {k: v for k, v in document["_source"].items() if k != "origin_verified"}
    client.index(index=document["_index"], id=catalogue.shallots.pk, document=source)
    client.indices.refresh(index=indices.alias_name())
    backend = ElasticsearchBackend()

    unverified = backend.search(query="Ninh Thuận", filters={"verified_origin": False}, first=100)
    only_verified = backend.search(query="hanh tim", filters={"verified_origin": True})

    assert catalogue.shallots.pk in unverified.ids
    assert catalogue.shallots.pk not in only_verified.ids
    assert _facet(unverified) == {True: 3, False: len(catalogue.live) - 3}


def test_a_rebuild_maps_the_flag_as_a_boolean_and_fills_it(catalogue, verified):
    report = indices.rebuild()
    client = get_client()

    mapping = client.indices.get_mapping(index=report.index)[report.index]["mappings"]
    assert mapping["properties"]["origin_verified"] == {"type": "boolean"}
    assert "traceability_verified" not in mapping["properties"]
    assert "origin_verified" in ProductDocument._doc_type.mapping
    assert client.get(index=indices.alias_name(), id=catalogue.garlic.pk)["_source"][
        "origin_verified"
    ]


@pytest.fixture(params=["elasticsearch", "database"])
def backend_setting(request, settings):
    if request.param == "database":
        settings.ELASTICSEARCH_URL = None
    return request.param


def test_graphql_filter_and_facet(graphql, catalogue, verified, backend_setting):
    status, body = graphql(SEARCH, {"query": "Ninh Thuận", "filter": {"verifiedOrigin": True}})

    assert status == 200, body
    assert "errors" not in body, body
    search = body["data"]["search"]
    assert {edge["node"]["slug"] for edge in search["edges"]} == {p.slug for p in verified}
    assert search["totalCount"] == len(verified)
    facet = {row["verifiedOrigin"]: row["count"] for row in search["facets"]["verifiedOrigin"]}
    assert facet == {True: len(verified), False: len(catalogue.live) - len(verified)}


def test_graphql_filter_costs_no_extra_query_per_row(graphql, catalogue, verified, settings):
    settings.ELASTICSEARCH_URL = None

    def queries_for(variables) -> int:
        with CaptureQueriesContext(connection) as queries:
            status, body = graphql(SEARCH, {"query": "Ninh Thuận", **variables})
        assert status == 200, body
        assert "errors" not in body, body
        return len(queries)

    # The flag is a column of the product rows already read: filtering on it adds nothing.
    assert queries_for({"filter": {"verifiedOrigin": True}}) == queries_for({})


@pytest.mark.parametrize("value", ["yes", "true", 1, [True]])
def test_graphql_refuses_a_non_boolean_filter(graphql, catalogue, value):
    status, body = graphql(SEARCH, {"query": "Ninh Thuận", "filter": {"verifiedOrigin": value}})

    assert status == 200
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "filter.verifiedOrigin" in error["message"]


def test_json_feed_carries_the_flag(catalogue, verified):
    body = json.loads(get(products_json).content)

    flags = {int(item["id"]): item["origin_verified"] for item in body["items"]}
    assert flags == {p.pk: p in verified for p in catalogue.live}


def test_xml_feed_labels_verified_and_unverified_origin(catalogue, verified):
    root = ElementTree.fromstring(get(products_xml).content)  # noqa: S314 - our own response

    labels = {
        int(item.findtext(f"{G}id")): item.findtext(f"{G}custom_label_1")
        for item in root.findall("./channel/item")
    }
    assert labels == {
        p.pk: ORIGIN_VERIFIED_LABEL if p in verified else ORIGIN_NOT_VERIFIED_LABEL
        for p in catalogue.live
    }


def test_feed_costs_the_same_queries_with_the_flag(catalogue, verified, django_assert_num_queries):
    # Products with their facts, then their images: the flag rides on the product rows.
    with django_assert_num_queries(2):
        get(products_json)
