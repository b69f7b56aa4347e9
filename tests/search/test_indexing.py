"""Documents, rebuilds behind the alias, and the outbox under outages."""

import io
import json
import threading

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.models import Product
from market.core import changes
from market.core.folding import fold, fold_slowly
from market.core.models import ChangeRecord
from market.sellers.models import Seller
from search import indices, selectors, services
from search.backends.elastic import ElasticsearchBackend
from search.client import get_client
from search.documents import ProductDocument, document_source
from search.models import ProductSearchText
from search.rows import CatalogLookups, product_rows
from tests.factories import ProductFactory, StockFactory, VariantFactory
from tests.search.conftest import deliver_and_refresh, reset_connection

pytestmark = pytest.mark.django_db


def _document(product_id: int) -> dict:
    return get_client().get(index=indices.alias_name(), id=product_id)["_source"]


def test_document_holds_the_product_facts(catalogue):
    source = _document(catalogue.fish_sauce_ca_na.pk)

    assert source["name"] == "Nước mắm nhĩ Cà Ná"
    assert source["name_folded"] == "nuoc mam nhi ca na"
    assert source["category_ids"] == [
        catalogue.categories.specialties.pk,
        catalogue.categories.fish_sauce.pk,
    ]
    assert source["category_names_folded"] == "dac san ninh thuan nuoc cham"
    assert source["seller_kind"] == "cooperative"
    assert (source["province"], source["ward"]) == ("Khánh Hòa", "Xã Cà Ná")
    assert (source["ocop_stars"], source["price_min"], source["in_stock"]) == (4, 120_000, True)
    assert source["origin_verified"] is False
    assert "nuoc mam nhi ca na" in source["suggest"]["input"]


def test_stars_need_a_verified_unexpired_certificate(catalogue):
    assert _document(catalogue.honey.pk)["ocop_stars"] == 0  # expired
    assert _document(catalogue.grapes.pk)["ocop_stars"] == 0  # pending
    assert _document(catalogue.garlic.pk)["ocop_stars"] == 5


def test_price_range_and_stock_of_several_variants(catalogue):
    product = catalogue.grapes
    StockFactory(variant=VariantFactory(product=product, price=90_000), quantity=0)
    deliver_and_refresh([product.pk])

    source = _document(product.pk)
    assert (source["price_min"], source["price_max"]) == (90_000, 160_000)


def test_building_documents_costs_the_same_queries_for_more_products(
    catalogue, django_assert_num_queries
):
    def build_all():
        lookups = CatalogLookups()
        rows = product_rows(Product.objects.live())
        return [document_source(row, *lookups.for_row(row)) for row in rows]

    # Sellers, category paths, product rows.
    with django_assert_num_queries(3):
        few = build_all()
    for index in range(10):
        product = ProductFactory(name=f"Gạo Phước Dân {index}")
        StockFactory(variant=VariantFactory(product=product))
    with django_assert_num_queries(3):
        many = build_all()
    assert len(many) == len(few) + 10


def test_rebuild_swaps_the_alias_and_drops_the_old_index(catalogue):
    before = indices.aliased_indices()

    out = io.StringIO()
    call_command("search_index", "--rebuild", stdout=out)

    after = indices.aliased_indices()
    assert len(after) == 1
    assert after != before
    assert not get_client().indices.exists(index=before[0])
    assert get_client().count(index=indices.alias_name())["count"] == len(catalogue.live)
    assert "Indexed 8 products" in out.getvalue()

    status = io.StringIO()
    call_command("search_index", "--status", stdout=status)
    state = json.loads(status.getvalue())
    assert state["indices"] == [{"index": after[0], "documents": 8, "aliased": True}]
    assert state["outbox_pending"] == 0


def test_searches_keep_working_during_rebuilds(catalogue):
    backend = ElasticsearchBackend()
    failures: list[BaseException] = []
    wrong: list[list[int]] = []
    stop = threading.Event()
    expected = {catalogue.fish_sauce_ca_na.pk, catalogue.fish_sauce_anchovy.pk}

    def search_continuously():
        while not stop.is_set():
            try:
                ids = backend.search(query="nuoc mam").ids
            except BaseException as error:
                failures.append(error)
                return
            if set(ids) != expected:
                wrong.append(ids)

    searcher = threading.Thread(target=search_continuously)
    searcher.start()
    try:
        for _ in range(3):
            indices.rebuild()
    finally:
        stop.set()
        searcher.join(timeout=30)

    assert failures == []
    assert wrong == []


def test_rebuild_creates_the_alias_on_a_fresh_cluster(db):
    product = ProductFactory(name="Rượu nho Ninh Thuận")
    StockFactory(variant=VariantFactory(product=product))

    report = indices.rebuild()

    assert report.indexed == 1
    assert indices.aliased_indices() == [report.index]


def test_reindex_request_commits_while_elasticsearch_is_down_and_is_delivered_later(
    catalogue, settings, closed_port, django_capture_on_commit_callbacks
):
    real_url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port}"
    reset_connection()
    product = catalogue.shallots

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(name="Hành tím Vĩnh Hải loại một")
        changes.change_record(topic=changes.PRODUCT, object_ids=[product.pk])

    assert Product.objects.get(pk=product.pk).name == "Hành tím Vĩnh Hải loại một"
    row = ChangeRecord.objects.get(topic=changes.PRODUCT, object_id=product.pk)
    assert row.attempts == 1
    assert row.last_error

    settings.ELASTICSEARCH_URL = real_url
    reset_connection()
    from search.tasks import deliver_outbox

    deliver_outbox.delay()
    get_client().indices.refresh(index=indices.alias_name())

    assert not ChangeRecord.objects.exists()
    assert _document(product.pk)["name"] == "Hành tím Vĩnh Hải loại một"


def test_a_broker_failure_after_commit_is_swallowed(catalogue, settings, caplog, monkeypatch):
    from search.tasks import deliver_outbox

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr(deliver_outbox, "apply_async", refuse)
    changes.change_delivery_enqueue()

    assert "could not queue change delivery" in caplog.text


def test_unpublished_deleted_and_suspended_products_leave_the_index(catalogue):
    Product.objects.filter(pk=catalogue.grapes.pk).update(is_published=False)
    Seller.objects.filter(pk=catalogue.sellers.phan_rang.pk).update(status="suspended")
    phan_rang_products = selectors.product_ids_for_seller(catalogue.sellers.phan_rang.pk)
    deleted_id = catalogue.rice_paper.pk
    catalogue.rice_paper.delete()

    deliver_and_refresh([catalogue.grapes.pk, deleted_id, *phan_rang_products])
    # Delivering again, with documents already gone, is fine.
    deliver_and_refresh([catalogue.grapes.pk, deleted_id])

    client = get_client()
    for product_id in [catalogue.grapes.pk, deleted_id, *phan_rang_products]:
        assert not client.exists(index=indices.alias_name(), id=product_id)
        assert not ProductSearchText.objects.filter(product_id=product_id).exists()
    assert not ChangeRecord.objects.exists()


def test_helpers_list_the_products_a_change_touches(catalogue):
    category_ids = selectors.product_ids_for_category(catalogue.categories.specialties.pk)

    # The parent category's products and its child "Nước chấm"'s.
    assert {catalogue.fish_sauce_ca_na.pk, catalogue.rice_paper.pk} <= set(category_ids)
    assert catalogue.unpublished.pk in category_ids
    assert catalogue.grapes.pk in selectors.product_ids_for_seller(catalogue.sellers.ca_na.pk)


def test_renaming_a_parent_category_reaches_its_descendants(catalogue):
    parent = catalogue.categories.specialties
    parent.name = "Quà biếu Ninh Thuận"
    parent.save()

    deliver_and_refresh(selectors.product_ids_for_category(parent.pk))

    assert "qua bieu" in _document(catalogue.fish_sauce_ca_na.pk)["category_names_folded"]
    assert catalogue.fish_sauce_ca_na.pk in ElasticsearchBackend().search(query="qua bieu").ids


def test_the_outbox_is_written_in_the_callers_transaction(catalogue):
    def failing_change():
        with transaction.atomic():
            changes.change_record(topic=changes.PRODUCT, object_ids=[catalogue.garlic.pk])
            raise RuntimeError("the catalog change failed")

    with pytest.raises(RuntimeError):
        failing_change()

    assert not ChangeRecord.objects.exists()


def test_plain_sources_are_what_the_document_class_would_send(catalogue):
    lookups = CatalogLookups()
    rows = list(product_rows(Product.objects.live()))
    mapped = set(ProductDocument._doc_type.mapping)

    live = Product.objects.live().values_list("pk", flat=True)
    assert [row["pk"] for row in rows] == sorted(live)
    for row in rows:
        source = document_source(row, *lookups.for_row(row))
        # Every field the source sends is in the mapping, with a value the class keeps as is.
        assert set(source) <= mapped
        assert ProductDocument(**source).to_dict() == source


def test_suggest_inputs_are_folded_suffixes(catalogue):
    source = _document(catalogue.fish_sauce_ca_na.pk)

    assert source["suggest"]["input"][:3] == ["nuoc mam nhi ca na", "mam nhi ca na", "nhi ca na"]
    assert all(value == fold(value) for value in source["suggest"]["input"])


def test_fast_fold_gives_the_reference_output_on_the_catalogue(catalogue):
    texts = [
        text
        for product in Product.objects.select_related("seller", "category")
        for text in (product.name, product.description, product.seller.name, product.category.name)
    ]
    texts += ["ĐẶC SẢN", "Ωμέγα ΟΔΟΣ", "한국어 cà", "İstanbul", "e\u0301 \u1ec7", "ﬁ ǅ"]
    texts += ["Nho sấy – túi 500 g… 120.000 ₫", "\u2000Ấ\u2001\u2126", "–\u0301 ₫\u0323"]

    assert [fold(text) for text in texts] == [fold_slowly(text) for text in texts]


def test_rebuild_restores_serving_settings_and_fills_the_text_table_in_the_same_pass(catalogue):
    ProductSearchText.objects.all().delete()

    report = services.rebuild_index()

    settings = get_client().indices.get_settings(index=report.index)[report.index]["settings"]
    assert settings["index"]["refresh_interval"] == "1s"
    assert settings["index"]["translog"]["durability"] == "request"
    live = set(Product.objects.live().values_list("pk", flat=True))
    assert report.search_text_rows == report.indexed == len(live)
    assert set(ProductSearchText.objects.values_list("product_id", flat=True)) == live


def test_a_two_shard_index_ranks_and_counts_like_a_one_shard_index(catalogue, settings):
    # Scores use the term statistics of every shard (dfs_query_then_fetch), so
    # which shard a product lands in changes nothing, even in a tiny catalog.
    queries = ["hành tím", "nước mắm", "nuoc mam", "dac san phan rang", "tỏi", "ninh thuan"]
    backend = ElasticsearchBackend()

    def answers():
        results = {query: backend.search(query=query) for query in queries}
        return {query: (result.ids, result.facets) for query, result in results.items()}

    one_shard = answers()
    settings.SEARCH_INDEX_SHARDS = 2
    report = indices.rebuild()

    shards = get_client().indices.get_settings(index=report.index)[report.index]["settings"]
    assert shards["index"]["number_of_shards"] == "2"
    assert answers() == one_shard


def _text_table_out_of_step(catalogue) -> None:
    """Changes that bypass the outbox (as a bulk import would)."""
    Product.objects.filter(pk=catalogue.garlic.pk).update(name="Tỏi Lý Sơn")
    ProductSearchText.objects.filter(product_id=catalogue.honey.pk).delete()
    Product.objects.filter(pk=catalogue.grapes.pk).update(is_published=False)


def _name_folded(product) -> str:
    return ProductSearchText.objects.get(product_id=product.pk).name_folded


@pytest.mark.parametrize("engine", ["elasticsearch", "database"])
def test_a_full_rebuild_brings_the_text_table_in_step(catalogue, settings, engine):
    _text_table_out_of_step(catalogue)
    if engine == "database":
        settings.ELASTICSEARCH_URL = None

    report = services.rebuild_index()

    live = set(Product.objects.live().values_list("pk", flat=True))
    assert report.search_text_rows == len(live) == len(catalogue.live) - 1
    assert set(ProductSearchText.objects.values_list("product_id", flat=True)) == live
    assert _name_folded(catalogue.garlic) == " toi ly son "
    assert _name_folded(catalogue.honey) == " mat ong hoa nhan "


def test_a_rebuild_that_fails_leaves_the_alias_and_the_text_table_alone(catalogue, monkeypatch):
    _text_table_out_of_step(catalogue)
    before = indices.aliased_indices()
    real_source = indices.document_source

    def one_bad_document(row, seller, path):
        source = real_source(row, seller, path)
        if row["pk"] == catalogue.shallots.pk:
            source["price_min"] = "bốn mươi lăm nghìn"  # refused by the long field
        return source

    monkeypatch.setattr(indices, "document_source", one_bad_document)

    with pytest.raises(indices.IndexingError, match="1 products failed"):
        services.rebuild_index()

    assert indices.aliased_indices() == before
    assert indices.status()["indices"] == [
        {"index": before[0], "documents": len(catalogue.live), "aliased": True}
    ]
    assert _name_folded(catalogue.garlic) == " toi co don dac san phan rang "
    assert not ProductSearchText.objects.filter(product_id=catalogue.honey.pk).exists()
    assert ProductSearchText.objects.filter(product_id=catalogue.grapes.pk).exists()


def test_two_rebuilds_in_one_transaction(catalogue):
    with transaction.atomic():
        first = services.rebuild_index()
        second = services.rebuild_index()

    assert first.search_text_rows == second.search_text_rows == len(catalogue.live)
    assert ProductSearchText.objects.count() == len(catalogue.live)
