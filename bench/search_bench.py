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
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import harness
from search_catalog import fill_catalog
from search_mix import filter_ids, search_mix, suggest_prefixes
from search_timing import time_backend, time_graphql, time_suggest, timed_rebuild

RESULTS = harness.RESULTS_DIR / "search.json"

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
    harness.add_elasticsearch_url_argument(parser)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.products < 1 or args.searches < 2:
        parser.error("--products must be positive and --searches at least 2")
    return args


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace, cleanup: harness.Cleanup) -> dict:
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

    harness.indexed_app(
        cleanup, env, args.server_url, BENCH_DATABASE, args.elasticsearch_url, prefix
    )

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
    return harness.run_benchmark(lambda cleanup: run(args, cleanup), RESULTS, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
