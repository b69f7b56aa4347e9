"""The database backend: the same interface and behaviour, in SQL.

Matching runs on ``ProductSearchText``, whose columns hold folded words padded
with spaces, so "dac san" finds "đặc sản" with a plain ``contains`` on
PostgreSQL and SQLite alike. Every query word must match a whole word of the
name, category path, seller or description. As in the Elasticsearch backend
(whose docstring gives the reasons), fuzzy matching is a fallback: only when
the words match no live product, whatever the filters, does a search run
again with, like ``fuzziness: AUTO``, a word to correct (``correction_passes``)
of 3+ letters also matching name words one edit away (two from 6 letters),
taken from a vocabulary of folded name words that is reloaded only when the
table changes. Relevance is the best field per word
(a CASE in SQL), times the same gentle OCOP factor as the other backend.
"""

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import and_, or_

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from catalog.models import Category, Product
from market.core.pagination import encode_cursor
from search.backends import base
from search.models import ProductSearchText
from search.text_table import folded_words

# Integer weights so that relevance is exact in SQL and usable in a cursor.
NAME_EXACT_WEIGHT = 16
NAME_WEIGHT = 8
CATEGORY_WEIGHT = 4
SELLER_WEIGHT = 2
DESCRIPTION_WEIGHT = 1
FUZZY_NAME_WEIGHT = 1
# Percent: verified stars lift the score by 10 to 20 %, as in the Elasticsearch backend.
OCOP_PERCENT = {3: 110, 4: 115, 5: 120}
MAX_FUZZY_VARIANTS = 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SORT_KEYS = {
    "relevance": ("-search_score", "-pk"),
    "price_asc": ("search_price_min", "pk"),
    "price_desc": ("-search_price_min", "-pk"),
    "newest": ("-search_listed_at", "-pk"),
}


class _Vocabulary:
    """Folded name words of the indexed products, for typo tolerance."""

    def __init__(self):
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self._words: frozenset[str] = frozenset()

    def words(self) -> frozenset[str]:
        version = tuple(
            ProductSearchText.objects.aggregate(
                count=Count("pk"), latest=Max("updated_at")
            ).values()
        )
        with self._lock:
            if version != self._version:
                words: set[str] = set()
                for name in ProductSearchText.objects.values_list(
                    "name_folded", flat=True
                ).iterator():
                    words.update(name.split())
                self._words, self._version = frozenset(words), version
            return self._words


_vocabulary = _Vocabulary()


def fuzzy_variants(term: str, words: frozenset[str]) -> list[str]:
    distance = base.fuzzy_distance(term)
    if not distance:
        return []
    variants = [
        word
        for word in words
        if word != term and base.edit_distance(word, term, distance) <= distance
    ]
    return sorted(variants)[:MAX_FUZZY_VARIANTS]


def typo_variants(terms: tuple[str, ...]) -> tuple[dict[str, list[str]], set[str]]:
    """The name words a few edits from each term, and the terms that are no
    name's word but have such a neighbour (the likely typos), from one read of
    the vocabulary."""
    words = _vocabulary.words()
    variants = {term: fuzzy_variants(term, words) for term in terms}
    unknown = {term for term, near in variants.items() if near and term not in words}
    return variants, unknown


def _contains(column: str, word: str) -> Q:
    return Q(**{f"search_text__{column}__contains": f" {word} "})


def word_condition(term: str, variants: list[str]) -> Q:
    exact = (
        _contains("name_folded", term)
        | _contains("category_folded", term)
        | _contains("seller_folded", term)
        | _contains("description_folded", term)
    )
    return reduce(or_, [_contains("name_folded", variant) for variant in variants], exact)


def word_score(word: str, term: str, variants: list[str]) -> Case:
    whens = [
        When(_contains("name_words", word), then=Value(NAME_EXACT_WEIGHT)),
        When(_contains("name_folded", term), then=Value(NAME_WEIGHT)),
        When(_contains("category_folded", term), then=Value(CATEGORY_WEIGHT)),
        When(_contains("seller_folded", term), then=Value(SELLER_WEIGHT)),
        When(_contains("description_folded", term), then=Value(DESCRIPTION_WEIGHT)),
    ]
    if variants:
        fuzzy = reduce(or_, [_contains("name_folded", variant) for variant in variants])
        whens.append(When(fuzzy, then=Value(FUZZY_NAME_WEIGHT)))
    return Case(*whens, default=Value(0), output_field=IntegerField())


def ocop_percent() -> Case:
    return Case(
        *[When(search_ocop_stars=stars, then=Value(pct)) for stars, pct in OCOP_PERCENT.items()],
        default=Value(100),
        output_field=IntegerField(),
    )


def price_bucket() -> Case:
    whens = []
    for key, (low, high) in base.PRICE_RANGES.items():
        condition = Q()
        if low is not None:
            condition &= Q(search_price_min__gte=low)
        if high is not None:
            condition &= Q(search_price_min__lt=high)
        whens.append(When(condition, then=Value(key)))
    return Case(*whens, default=Value(None))


def filter_condition(filters: base.SearchFilters) -> Q:
    condition = Q()
    if filters.category_ids:
        condition &= Q(category_id__in=Category.objects.subtree_ids(filters.category_ids))
    if filters.seller_ids:
        condition &= Q(seller_id__in=filters.seller_ids)
    if filters.seller_kinds:
        condition &= Q(seller__kind__in=filters.seller_kinds)
    if filters.ocop_stars:
        condition &= Q(search_ocop_stars__in=filters.ocop_stars)
    if filters.price_ranges:
        condition &= Q(search_price_bucket__in=filters.price_ranges)
    if filters.in_stock is not None:
        condition &= Q(search_in_stock=filters.in_stock)
    if filters.verified_origin is not None:
        condition &= Q(origin_verified=filters.verified_origin)
    return condition


def keyset_condition(sort: str, values: list) -> Q:
    """Rows strictly after the row whose sort values are ``values``."""
    if sort == "newest":
        values = [EPOCH + timedelta(microseconds=int(values[0])), values[1]]
    (first_key, second_key) = SORT_KEYS[sort]
    first_field, first_desc = first_key.lstrip("-"), first_key.startswith("-")
    second_field, second_desc = second_key.lstrip("-"), second_key.startswith("-")
    first_lookup = "lt" if first_desc else "gt"
    second_lookup = "lt" if second_desc else "gt"
    return Q(**{f"{first_field}__{first_lookup}": values[0]}) | Q(
        **{first_field: values[0], f"{second_field}__{second_lookup}": values[1]}
    )


class DatabaseBackend(base.SearchBackend):
    def run_search(self, request: base.SearchRequest) -> base.SearchResult:
        parsed, filters, sort, first = request.parsed, request.filters, request.sort, request.first
        corrected: frozenset[str] = frozenset()
        matched = self._matched(parsed)
        results = matched.filter(filter_condition(filters))
        total_count = results.count()
        if not total_count and (filters == base.SearchFilters() or not matched.exists()):
            # The words as typed match nothing: try again with typo tolerance.
            variants, unknown = typo_variants(parsed.terms)
            for corrected in base.correction_passes(parsed.terms, unknown):
                matched = self._matched(
                    parsed, variants={term: variants[term] for term in corrected}
                )
                results = matched.filter(filter_condition(filters))
                total_count = results.count()
                if total_count or matched.exists():
                    break
        page = results
        if request.after_values is not None:
            page = page.filter(keyset_condition(sort, request.after_values))
        rows = list(
            page.order_by(*SORT_KEYS[sort]).values(
                "pk", "name", "search_score", "search_price_min", "search_listed_at"
            )[: first + 1]
        )
        hits = [
            base.SearchHit(
                product_id=row["pk"],
                highlighted_name=base.highlight(row["name"], parsed.terms, corrected=corrected),
                cursor=encode_cursor(self._cursor_values(sort, row)),
                score=float(row["search_score"]),
            )
            for row in rows[:first]
        ]
        return base.SearchResult(
            hits=hits,
            total_count=total_count,
            facets={name: self._facet(name, matched, filters) for name in base.FACETS},
            has_next_page=len(rows) > first,
        )

    @staticmethod
    def _cursor_values(sort: str, row: dict) -> list:
        if sort == "relevance":
            return [row["search_score"], row["pk"]]
        if sort == "newest":
            # Microseconds since the epoch: an exact integer, unlike a float timestamp.
            return [(row["search_listed_at"] - EPOCH) // timedelta(microseconds=1), row["pk"]]
        return [row["search_price_min"] if row["search_price_min"] is not None else -1, row["pk"]]

    def _matched(
        self, parsed: base.ParsedQuery, *, variants: Mapping[str, list[str]] | None = None
    ) -> QuerySet[Product]:
        """Live products matching every word; ``variants`` are the name words
        that the terms being corrected may also match."""
        conditions = []
        scores = []
        for word in parsed.words:
            term = folded_words(word).strip()
            if not term:
                continue
            near = (variants or {}).get(term, [])
            conditions.append(word_condition(term, near))
            scores.append(word_score(word, term, near))
        base_score = reduce(lambda a, b: a + b, scores)
        return (
            Product.objects.live()
            .filter(reduce(and_, conditions))
            .with_current_ocop_stars("search_ocop_stars", default=0)
            .with_price_range(lowest="search_price_min")
            .with_in_stock("search_in_stock")
            .annotate(search_listed_at=Coalesce("published_at", "created_at"))
            .annotate(
                search_price_bucket=price_bucket(),
                search_score=base_score * ocop_percent(),
            )
        )

    def _facet(self, name: str, matched: QuerySet[Product], filters: base.SearchFilters) -> list:
        rows = matched.filter(filter_condition(filters.without(name)))
        if name == "price_range":
            counts = dict(
                rows.values_list("search_price_bucket").annotate(n=Count("pk")).order_by()
            )
            return [
                base.FacetValue(value=key, count=counts.get(key, 0)) for key in base.PRICE_RANGES
            ]
        column = {
            "category": "category_id",
            "seller": "seller_id",
            "seller_kind": "seller__kind",
            "ocop_stars": "search_ocop_stars",
            "in_stock": "search_in_stock",
            "verified_origin": "origin_verified",
        }[name]
        counted = rows.values_list(column).annotate(n=Count("pk")).order_by("-n", column)
        return [base.FacetValue(value=value, count=count) for value, count in counted if count]

    def suggest(self, *, prefix: str | None, first: int = 8) -> list[str]:
        text, first = base.check_suggest(prefix, first)
        folded = folded_words(text).rstrip()
        if not folded:
            return []
        rows = (
            Product.objects.live()
            .filter(search_text__name_folded__contains=folded)
            .with_current_ocop_stars("search_ocop_stars", default=0)
            .order_by("-search_ocop_stars", "name", "pk")
            .values_list("name", flat=True)[: first * 4]
        )
        return list(dict.fromkeys(rows))[:first]
