"""The search benchmark's timed phases: the rebuild, the backend, suggest, GraphQL."""

import json
import statistics
import time

import harness
from harness import post_graphql
from search_mix import SearchCase

# The facets are those the search tests check, from the test package.
harness.put_checkout_on_path()
from tests.search.queries import SEARCH_FACETS  # noqa: E402 - needs the checkout on the path

WARM_UP_SEARCHES = 50
PAGE_SIZE = 20

GRAPHQL_QUERY = (
    """
query BenchSearch($query: String!, $filter: SearchFilterInput, $sortBy: SearchSortEnum) {
  search(query: $query, filter: $filter, sortBy: $sortBy, first: 20) {
    totalCount
    edges { highlightedName node { name slug } }
    facets { ...SearchFacetCounts }
  }
}
"""
    + SEARCH_FACETS
)


def timed_rebuild() -> dict:
    """Run ``services.rebuild_index`` as production does.

    With Elasticsearch configured it is one pass over the catalog that fills
    a new index and the database backend's folded-text table together, so
    there are no separate phases to time.
    """
    from search import services

    started = time.perf_counter()
    report = services.rebuild_index()
    return {"report": report, "seconds": time.perf_counter() - started}


def percentiles(timings: list[float]) -> dict:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {
        "p50": round(statistics.median(timings), 2),
        "p95": round(cuts[94], 2),
        "p99": round(cuts[98], 2),
    }


def recording_backend(took: list[int]):
    """``ElasticsearchBackend`` whose requests also append the engine's own ``took`` to ``took``.

    The subclass only reads the response, so that the client-side share of a
    search (building the body, HTTP, JSON, highlighting) can be told apart
    from the time Elasticsearch spent.
    """
    from search.backends.elastic import ElasticsearchBackend

    class RecordingBackend(ElasticsearchBackend):
        def _execute(self, body):
            response = super()._execute(body)
            if response is not None:
                took.append(response.get("took", 0))
            return response

    return RecordingBackend()


def time_backend(cases: list[SearchCase]) -> dict:
    took: list[int] = []
    backend = recording_backend(took)
    for case in cases[:WARM_UP_SEARCHES]:
        backend.search(query=case.query, filters=case.filters, sort=case.sort, first=PAGE_SIZE)
    took.clear()
    timings: list[float] = []
    totals: list[int] = []
    by_group: dict[str, list[float]] = {}
    by_filter: dict[str, list[float]] = {"unfiltered": [], "filtered": []}
    by_sort: dict[str, list[float]] = {}
    for case in cases:
        started = time.perf_counter()
        result = backend.search(
            query=case.query, filters=case.filters, sort=case.sort, first=PAGE_SIZE
        )
        elapsed = (time.perf_counter() - started) * 1000
        timings.append(elapsed)
        totals.append(result.total_count)
        by_group.setdefault(case.group, []).append(elapsed)
        by_filter["filtered" if case.filters else "unfiltered"].append(elapsed)
        by_sort.setdefault(case.sort, []).append(elapsed)
    return {
        "timings": timings,
        "totals": totals,
        "summary": percentiles(timings),
        "elasticsearch_took_ms": percentiles([float(value) for value in took]),
        "by_group": {name: percentiles(values) for name, values in sorted(by_group.items())},
        "by_filter": {
            name: percentiles(values) for name, values in by_filter.items() if len(values) > 1
        },
        "by_sort": {
            name: percentiles(values) for name, values in sorted(by_sort.items()) if len(values) > 1
        },
        "searches_with_hits": sum(1 for total in totals if total),
        "mean_total_count": round(statistics.fmean(totals)),
    }


def time_suggest(prefixes: list[str]) -> dict:
    from search.backends.elastic import ElasticsearchBackend

    backend = ElasticsearchBackend()
    for prefix in prefixes[:WARM_UP_SEARCHES]:
        backend.suggest(prefix=prefix)
    timings = []
    answered = 0
    for prefix in prefixes:
        started = time.perf_counter()
        names = backend.suggest(prefix=prefix)
        timings.append((time.perf_counter() - started) * 1000)
        answered += bool(names)
    return {**percentiles(timings), "prefixes": len(prefixes), "with_suggestions": answered}


def graphql_variables(case: SearchCase) -> dict:
    from graphql_relay import to_global_id

    graphql_filter: dict = {}
    filters = case.filters
    if "category_ids" in filters:
        graphql_filter["categories"] = [
            to_global_id("Category", pk) for pk in filters["category_ids"]
        ]
    if "seller_kinds" in filters:
        graphql_filter["sellerKinds"] = [kind.upper() for kind in filters["seller_kinds"]]
    if "ocop_stars" in filters:
        graphql_filter["ocopStars"] = filters["ocop_stars"]
    if "price_ranges" in filters:
        names = {
            "under_50k": "UNDER_50K",
            "50k_100k": "FROM_50K_TO_100K",
            "100k_200k": "FROM_100K_TO_200K",
            "200k_500k": "FROM_200K_TO_500K",
            "over_500k": "OVER_500K",
        }
        graphql_filter["priceRanges"] = [names[key] for key in filters["price_ranges"]]
    if "in_stock" in filters:
        graphql_filter["inStock"] = filters["in_stock"]
    return {
        "query": case.query,
        "filter": graphql_filter or None,
        "sortBy": case.sort.upper(),
    }


def time_graphql(port: int, cases: list[SearchCase], backend_totals: list[int]) -> dict:
    bodies = [
        json.dumps({"query": GRAPHQL_QUERY, "variables": graphql_variables(case)}).encode()
        for case in cases
    ]
    for body in bodies[:WARM_UP_SEARCHES]:
        post_graphql(port, body)
    timings = []
    mismatches = 0
    for body, expected in zip(bodies, backend_totals, strict=True):
        elapsed, answer = post_graphql(port, body)
        timings.append(elapsed)
        # Same index, same input: the API must report what the backend found.
        mismatches += answer["data"]["search"]["totalCount"] != expected
    return {**percentiles(timings), "total_count_mismatches": mismatches}
