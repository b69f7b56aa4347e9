"""Behaviour that both backends share, run against each of them."""

from collections import Counter

import pytest
from django.db.models import Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import OcopCertificate, Product
from market.core.errors import InvalidInput
from search.backends import get_backend
from search.backends.base import PRICE_RANGES, correction_passes
from search.backends.database import DatabaseBackend
from search.backends.elastic import ElasticsearchBackend
from tests.search.conftest import deliver_and_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["elasticsearch", "database"])
def backend(request):
    return ElasticsearchBackend() if request.param == "elasticsearch" else DatabaseBackend()


@pytest.mark.parametrize("query", ["nuoc mam", "nước mắm", "NƯỚC MẮM", "nuoc nam"])
def test_fish_sauces_are_found_with_or_without_diacritics_and_with_a_typo(
    backend, catalogue, query
):
    result = backend.search(query=query)

    assert set(result.ids) == {catalogue.fish_sauce_ca_na.pk, catalogue.fish_sauce_anchovy.pk}
    assert result.total_count == 2


def test_d_with_stroke_folds_to_d(backend, catalogue):
    result = backend.search(query="dac san phan rang")

    assert result.ids[0] == catalogue.garlic.pk


def test_category_path_is_searched(backend, catalogue):
    # "Đặc sản Ninh Thuận" is the parent of "Nước chấm": fish sauces match through their path.
    result = backend.search(query="dac san")

    assert {catalogue.fish_sauce_ca_na.pk, catalogue.garlic.pk, catalogue.rice_paper.pk} <= set(
        result.ids
    )


def test_name_ranks_above_description(backend, catalogue):
    result = backend.search(query="hành tím")

    assert result.ids[0] == catalogue.shallots.pk
    assert catalogue.shrimp_salt.pk in result.ids


def test_exact_diacritics_rank_above_a_folded_match(backend, catalogue):
    catalogue.rice_paper.name = "Bánh tráng mam ruốc"
    catalogue.rice_paper.save()
    deliver_and_refresh([catalogue.rice_paper.pk])

    result = backend.search(query="mắm")

    assert set(result.ids[:2]) == {catalogue.fish_sauce_ca_na.pk, catalogue.fish_sauce_anchovy.pk}
    assert catalogue.rice_paper.pk in result.ids[2:]


def test_hidden_products_are_never_found(backend, catalogue):
    result = backend.search(query="nuoc mam thu")

    assert catalogue.unpublished.pk not in result.ids
    assert catalogue.from_suspended.pk not in result.ids


def test_highlighted_name_marks_the_matched_words(backend, catalogue):
    result = backend.search(query="nuoc mam ca na")

    assert (
        result.hits[0].highlighted_name == "<em>Nước</em> <em>mắm</em> nhĩ <em>Cà</em> <em>Ná</em>"
    )


def _expected_facets(filters: dict) -> dict:
    """Facet counts computed independently with the ORM, each facet ignoring its own filter."""
    today = timezone.localdate()
    stars = Subquery(
        OcopCertificate.objects.filter(
            product=OuterRef("pk"), status="verified", expires_on__gte=today
        )
        .order_by("-stars")
        .values("stars")[:1]
    )
    products = list(
        Product.objects.filter(is_published=True, seller__status="active")
        .annotate(
            price=Min("variants__price"),
            stars=Coalesce(stars, Value(0)),
            available=Coalesce(
                Subquery(
                    Product.objects.filter(
                        pk=OuterRef("pk"),
                        variants__stock__quantity__gt=0,
                    ).values("pk")[:1]
                ),
                Value(0),
            ),
        )
        .select_related("seller")
    )

    def price_key(price):
        return next(
            key
            for key, (low, high) in PRICE_RANGES.items()
            if (low is None or price >= low) and (high is None or price < high)
        )

    def keep(product, facet):
        checks = {
            "seller_kind": lambda p: p.seller.kind in filters.get("seller_kinds", [p.seller.kind]),
            "in_stock": lambda p: bool(p.available) == filters.get("in_stock", bool(p.available)),
        }
        return all(check(product) for name, check in checks.items() if name != facet)

    facets = {}
    for facet, value in [
        ("category", lambda p: p.category_id),
        ("seller", lambda p: p.seller_id),
        ("seller_kind", lambda p: p.seller.kind),
        ("ocop_stars", lambda p: p.stars),
        ("price_range", lambda p: price_key(p.price)),
        ("in_stock", lambda p: bool(p.available)),
    ]:
        facets[facet] = Counter(value(p) for p in products if keep(p, facet))
    return facets


@pytest.mark.parametrize(
    "filters",
    [{}, {"seller_kinds": ["household", "enterprise"]}, {"in_stock": True}],
    ids=["no-filter", "seller-kinds", "in-stock"],
)
def test_facet_counts_equal_the_database_and_ignore_their_own_filter(backend, catalogue, filters):
    # Every live product's description names the province, so this query matches them all.
    result = backend.search(query="Ninh Thuận", filters=filters, first=100)

    expected = _expected_facets(filters)
    for facet, counts in expected.items():
        actual = {value.value: value.count for value in result.facets[facet] if value.count}
        assert actual == dict(counts), facet
    assert [value.value for value in result.facets["price_range"]] == list(PRICE_RANGES)


def test_filters_narrow_the_hits(backend, catalogue):
    result = backend.search(
        query="Ninh Thuận",
        filters={
            "category_ids": [catalogue.categories.specialties.pk],
            "price_ranges": ["under_50k"],
        },
    )

    assert set(result.ids) == {catalogue.shrimp_salt.pk, catalogue.rice_paper.pk}
    assert result.total_count == 2


def test_ocop_stars_and_stock_filters(backend, catalogue):
    starred = backend.search(query="Ninh Thuận", filters={"ocop_stars": [4, 5]})
    out_of_stock = backend.search(query="nuoc mam", filters={"in_stock": False})

    assert set(starred.ids) == {catalogue.fish_sauce_ca_na.pk, catalogue.garlic.pk}
    assert out_of_stock.ids == [catalogue.fish_sauce_anchovy.pk]


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "price_desc", "newest"])
def test_keyset_pages_cover_every_hit_once(backend, catalogue, sort):
    seen, after = [], None
    while True:
        page = backend.search(query="Ninh Thuận", sort=sort, first=3, after=after)
        seen.extend(page.ids)
        if not page.has_next_page:
            break
        after = page.end_cursor

    assert sorted(seen) == sorted(p.pk for p in catalogue.live)
    assert len(seen) == len(set(seen))
    if sort == "price_asc":
        assert seen[0] == catalogue.rice_paper.pk
        assert seen[-1] == catalogue.honey.pk


def test_verified_ocop_is_gently_boosted(backend, catalogue):
    result = backend.search(query="phan rang")

    # Both match "phan rang" in the name; the 5-star garlic comes first.
    assert result.ids[:2] == [catalogue.garlic.pk, catalogue.fish_sauce_anchovy.pk]


@pytest.mark.parametrize(
    "query",
    ["", "   ", None, "!!! ??? ... ---", "\x00\x01", '"title:(nước AND ', "*" * 10_000],
    ids=["empty", "blank", "none", "punctuation", "control", "query-syntax", "stars-10k"],
)
def test_blank_or_absurd_queries_give_an_empty_result(backend, catalogue, query):
    result = backend.search(query=query)

    assert result.ids == []
    assert result.total_count == 0


def test_a_ten_thousand_character_query_is_truncated_not_refused(backend, catalogue):
    result = backend.search(query="nước mắm " * 1200)

    assert catalogue.fish_sauce_ca_na.pk in result.ids


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"filters": {"category_ids": "abc"}}, "INVALID_FILTER"),
        ({"filters": {"category_ids": [True]}}, "INVALID_FILTER"),
        ({"filters": {"seller_kinds": ["pirate"]}}, "INVALID_FILTER"),
        ({"filters": {"ocop_stars": [7]}}, "INVALID_FILTER"),
        ({"filters": {"price_ranges": ["free"]}}, "INVALID_FILTER"),
        ({"filters": {"in_stock": "yes"}}, "INVALID_FILTER"),
        ({"filters": {"colour": ["red"]}}, "INVALID_FILTER"),
        ({"filters": "category=1"}, "INVALID_FILTER"),
        ({"sort": "price; DROP TABLE"}, "INVALID_SORT"),
        ({"first": 1000}, "INVALID_PAGINATION"),
        ({"first": 0}, "INVALID_PAGINATION"),
        ({"after": "not-a-cursor"}, "INVALID_CURSOR"),
        ({"after": "WyJhIiwiYiJd"}, "INVALID_CURSOR"),
        ({"query": 42}, "INVALID_QUERY"),
    ],
)
def test_malformed_input_raises_a_typed_error(backend, catalogue, arguments, code):
    with pytest.raises(InvalidInput) as error:
        backend.search(**{"query": "nuoc mam", **arguments})

    assert error.value.code == code


@pytest.mark.parametrize("prefix", ["nuoc m", "Nước m", "mam nh"])
def test_suggest_completes_names_with_or_without_diacritics(backend, catalogue, prefix):
    suggestions = backend.suggest(prefix=prefix, first=5)

    assert "Nước mắm nhĩ Cà Ná" in suggestions
    assert "Nước mắm thử nghiệm" not in suggestions
    assert "Nước mắm cá thu" not in suggestions


@pytest.mark.parametrize("prefix", ["", None, "!!!", "x" * 5000])
def test_suggest_with_nothing_useful_returns_nothing(backend, catalogue, prefix):
    assert backend.suggest(prefix=prefix) == []


def test_get_backend_follows_the_setting(settings):
    assert isinstance(get_backend(), ElasticsearchBackend)
    settings.ELASTICSEARCH_URL = None
    assert isinstance(get_backend(), DatabaseBackend)


def test_unpublishing_removes_a_product_from_both_backends(backend, catalogue):
    Product.objects.filter(pk=catalogue.shallots.pk).update(is_published=False)
    deliver_and_refresh([catalogue.shallots.pk])

    assert catalogue.shallots.pk not in backend.search(query="hanh tim").ids


@pytest.mark.parametrize(("query", "name"), [("tỏi", "garlic"), ("nho", "grapes")])
def test_fuzzy_matching_is_only_a_fallback(backend, catalogue, query, name):
    # "tỏi" is one edit from "tôm" and "nho" from "nhĩ": exact matches exist, so no fuzzy pass.
    result = backend.search(query=query)

    assert result.ids == [getattr(catalogue, name).pk]
    assert "<em>" in result.hits[0].highlighted_name


def test_a_typo_runs_the_fuzzy_pass_and_highlights_its_matches(backend, catalogue):
    result = backend.search(query="nuoc nam nhi")

    assert result.ids == [catalogue.fish_sauce_ca_na.pk]
    assert result.hits[0].highlighted_name.startswith("<em>Nước</em> <em>mắm</em> <em>nhĩ</em>")


@pytest.mark.parametrize(
    ("unknown", "passes"),
    [
        ({"noc"}, [{"noc"}, {"noc", "mam", "com"}]),
        (set(), [{"noc", "mam", "com"}]),
        ({"noc", "mam", "com"}, [{"noc", "mam", "com"}]),
        ({"ca"}, [{"noc", "mam", "com"}]),
    ],
    ids=["one-unknown", "none-unknown", "all-unknown", "too-short-to-correct"],
)
def test_correction_passes_try_the_unknown_words_first(unknown, passes):
    # "ca" has two letters: never corrected, as with fuzziness AUTO.
    assert correction_passes(("noc", "mam", "ca", "com"), unknown) == passes


def test_only_the_word_that_is_no_name_word_is_corrected(backend, catalogue):
    # "ninhh" is the typo; "tom" is a word of a name and stays as typed, so
    # "tim" (one edit away, in "Hành tím Ninh Hải") does not bring the shallots.
    result = backend.search(query="tom ninhh")

    assert result.ids == [catalogue.shrimp_salt.pk]
    assert result.hits[0].highlighted_name == "Muối <em>tôm</em> Tây <em>Ninh</em>"


def test_every_word_is_corrected_when_correcting_the_unknown_one_finds_nothing(backend, catalogue):
    # "mat" is a word of a name (the honey's), yet here it stands for "mắm".
    result = backend.search(query="mat nhii")

    assert result.ids == [catalogue.fish_sauce_ca_na.pk]
    assert result.hits[0].highlighted_name.startswith("Nước <em>mắm</em> <em>nhĩ</em>")


def test_a_filter_that_leaves_no_hit_does_not_turn_on_typo_tolerance(backend, catalogue):
    # "tỏi" exists (the garlic, a vegetable): no fuzzy pass, so "tôm" (one edit
    # away, in the specialties the filter keeps) is not offered instead.
    specialties = {"category_ids": [catalogue.categories.specialties.pk]}

    result = backend.search(query="tỏi", filters=specialties)

    assert (result.ids, result.total_count) == ([], 0)


def test_a_typo_is_tolerated_under_filters_too(backend, catalogue):
    fish_sauce = {"category_ids": [catalogue.categories.fish_sauce.pk]}

    result = backend.search(query="nuoc nam nhi", filters=fish_sauce)

    assert result.ids == [catalogue.fish_sauce_ca_na.pk]


def test_facets_without_an_active_filter_share_one_aggregation():
    from search.backends.base import FACETS, SearchFilters
    from search.backends.elastic import SHARED_FACETS, facet_aggregations

    aggregations = facet_aggregations(SearchFilters(in_stock=True, ocop_stars=(4,)))

    assert set(aggregations) == {"in_stock", "ocop_stars", SHARED_FACETS}
    assert set(aggregations[SHARED_FACETS]["aggs"]) == set(FACETS) - {"in_stock", "ocop_stars"}
    assert set(facet_aggregations(SearchFilters())) == {SHARED_FACETS}
