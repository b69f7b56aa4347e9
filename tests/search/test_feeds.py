"""The product feed: JSON and RSS, incremental pulls, pages and 304s."""

import datetime
import json
from xml.etree import ElementTree

import pytest
from django.test import RequestFactory
from django.utils import timezone

from catalog.models import Product
from search.feeds import GOOGLE_NAMESPACE, products_json, products_xml
from tests.factories import ProductFactory, StockFactory, VariantFactory

pytestmark = pytest.mark.django_db
G = f"{{{GOOGLE_NAMESPACE}}}"


def get(view, **params):
    headers = {key: params.pop(key) for key in list(params) if key.startswith("HTTP_")}
    request = RequestFactory().get("/feeds/products", params, **headers)
    return view(request)


def test_json_feed_lists_every_live_product(catalogue, settings):
    settings.STOREFRONT_URL = "https://ocop.ninhthuan.gov.vn"

    body = json.loads(get(products_json).content)

    by_id = {int(item["id"]): item for item in body["items"]}
    assert set(by_id) == {product.pk for product in catalogue.live}
    fish_sauce = by_id[catalogue.fish_sauce_ca_na.pk]
    assert fish_sauce["title"] == "Nước mắm nhĩ Cà Ná"
    assert fish_sauce["link"] == (
        f"https://ocop.ninhthuan.gov.vn/products/{catalogue.fish_sauce_ca_na.slug}/"
    )
    assert fish_sauce["price"] == {"min": 120_000, "max": 120_000}
    assert fish_sauce["brand"] == "HTX Hải sản Cà Ná"
    assert fish_sauce["ocop_stars"] == 4
    assert fish_sauce["availability"] == "in stock"
    assert by_id[catalogue.fish_sauce_anchovy.pk]["availability"] == "out of stock"
    assert body["next"] is None


def test_xml_feed_is_well_formed_rss_with_google_fields(catalogue):
    response = get(products_xml)

    assert response["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == "rss"
    items = root.findall("./channel/item")
    assert len(items) == len(catalogue.live)
    fish_sauce = next(
        i for i in items if i.findtext(f"{G}id") == str(catalogue.fish_sauce_ca_na.pk)
    )
    assert fish_sauce.findtext("title") == "Nước mắm nhĩ Cà Ná"
    assert fish_sauce.findtext(f"{G}price") == "120000 VND"
    assert fish_sauce.findtext(f"{G}availability") == "in stock"
    assert fish_sauce.findtext(f"{G}brand") == "HTX Hải sản Cà Ná"


def test_pages_follow_the_next_link_without_gaps_or_repeats(catalogue, django_assert_num_queries):
    seen, params = [], {"limit": "3"}
    while True:
        with django_assert_num_queries(2):
            body = json.loads(get(products_json, **params).content)
        seen.extend(int(item["id"]) for item in body["items"])
        if not body["next"]:
            break
        assert "cursor=" in body["next"]
        params = {"limit": "3", "cursor": body["next_cursor"]}

    assert sorted(seen) == sorted(product.pk for product in catalogue.live)
    assert len(seen) == len(set(seen))


def test_updated_since_returns_only_later_changes(catalogue):
    since = timezone.now()
    Product.objects.filter(pk=catalogue.garlic.pk).update(
        updated_at=since + datetime.timedelta(seconds=1)
    )
    # A variant change counts as a change of its product.
    catalogue.honey.variants.update(updated_at=since + datetime.timedelta(seconds=2))

    body = json.loads(get(products_json, updated_since=since.isoformat()).content)

    assert [int(item["id"]) for item in body["items"]] == [catalogue.garlic.pk, catalogue.honey.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"updated_since": "hôm qua"},
        {"updated_since": "2025-07-01T08:00:00"},
        {"limit": "501"},
        {"limit": "mười"},
        {"cursor": "!!!"},
    ],
)
def test_malformed_arguments_get_a_400_json_error(catalogue, params):
    response = get(products_json, **params)

    assert response.status_code == 400
    assert json.loads(response.content)["errors"][0]["field"] == next(iter(params))


def test_unchanged_page_answers_304(catalogue):
    first = get(products_json, limit="5")
    assert first.status_code == 200

    again = get(products_json, limit="5", HTTP_IF_NONE_MATCH=first["ETag"])
    since = get(products_json, limit="5", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304
    assert since.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_a_change_gives_a_new_etag(catalogue):
    first = get(products_xml)
    product = ProductFactory(name="Rượu vang nho Ba Mọi")
    StockFactory(variant=VariantFactory(product=product))

    again = get(products_xml, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_feed_refuses_writes(catalogue):
    request = RequestFactory().post("/feeds/products.json")

    assert products_json(request).status_code == 405
