"""Traceability benchmark: the Digital Link resolver, chain verification, EPCIS export and
the propagation of a suspension, over 100,000 lots and 1,000,000 events.

    .venv/bin/python bench/traceability_bench.py [--lots 100000] [--events 1000000] [--check]
    .venv/bin/python bench/traceability_bench.py --lots 2000 --events 20000   # a quick look

Needs PostgreSQL, Redis and Elasticsearch as ``scripts/services.sh up`` starts them. The
script creates its own database (``market_bench_trace``), migrates it and generates the
data in bulk (``traceability_data``, real hash chains), then:

1. times ``lot_verify`` of the 1,000-event chains in this process;
2. serves the app with gunicorn (one sync worker, PostgreSQL only) on a free loopback
   port and times ``GET /01/<GTIN>/10/<lot>`` of random lots as JSON-LD and as HTML,
   ``lotVerify`` through GraphQL (when the schema has it) and ``GET /epcis/lots/<code>``
   of the long chains;
3. rebuilds a search index under a prefix of its own, starts a real Celery worker on
   Redis, suspends the growing area 500 products depend on and times until the index no
   longer shows any of them as verified; then reinstates it and times the way back.

It prints one JSON object and writes it to ``bench/results/traceability.json``. The
worker, the gunicorn process, the indices (by name) and the database are removed at the
end, on failure, SIGTERM and SIGHUP too.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import harness
import traceability_timing as timing
from traceability_data import check_generated, generate

RESULTS = harness.RESULTS_DIR / "traceability.json"

BENCH_DATABASE = "market_bench_trace"
SEED = 20251201

TARGETS = {
    "resolver_jsonld_p95_ms": 10.0,
    "resolver_html_p95_ms": 15.0,
    "lot_verify_ms": 50.0,
    "epcis_export_ms": 200.0,
    "suspension_to_index_seconds": 5.0,
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, default=100_000, help="lots in all")
    parser.add_argument("--events", type=int, default=1_000_000, help="events in all")
    parser.add_argument("--long-chains", type=int, default=5, help="lots with a long chain")
    parser.add_argument("--chain-length", type=int, default=1000, help="events of a long chain")
    parser.add_argument(
        "--dependent-products", type=int, default=500, help="products of the suspended area"
    )
    parser.add_argument("--resolver-lots", type=int, default=500, help="random lots resolved")
    parser.add_argument("--resolver-requests", type=int, default=1000, help="per content type")
    parser.add_argument("--epcis-requests", type=int, default=100, help="timed exports")
    parser.add_argument("--verify-runs", type=int, default=50, help="timed verifications")
    harness.add_server_url_argument(parser)
    harness.add_elasticsearch_url_argument(parser)
    harness.add_redis_url_argument(parser)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    counts = (args.lots, args.events, args.resolver_lots, args.resolver_requests)
    if min(counts) < 1 or min(args.epcis_requests, args.verify_runs) < 2:
        parser.error("sizes must be positive, and runs at least 2")
    if args.long_chains < 1 or args.chain_length < 5 or args.dependent_products < 1:
        parser.error("--long-chains, --dependent-products ≥ 1 and --chain-length ≥ 5")
    return args


def machine_load() -> dict:
    """``uptime``'s words after its clock (whose zone changes once Django sets ``TZ``)."""
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return {
        "uptime": uptime.strip().partition(" ")[2],
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


# ---------------------------------------------------------------- the worker


# ---------------------------------------------------------------- main


def _skipped(why: str) -> dict:
    return {"skipped": why}


def run(args: argparse.Namespace, cleanup: harness.Cleanup) -> dict:
    prefix = f"bench-trace-{uuid.uuid4().hex[:12]}"
    load = {"start": machine_load()}
    url = harness.database_url(args.server_url, BENCH_DATABASE)
    work_dir = Path(tempfile.mkdtemp(prefix="ocop-bench-trace-"))
    cleanup.add("work directory", lambda: shutil.rmtree(work_dir, ignore_errors=True))
    (work_dir / "media").mkdir()
    # This process and the worker: Redis (Celery not eager) and Elasticsearch. The app
    # server: PostgreSQL only, as the other benchmarks serve it; the same SECRET_KEY, so
    # the auditor's token signed here is accepted there.
    env = harness.app_environment(
        url,
        MEDIA_ROOT=str(work_dir / "media"),
        ELASTICSEARCH_URL=args.elasticsearch_url,
        SEARCH_INDEX_PREFIX=prefix,
        REDIS_URL=args.redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    server_env = harness.app_environment(
        url, MEDIA_ROOT=str(work_dir / "media"), SECRET_KEY=env["SECRET_KEY"]
    )

    harness.indexed_app(
        cleanup, env, args.server_url, BENCH_DATABASE, args.elasticsearch_url, prefix
    )

    from django.db import connections

    from market.accounts.jwt import ACCESS, encode
    from search.services import rebuild_index
    from traceability.models import Lot

    rng = random.Random(SEED)
    started = time.perf_counter()
    generated = generate(args, rng)
    generation_seconds = time.perf_counter() - started
    print(
        f"generated {generated.counts} in {generation_seconds:.1f} s {generated.seconds}",
        file=sys.stderr,
        flush=True,
    )
    checks = check_generated(generated, rng)
    resolver_lots = list(
        Lot.objects.exclude(gtin="").order_by("?").values_list("gtin", "code")[: args.resolver_lots]
    )
    long_codes = list(
        Lot.objects.filter(pk__in=generated.long_lot_ids).values_list("code", flat=True)
    )
    endpoints = {
        "resolver": timing.routed(timing.resolver_path(*resolver_lots[0])),
        "epcis_lot_export": timing.routed(timing.epcis_path(long_codes[0])),
    }
    schema = timing.lot_verify_in_schema()
    token = encode(user_id=generated.auditor.pk, token_type=ACCESS, ttl_seconds=3600)["token"]
    auditor = {"Authorization": f"Bearer {token}"}

    load["before_timing"] = machine_load()
    verify_in_process = timing.time_verify_in_process(generated.long_lot_ids, args.verify_runs)
    verify_in_process["breakdown"] = timing.verify_breakdown(generated.long_lot_ids[0])
    queries = {}
    if endpoints["resolver"]:
        path = timing.resolver_path(*resolver_lots[0])
        queries["resolver_jsonld"] = timing.queries_of(path, "application/ld+json")
        queries["resolver_html"] = timing.queries_of(path, "text/html")
    if endpoints["epcis_lot_export"]:
        queries["epcis_export"] = timing.queries_of(timing.epcis_path(long_codes[0]), "*/*")
    print(f"lot_verify in process: {verify_in_process}", file=sys.stderr, flush=True)

    server, port = harness.serve(server_env, work_dir / "gunicorn.log")
    cleanup.add("gunicorn", lambda: harness.stop_server(server))
    if endpoints["resolver"]:
        resolver = timing.time_resolver(port, resolver_lots, args.resolver_requests)
    else:
        resolver = _skipped("no view at /01/<GTIN>/10/<lot> yet")
    resolver["sql_queries_per_request"] = {
        key.removeprefix("resolver_"): value
        for key, value in queries.items()
        if key.startswith("resolver_")
    }
    print(f"resolver: {resolver}", file=sys.stderr, flush=True)
    if schema["in_schema_graphql"] and schema["in_served_schema"]:
        verify_graphql = timing.time_verify_graphql(
            port, generated.long_lot_ids, args.verify_runs, token
        )
    else:
        verify_graphql = _skipped("lotVerify is not in schema.graphql yet")
    print(f"lotVerify through GraphQL: {verify_graphql}", file=sys.stderr, flush=True)
    if endpoints["epcis_lot_export"]:
        # Read as the public would; as an auditor if the endpoint wants someone signed in.
        probe = timing.request(port, "GET", timing.epcis_path(long_codes[0]))[1]
        reader = ("auditor", auditor) if probe in (401, 403) else ("anonymous", {})
        epcis = timing.time_epcis_export(port, long_codes, args.epcis_requests, reader[1])
        epcis.update(reader=reader[0], sql_queries_per_request=queries["epcis_export"])
    else:
        epcis = _skipped("no view at /epcis/lots/<code> yet")
    print(f"EPCIS export: {epcis}", file=sys.stderr, flush=True)
    harness.stop_server(server)

    started = time.perf_counter()
    rebuild = rebuild_index()
    rebuild_seconds = time.perf_counter() - started
    connections.close_all()
    worker = harness.start_worker(env, work_dir / "worker.log", name="bench-trace")
    cleanup.add("worker", lambda: harness.stop_server(worker))
    suspension = timing.time_suspension(
        auditor=generated.auditor,
        area_id=generated.suspended_area_id,
        product_ids=generated.dependent_product_ids,
    )
    suspension.update(index_rebuild_seconds=round(rebuild_seconds, 1), indexed=rebuild.indexed)
    print(f"suspension: {suspension}", file=sys.stderr, flush=True)
    if worker.poll() is not None:
        raise harness.BenchError(f"the worker stopped:\n{(work_dir / 'worker.log').read_text()}")
    load["end"] = machine_load()
    return report(
        args, generated, generation_seconds, checks, endpoints, schema,
        resolver, verify_in_process, verify_graphql, epcis, suspension, load,
    )  # fmt: skip


def report(
    args, generated, generation_seconds, checks, endpoints, schema,
    resolver, verify_in_process, verify_graphql, epcis, suspension, load,
) -> dict:  # fmt: skip
    figures = {
        "resolver_jsonld_p95_ms": resolver.get("jsonld_ms", {}).get("p95"),
        "resolver_html_p95_ms": resolver.get("html_ms", {}).get("p95"),
        # The target is for one verification: the p95 of the runs, in process and over HTTP.
        "lot_verify_ms": verify_in_process["p95"],
        "epcis_export_ms": epcis.get("ms", {}).get("p95"),
        "suspension_to_index_seconds": suspension["suspend_to_index_seconds"],
    }
    return {
        "sizes": {
            "lots": args.lots,
            "events": args.events,
            "full_size": (args.lots, args.events) == (100_000, 1_000_000),
        },
        "generated": generated.counts,
        "generation_seconds": round(generation_seconds, 1),
        "generation_seconds_by_step": generated.seconds,
        "generation_checks": checks,
        "endpoints_present": endpoints,
        "resolver": resolver,
        "lot_verify": {
            "chain_length": args.chain_length,
            "in_process_ms": verify_in_process,
            "graphql_ms": verify_graphql,
            "schema": schema,
        },
        "epcis_export": epcis,
        "suspension": suspension,
        "not_measured": [name for name, value in figures.items() if value is None]
        + ([] if "skipped" not in verify_graphql else ["lot_verify_graphql"]),
        "machine": {"cpus": os.cpu_count(), **load},
        "targets": TARGETS,
        "targets_met": {
            name: value <= TARGETS[name] for name, value in figures.items() if value is not None
        },
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    return harness.run_benchmark(lambda cleanup: run(args, cleanup), RESULTS, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
