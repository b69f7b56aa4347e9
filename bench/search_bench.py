"""Search benchmark: rebuilding the index and answering searches over a large catalog.

    .venv/bin/python bench/search_bench.py [--products 100000] [--searches 1000] [--check]

Needs PostgreSQL and Elasticsearch as ``scripts/services.sh up`` starts them
(127.0.0.1:5433, user and password ``market``; http://127.0.0.1:9200). The
script creates its own database (``market_bench_search``), migrates it, loads
the demo catalog and generated products up to ``--products``, then, under an
index prefix of its own:

1. times the full rebuild production runs (``search.services.rebuild_index``,
   what ``manage.py search_index --rebuild`` calls);
2. times ``--searches`` mixed searches straight against
   ``ElasticsearchBackend().search`` in this process, and ``suggest`` for a
   set of prefixes;
3. serves the app with gunicorn (one sync worker) and times the same searches
   through ``POST /graphql/``.

It prints one JSON object and writes it to ``bench/results/search.json``. Its
indices (deleted by name: the cluster refuses wildcard deletes), the gunicorn
process and the database are removed at the end, on failure and on SIGTERM too.
"""

import argparse
import atexit
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import harness
from search_catalog import fill_catalog
from search_mix import filter_ids, search_mix, suggest_prefixes
from search_timing import time_backend, time_graphql, time_suggest, timed_rebuild

RESULTS = harness.RESULTS_DIR / "search.json"

DEFAULT_ELASTICSEARCH_URL = "http://127.0.0.1:9200"
BENCH_DATABASE = "market_bench_search"
SEED = 20250815
SUGGEST_PREFIXES = 200

TARGET_REBUILD_SECONDS = 60.0
TARGET_BACKEND_P95_MS = 30.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--products", type=int, default=100_000, help="catalog size, demo products included"
    )
    parser.add_argument("--searches", type=int, default=1000, help="timed searches per path")
    harness.add_server_url_argument(parser)
    parser.add_argument(
        "--elasticsearch-url",
        default=os.environ.get("ELASTICSEARCH_URL") or DEFAULT_ELASTICSEARCH_URL,
        help="Elasticsearch to index into (env ELASTICSEARCH_URL)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.products < 1 or args.searches < 2:
        parser.error("--products must be positive and --searches at least 2")
    return args


# ---------------------------------------------------------------- cleanup


class Cleanup:
    """Undo steps, run once in reverse order: from ``finally``, or from atexit
    if the interpreter is leaving some other way."""

    def __init__(self):
        self._steps: list[tuple[str, Callable[[], None]]] = []

    def add(self, label: str, step: Callable[[], None]) -> None:
        self._steps.append((label, step))

    def run(self) -> None:
        while self._steps:
            label, step = self._steps.pop()
            try:
                step()
            except Exception as error:
                # One failed step must not leave the others (the database) behind.
                print(f"cleanup: {label} failed: {error!r}", file=sys.stderr)


# ---------------------------------------------------------------- database


def check_elasticsearch(elasticsearch_url: str) -> None:
    from elasticsearch import Elasticsearch

    client = Elasticsearch(elasticsearch_url, request_timeout=10)
    try:
        client.cluster.health()
    except Exception as error:
        raise harness.BenchError(
            f"Elasticsearch at {elasticsearch_url} does not answer ({error}); "
            "start it with scripts/services.sh up"
        ) from error
    finally:
        client.close()


def delete_indices(elasticsearch_url: str, prefix: str) -> list[str]:
    """Every index of this run, deleted by name (the cluster refuses wildcard deletes)."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(elasticsearch_url, request_timeout=30)
    try:
        names = sorted(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").keys())
        if names:
            client.indices.delete(index=",".join(names), ignore_unavailable=True)
        return names
    finally:
        client.close()


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace, cleanup: Cleanup) -> dict:
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    # The figures depend on what else the machine runs: recorded with them.
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    url = harness.database_url(args.server_url, BENCH_DATABASE)
    # Elasticsearch is measured, Redis is not: Celery delivers the search outbox
    # eagerly, as a deployment without a broker does.
    env = harness.app_environment(
        url, ELASTICSEARCH_URL=args.elasticsearch_url, SEARCH_INDEX_PREFIX=prefix
    )
    work_dir = Path(tempfile.mkdtemp(prefix="ocop-bench-search-"))
    cleanup.add("work directory", lambda: shutil.rmtree(work_dir, ignore_errors=True))

    check_elasticsearch(args.elasticsearch_url)
    harness.recreate_database(args.server_url, BENCH_DATABASE)
    cleanup.add("database", lambda: harness.drop_database(args.server_url, BENCH_DATABASE))
    # Registered before anything is indexed: the demo loader's delivery creates the first index.
    cleanup.add("indices", lambda: delete_indices(args.elasticsearch_url, prefix))
    harness.migrate(env)
    harness.setup_django(env)

    rng = random.Random(SEED)
    started = time.perf_counter()
    counts = fill_catalog(args.products, rng)
    load_seconds = time.perf_counter() - started
    print(f"catalog loaded: {counts} in {load_seconds:.1f} s", file=sys.stderr, flush=True)

    rebuild = timed_rebuild()
    report = rebuild["report"]
    if report.indexed != counts["products"]:
        raise harness.BenchError(f"indexed {report.indexed} of {counts['products']} products")
    print(f"rebuild: {rebuild['seconds']:.1f} s", file=sys.stderr, flush=True)

    ids = filter_ids()
    cases = search_mix(args.searches, ids, SEED + 1)
    backend = time_backend(cases)
    print(f"backend: {backend['summary']}", file=sys.stderr, flush=True)
    suggest = time_suggest(suggest_prefixes(SUGGEST_PREFIXES, SEED + 2))

    server, port = harness.serve(env, work_dir / "gunicorn.log")
    cleanup.add("gunicorn", lambda: harness.stop_server(server))
    graphql = time_graphql(port, cases, backend["totals"])
    print(f"graphql: {graphql}", file=sys.stderr, flush=True)

    rebuild_seconds = round(rebuild["seconds"], 2)
    return {
        "products": counts["products"],
        "variants": counts["variants"],
        "certificates": counts["certificates"],
        "load_seconds": round(load_seconds, 1),
        "rebuild_seconds": rebuild_seconds,
        "docs_per_second": round(report.indexed / rebuild["seconds"]),
        "search_text_rows": report.search_text_rows,
        "searches": len(cases),
        "backend": backend["summary"],
        "graphql": {key: graphql[key] for key in ("p50", "p95", "p99")},
        "suggest": {key: suggest[key] for key in ("p50", "p95", "p99")},
        "details": {
            "elasticsearch_took_ms": backend["elasticsearch_took_ms"],
            "backend_by_group": backend["by_group"],
            "backend_by_filter": backend["by_filter"],
            "backend_by_sort": backend["by_sort"],
            "searches_with_hits": backend["searches_with_hits"],
            "mean_total_count": backend["mean_total_count"],
            "graphql_total_count_mismatches": graphql["total_count_mismatches"],
            "suggest_prefixes": suggest["prefixes"],
            "suggest_with_suggestions": suggest["with_suggestions"],
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
        },
        "targets": {
            "rebuild_seconds_below": TARGET_REBUILD_SECONDS,
            "backend_p95_ms_below": TARGET_BACKEND_P95_MS,
        },
        "targets_met": {
            "rebuild": rebuild_seconds < TARGET_REBUILD_SECONDS,
            "backend_p95": backend["summary"]["p95"] < TARGET_BACKEND_P95_MS,
        },
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    cleanup = Cleanup()
    atexit.register(cleanup.run)

    def run_and_clean_up() -> dict:
        try:
            return run(args, cleanup)
        finally:
            cleanup.run()

    result = harness.run_reporting_failure(
        run_and_clean_up, signals=(signal.SIGTERM, signal.SIGHUP)
    )
    if result is None:
        return 1
    harness.write_results(RESULTS, json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False), flush=True)
    missed = [name for name, met in result["targets_met"].items() if not met]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
