"""elasticsearch.dsl against the real Elasticsearch, with Vietnamese folding."""

import uuid

import pytest
from elasticsearch.dsl import Document, Text

from market.core.folding import fold
from search.analysis import folded_match, vietnamese_analyzer
from search.client import get_client, index_name


@pytest.fixture
def titles_index():
    name = index_name(f"titles-{uuid.uuid4().hex[:8]}")

    class Titled(Document):
        title = Text(analyzer=vietnamese_analyzer)
        title_folded = Text(analyzer=vietnamese_analyzer)

        class Index:
            name = "unused"

        def save(self, **kwargs):
            self.title_folded = fold(self.title)
            return super().save(**kwargs)

    Titled._index._name = name
    Titled.init(using=get_client())
    yield Titled
    get_client().indices.delete(index=name, ignore_unavailable=True)


@pytest.mark.parametrize("text", ["nuoc mam", "nước mắm", "NUOC MAM", "Nước Mắm"])
def test_title_is_found_with_and_without_diacritics(titles_index, text):
    titles_index(title="Nước mắm nhĩ Cà Ná").save(refresh=True)
    titles_index(title="Nho xanh Ninh Thuận").save(refresh=True)

    hits = titles_index.search().query(folded_match("title", text)).execute()

    assert [hit.title for hit in hits] == ["Nước mắm nhĩ Cà Ná"]


def test_exact_diacritics_rank_above_a_folded_match(titles_index):
    titles_index(title="Nước mâm").save(refresh=True)
    titles_index(title="Nước mắm").save(refresh=True)

    hits = titles_index.search().query(folded_match("title", "nước mắm")).execute()

    assert [hit.title for hit in hits] == ["Nước mắm", "Nước mâm"]


def test_fold_handles_d_with_stroke():
    assert fold("Đặc sản Phan Rang–Tháp Chàm") == "dac san phan rang–thap cham"
    assert fold("đ") == "d"
