"""Changes made through the services reach the index without anyone asking."""

import pytest
from graphql_relay import to_global_id

from catalog import services as catalog_services
from search import indices
from search.client import get_client
from search.services import deliver_outbox

pytestmark = pytest.mark.django_db

SELLER_UPDATE = """
mutation Update($id: ID!, $input: SellerUpdateInput!) {
  sellerUpdate(id: $id, input: $input) { errors { field code message } }
}
"""


def indexed(product_id: int) -> dict | None:
    client = get_client()
    client.indices.refresh(index=indices.alias_name())
    found = client.options(ignore_status=404).get(index=indices.alias_name(), id=product_id)
    return found["_source"] if found.get("found") else None


def test_renaming_a_seller_reindexes_its_products(
    graphql, auth_headers, roles, catalogue, django_capture_on_commit_callbacks
):
    seller = catalogue.sellers.ca_na
    with django_capture_on_commit_callbacks(execute=True):
        _status, body = graphql(
            SELLER_UPDATE,
            {"id": to_global_id("Seller", seller.pk), "input": {"name": "HTX Nước mắm Cà Ná"}},
            **auth_headers(roles["operator"]),
        )
    assert body["data"]["sellerUpdate"]["errors"] == []
    deliver_outbox()

    assert indexed(catalogue.fish_sauce_ca_na.pk)["seller_name"] == "HTX Nước mắm Cà Ná"


def test_suspending_a_seller_takes_its_products_out_of_the_index(
    graphql, auth_headers, roles, catalogue, django_capture_on_commit_callbacks
):
    seller = catalogue.sellers.ca_na
    with django_capture_on_commit_callbacks(execute=True):
        _status, body = graphql(
            SELLER_UPDATE,
            {"id": to_global_id("Seller", seller.pk), "input": {"status": "SUSPENDED"}},
            **auth_headers(roles["operator"]),
        )
    assert body["data"]["sellerUpdate"]["errors"] == []
    deliver_outbox()

    assert indexed(catalogue.fish_sauce_ca_na.pk) is None
    assert indexed(catalogue.grapes.pk) is None
    assert indexed(catalogue.garlic.pk) is not None


def test_renaming_a_category_reindexes_its_products_and_its_subcategories(catalogue):
    specialties = catalogue.categories.specialties
    specialties.name = "Đặc sản Khánh Hòa"
    specialties.save()

    catalog_services.category_changed(category_id=specialties.pk)
    deliver_outbox()

    # Fish sauce sits in a subcategory of the renamed one.
    source = indexed(catalogue.fish_sauce_ca_na.pk)
    assert source["category_names_folded"].startswith("dac san khanh hoa")
