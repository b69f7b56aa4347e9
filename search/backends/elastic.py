"""The Elasticsearch backend.

Scoring, per query word (every word must match somewhere): the best of the
name, the category path, the seller, the English name and the description, in
that order of weight; in the name the word as typed counts twice its folded
form (``folded_match``), the other fields are matched folded only (the
database backend does the same), and a fuzzy match on the folded name (one
edit for 3 to 5 letters, two from 6, as ``fuzziness: AUTO``) counts least, so
"nuoc nam" still finds "nước mắm" without outranking exact matches. Verified
OCOP stars multiply the score gently.

Fuzzy matching is a fallback, decided once for both backends: a search runs
first without fuzzy alternatives and only when the words as typed match no
live product at all, whatever the filters, runs again with them. A typo is a
matter of the words, not of the filters: words that exist in the catalog are
not corrected into their neighbours because a filter leaves none of their
products. Ordinary searches are thus not inflated by the neighbours that
three-letter Vietnamese syllables have plenty of ("tỏi" is one edit from
"tôm", "nho" from "nha", "nhi" and "kho"), which cost relevance and, with six
facet aggregations over every matched document, time. The first request also
asks a term suggester which words are no product name's word, so that the
fuzzy pass corrects those first (``correction_passes``); highlighting marks
loose matches of the corrected words only.

Facets count with every filter except their own: the filters go to
``post_filter``; the facets whose own filter is not set share one filter
aggregation of all active filters, and each facet whose filter is set gets its
own aggregation under a filter of the others.
"""

import logging
from functools import lru_cache

from django.utils.translation import gettext as _
from elasticsearch import ApiError, NotFoundError, TransportError
from elasticsearch.dsl import Q

from market.core.errors import InvalidInput
from market.core.folding import fold
from market.core.pagination import encode_cursor
from search.analysis import folded_match
from search.backends import base
from search.client import get_client
from search.indices import alias_name

logger = logging.getLogger(__name__)

NAME_WEIGHT = 8.0
# Matched in their folded form only.
FOLDED_FIELD_WEIGHTS = (
    ("category_names_folded", 4.0),
    ("seller_name_folded", 2.0),
    ("description_folded", 1.0),
)
FUZZY_NAME_WEIGHT = 1.0
ENGLISH_NAME_WEIGHT = 3.0
PHRASE_IN_NAME_WEIGHT = 4.0
OCOP_WEIGHTS = {3: 1.1, 4: 1.15, 5: 1.2}
FACET_SIZE = 200

SORT_CLAUSES = {
    "relevance": [{"_score": "desc"}, {"product_id": "desc"}],
    "price_asc": [{"price_min": "asc"}, {"product_id": "asc"}],
    "price_desc": [{"price_min": "desc"}, {"product_id": "desc"}],
    "newest": [{"published_at": "desc"}, {"product_id": "desc"}],
}


SHARED_FACETS = "unfiltered_facets"
# Products the words match, before the filters (which are a post_filter).
TEXT_MATCHES = "text_matches"
UNKNOWN_TERMS = "unknown_terms"


@lru_cache(maxsize=4096)
def word_clause(word: str, *, fuzzy: bool = False) -> dict:
    """The clause one query word must satisfy, as the request body's dict.

    ``fuzzy`` adds a loose match on the folded name, for a word to correct.
    Buyers type the same words over and over: the clause of each is built
    once per process (callers must not change the dict they get).
    """
    term = fold(word)
    alternatives = [folded_match("name", word, boost=NAME_WEIGHT)]
    alternatives += [
        Q("match", **{field: {"query": term, "boost": weight}})
        for field, weight in FOLDED_FIELD_WEIGHTS
    ]
    alternatives.append(Q("match", name_en={"query": word, "boost": ENGLISH_NAME_WEIGHT}))
    distance = base.fuzzy_distance(term) if fuzzy else 0
    if distance:
        alternatives.append(
            Q(
                "match",
                name_folded={
                    "query": term,
                    "fuzziness": distance,
                    "prefix_length": 0,
                    "boost": FUZZY_NAME_WEIGHT,
                },
            )
        )
    # dis_max: a word counts for its best field, so a description repeating it
    # cannot outweigh the name.
    return Q("dis_max", queries=alternatives, tie_breaker=0.2).to_dict()


OCOP_FUNCTIONS = [
    {"filter": Q("term", ocop_stars=stars).to_dict(), "weight": weight}
    for stars, weight in OCOP_WEIGHTS.items()
]


def text_query(parsed: base.ParsedQuery, *, corrected: frozenset[str] = frozenset()) -> dict:
    scored = {
        "bool": {
            "must": [word_clause(word, fuzzy=fold(word) in corrected) for word in parsed.words],
            "should": [
                Q(
                    "match_phrase", name={"query": parsed.text, "boost": PHRASE_IN_NAME_WEIGHT}
                ).to_dict()
            ],
        }
    }
    return {
        "function_score": {
            "query": scored,
            "functions": OCOP_FUNCTIONS,
            "score_mode": "max",
            "boost_mode": "multiply",
        }
    }


def filter_clauses(filters: base.SearchFilters) -> list[Q]:
    clauses = [Q("term", is_published=True)]
    if filters.category_ids:
        clauses.append(Q("terms", category_ids=list(filters.category_ids)))
    if filters.seller_ids:
        clauses.append(Q("terms", seller_id=list(filters.seller_ids)))
    if filters.seller_kinds:
        clauses.append(Q("terms", seller_kind=list(filters.seller_kinds)))
    if filters.ocop_stars:
        clauses.append(Q("terms", ocop_stars=list(filters.ocop_stars)))
    if filters.price_ranges:
        clauses.append(
            Q(
                "bool",
                should=[price_range_query(key) for key in filters.price_ranges],
                minimum_should_match=1,
            )
        )
    if filters.in_stock is not None:
        clauses.append(Q("term", in_stock=filters.in_stock))
    if filters.verified_origin:
        clauses.append(Q("term", origin_verified=True))
    elif filters.verified_origin is not None:
        # "Not verified" includes documents indexed before the field existed,
        # until a rebuild (search.indices) gives every document the field.
        clauses.append(~Q("term", origin_verified=True))
    return clauses


@lru_cache(maxsize=1024)
def post_filter(filters: base.SearchFilters) -> dict:
    return Q("bool", filter=filter_clauses(filters)).to_dict()


def price_range_query(key: str) -> Q:
    low, high = base.PRICE_RANGES[key]
    bounds = {}
    if low is not None:
        bounds["gte"] = low
    if high is not None:
        bounds["lt"] = high
    return Q("range", price_min=bounds)


def facet_aggregation(name: str) -> dict:
    if name == "price_range":
        ranges = []
        for key, (low, high) in base.PRICE_RANGES.items():
            bucket = {"key": key}
            if low is not None:
                bucket["from"] = low
            if high is not None:
                bucket["to"] = high
            ranges.append(bucket)
        return {"range": {"field": "price_min", "ranges": ranges}}
    field = {
        "category": "category_id",
        "seller": "seller_id",
        "seller_kind": "seller_kind",
        "ocop_stars": "ocop_stars",
        "in_stock": "in_stock",
        "verified_origin": "origin_verified",
    }[name]
    aggregation = {"field": field, "size": FACET_SIZE}
    if name == "verified_origin":
        # Counted with the filter's reading: a document without the field is not verified.
        aggregation["missing"] = False
    return {"terms": aggregation}


def read_facet(name: str, aggregation: dict) -> list[base.FacetValue]:
    """Facet values from a bucket aggregation (``facet_aggregation``'s result)."""
    buckets = aggregation["buckets"]
    if name == "price_range":
        return [
            base.FacetValue(value=bucket["key"], count=bucket["doc_count"]) for bucket in buckets
        ]
    values = []
    for bucket in buckets:
        if not bucket["doc_count"]:
            continue
        if name == "in_stock":
            value = bool(bucket["key"])
        elif name == "verified_origin":
            # A mapped boolean answers key 0/1 with key_as_string; the ``missing``
            # bucket of an index without the field answers the key "false".
            value = bucket.get("key_as_string", bucket["key"]) in ("true", True, 1)
        elif name == "seller_kind":
            value = str(bucket["key"])
        else:
            value = int(bucket["key"])
        values.append(base.FacetValue(value=value, count=bucket["doc_count"]))
    return values


@lru_cache(maxsize=1024)
def facet_aggregations(filters: base.SearchFilters) -> dict:
    """One shared aggregation, under every active filter, for the facets whose
    own filter is not set (their counts are the same whether it is cleared or
    not), and one aggregation under the other filters for each facet whose
    filter is set."""
    own = [name for name in base.FACETS if filters.without(name) != filters]
    shared = [name for name in base.FACETS if name not in own]
    aggregations = {
        name: {
            "filter": Q("bool", filter=filter_clauses(filters.without(name))).to_dict(),
            "aggs": {"values": facet_aggregation(name)},
        }
        for name in own
    }
    if shared:
        aggregations[SHARED_FACETS] = {
            "filter": Q("bool", filter=filter_clauses(filters)).to_dict(),
            "aggs": {name: facet_aggregation(name) for name in shared},
        }
    return aggregations


def unknown_terms_suggester(parsed: base.ParsedQuery) -> dict:
    """A term suggester that answers, for each folded term, with a near name
    word when the term itself is no name's word ("missing" mode)."""
    return {
        "text": " ".join(parsed.terms),
        UNKNOWN_TERMS: {
            "term": {
                "field": "name_folded",
                "suggest_mode": "missing",
                # As the fuzzy pass: from three letters, any letter may be wrong.
                "min_word_length": 3,
                "prefix_length": 0,
                "size": 1,
            }
        },
    }


def unknown_terms(response: dict) -> set[str]:
    """Terms that are no name's word but have a near one, from ``unknown_terms_suggester``."""
    entries = response.get("suggest", {}).get(UNKNOWN_TERMS, [])
    return {entry["text"] for entry in entries if entry["options"]}


class ElasticsearchBackend(base.SearchBackend):
    def run_search(self, request: base.SearchRequest) -> base.SearchResult:
        parsed, first = request.parsed, request.first
        corrected: frozenset[str] = frozenset()
        body = self._body(request)
        body["suggest"] = unknown_terms_suggester(parsed)
        response = self._execute(body)
        if response is not None and not response["aggregations"][TEXT_MATCHES]["doc_count"]:
            # The words as typed match nothing: try again with typo tolerance.
            for corrected in base.correction_passes(parsed.terms, unknown_terms(response)):
                response = self._execute(self._body(request, corrected=corrected))
                if response is None or response["aggregations"][TEXT_MATCHES]["doc_count"]:
                    break
        if response is None:
            return base.SearchResult(facets=base.empty_facets())

        raw_hits = response["hits"]["hits"]
        page = raw_hits[:first]
        hits = [
            base.SearchHit(
                product_id=int(hit["_id"]),
                highlighted_name=base.highlight(
                    hit["_source"]["name"], parsed.terms, corrected=corrected
                ),
                cursor=encode_cursor(hit["sort"]),
                score=hit.get("_score"),
            )
            for hit in page
        ]
        aggregations = response.get("aggregations", {})
        facets = {
            name: read_facet(
                name,
                aggregations[name]["values"]
                if name in aggregations
                else aggregations[SHARED_FACETS][name],
            )
            for name in base.FACETS
        }
        return base.SearchResult(
            hits=hits,
            total_count=response["hits"]["total"]["value"],
            facets=facets,
            has_next_page=len(raw_hits) > first,
        )

    def _body(self, request: base.SearchRequest, *, corrected=frozenset()) -> dict:
        aggregations = facet_aggregations(request.filters)
        body = {
            "query": text_query(request.parsed, corrected=corrected),
            "post_filter": post_filter(request.filters),
            "size": request.first + 1,
            "track_total_hits": True,
            "sort": SORT_CLAUSES[request.sort],
            "_source": ["name"],
            "aggs": {**aggregations, TEXT_MATCHES: {"filter": {"match_all": {}}}},
        }
        if request.after_values is not None:
            body["search_after"] = request.after_values
        return body

    def _execute(self, body: dict) -> dict | None:
        client = get_client()
        # One retry: a search that started on an index dropped by a rebuild's
        # last step finds the new index through the alias the second time.
        for attempt in (1, 2):
            try:
                # Term statistics from every shard, so that scores do not depend
                # on which shard a product landed in (a small catalog would feel it);
                # on a one-shard index Elasticsearch skips the extra phase.
                return client.search(
                    index=alias_name(), body=body, search_type="dfs_query_then_fetch"
                ).body
            except NotFoundError:
                if attempt == 2:
                    # No index yet (nothing was ever indexed): nothing to find.
                    return None
            except ApiError as error:
                if error.status_code == 400:
                    logger.warning("search request refused by Elasticsearch: %s", error)
                    raise InvalidInput(
                        _("The search could not be run."), code="INVALID_QUERY", field="query"
                    ) from error
                raise base.SearchUnavailable(_("Search is unavailable.")) from error
            except TransportError as error:
                raise base.SearchUnavailable(_("Search is unavailable.")) from error
        return None

    def suggest(self, *, prefix: str | None, first: int = 8) -> list[str]:
        text, first = base.check_suggest(prefix, first)
        if not text:
            return []
        body = {
            "_source": ["name"],
            "suggest": {
                "names": {
                    # The field holds folded inputs only; the names shown come from _source.
                    "prefix": fold(text),
                    # Several inputs of one product can match; ask for more
                    # options than names wanted, then keep one per product.
                    "completion": {"field": "suggest", "size": first * 4, "skip_duplicates": True},
                }
            },
        }
        response = self._execute(body)
        if response is None:
            return []
        names: list[str] = []
        seen_products: set[str] = set()
        for option in response["suggest"]["names"][0]["options"]:
            if option["_id"] in seen_products:
                continue
            seen_products.add(option["_id"])
            name = option["_source"]["name"]
            if name not in names:
                names.append(name)
            if len(names) == first:
                break
        return names
