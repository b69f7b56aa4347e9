"""Storefront listing benchmark: the first page of ``products`` at several catalog sizes.

    .venv/bin/python bench/listing_bench.py [--sizes 30,10000] [--requests 200] [--check]

Needs the PostgreSQL that ``scripts/services.sh up`` starts (127.0.0.1:5433,
user and password ``market``). The script creates its own database
(``market_bench``), migrates it, and for each size fills the catalog (the demo
loader for the first 30 products, generated products beyond), serves the app
with gunicorn and ONE sync worker on a free loopback port, warms it up, then
times sequential POSTs of the listing query a storefront's home page sends.
The SQL queries per request are counted in this process, against the same
database, with Django's test client. It prints one JSON object per size and
writes them all to ``bench/results/listing.json``. The gunicorn process, the
database and the media directory are removed at the end, on failure too.
"""

import argparse
import contextlib
import datetime
import json
import random
import statistics
import sys
from pathlib import Path

import harness
from generated import QUALIFIERS, priced_variants, verified_certificate

RESULTS = harness.RESULTS_DIR / "listing.json"

BENCH_DATABASE = "market_bench"
WARM_UP_REQUESTS = 20
TARGET_MEDIAN_MS = 25.0
TARGET_QUERIES = 8
SEED = 20250701

QUERY = """
query StorefrontListing {
  products(first: 20) {
    totalCount
    edges {
      node {
        id
        name
        pricing { priceRange { start { amount currency } } }
        thumbnail(size: 256)
        category { name }
        seller { name }
        ocopStars
      }
    }
  }
}
"""

# Generated products: (kind, category, [(pack, grams, price in VND)]), after the demo catalog.
PRODUCT_KINDS = [
    ("Nho sấy", "Trái cây sấy", [("Túi 250 g", 250, 52_000), ("Túi 500 g", 500, 98_000)]),
    ("Nho xanh", "Trái cây tươi", [("Hộp 1 kg", 1000, 70_000), ("Thùng 3 kg", 3000, 200_000)]),
    ("Nho đỏ Cardinal", "Trái cây tươi", [("Hộp 1 kg", 1000, 60_000)]),
    ("Táo xanh", "Trái cây tươi", [("Túi 1 kg", 1000, 35_000), ("Thùng 3 kg", 3000, 95_000)]),
    ("Táo sấy dẻo", "Trái cây sấy", [("Túi 200 g", 200, 45_000), ("Túi 500 g", 500, 100_000)]),
    ("Xoài sấy", "Trái cây sấy", [("Túi 200 g", 200, 55_000), ("Túi 500 g", 500, 125_000)]),
    ("Măng tây xanh", "Rau củ", [("Bó 500 g", 500, 60_000), ("Bó 1 kg", 1000, 110_000)]),
    ("Hành tím", "Gia vị", [("Túi 1 kg", 1000, 62_000), ("Bao 5 kg", 5000, 290_000)]),
    ("Tỏi", "Gia vị", [("Túi 500 g", 500, 58_000), ("Túi 1 kg", 1000, 108_000)]),
    ("Nước mắm cá cơm", "Nước mắm", [("Chai 500 ml", 650, 65_000), ("Chai 1 lít", 1250, 120_000)]),
    ("Nước mắm nhĩ", "Nước mắm", [("Chai 250 ml", 380, 50_000), ("Chai 500 ml", 700, 95_000)]),
    ("Rong sụn khô", "Rong biển", [("Túi 200 g", 200, 40_000), ("Túi 500 g", 500, 90_000)]),
    ("Mứt rong sụn", "Rong biển", [("Hộp 200 g", 250, 40_000)]),
    ("Thịt dê sấy", "Thịt dê, cừu", [("Túi 200 g", 200, 180_000), ("Túi 500 g", 500, 430_000)]),
    ("Thịt cừu sấy", "Thịt dê, cừu", [("Túi 200 g", 200, 190_000)]),
    (
        "Đậu phộng rang muối",
        "Hạt và ngũ cốc",
        [("Túi 250 g", 250, 35_000), ("Túi 500 g", 500, 65_000)],
    ),
    ("Ngũ cốc dinh dưỡng", "Hạt và ngũ cốc", [("Túi 500 g", 500, 90_000)]),
    ("Vang nho đỏ", "Rượu vang", [("Chai 750 ml", 1300, 120_000)]),
    ("Trà măng tây", "Trà", [("Hộp 20 túi lọc", 60, 85_000), ("Hộp 50 túi lọc", 150, 190_000)]),
    ("Mật nho", "Siro", [("Chai 500 ml", 700, 75_000)]),
    ("Nước nha đam", "Nước giải khát", [("Chai 350 ml", 380, 15_000)]),
    ("Nha đam đường phèn", "Nha đam", [("Hũ 500 g", 600, 45_000), ("Hũ 1 kg", 1150, 85_000)]),
    ("Nghệ viên mật ong", "Nghệ", [("Hũ 200 g", 350, 120_000), ("Hũ 500 g", 750, 280_000)]),
    ("Mủ trôm khô", "Mủ trôm", [("Túi 200 g", 200, 60_000), ("Túi 500 g", 500, 140_000)]),
]
PLACES = ["Ninh Thuận", "Phan Rang", "Ninh Hải", "Ninh Phước", "Thuận Nam", "Cà Ná", "Ninh Sơn"]
CERTIFIED_SHARE = 0.12
GENERATED_BATCH = 2000


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="30,10000",
        type=lambda text: sorted({int(part) for part in text.split(",") if part.strip()}),
        help="catalog sizes in products, comma-separated (default 30,10000)",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per size")
    harness.add_server_url_argument(parser)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a size misses the targets"
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or not args.sizes or args.sizes[0] < 1:
        parser.error("--requests and --sizes must be positive")
    return args


# ---------------------------------------------------------------- catalog


def write_placeholder_images(media_root: Path, sizes: tuple[int, ...]) -> dict[int | None, str]:
    """One plain picture and its thumbnails, shared by every generated product."""
    from PIL import Image

    names: dict[int | None, str] = {None: "products/bench-placeholder.jpg"}
    for size in sizes:
        names[size] = f"products/thumbnails/bench-placeholder-{size}.webp"
    (media_root / "products" / "thumbnails").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (800, 800), (122, 156, 89)).save(media_root / names[None], "JPEG")
    for size in sizes:
        Image.new("RGB", (size, size), (122, 156, 89)).save(media_root / names[size], "WEBP")
    return names


def generated_name(rng: random.Random, kind: str) -> str:
    words = [kind, rng.choice(PLACES), rng.choice(QUALIFIERS)]
    return " ".join(word for word in words if word)


def add_generated_products(count: int, start: int, media_root: Path, rng: random.Random) -> None:
    """Insert ``count`` products across the demo sellers and categories, in bulk."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from catalog import models
    from market.core.slugs import slugify_name
    from market.sellers.models import Seller

    sellers = list(Seller.objects.order_by("pk"))
    categories = {category.name: category for category in models.Category.objects.all()}
    thumbnail_sizes = tuple(sorted(settings.PRODUCT_THUMBNAIL_SIZES))
    files = write_placeholder_images(media_root, thumbnail_sizes)
    now = timezone.now()
    today = timezone.localdate()

    for offset in range(0, count, GENERATED_BATCH):
        numbers = range(start + offset, start + min(offset + GENERATED_BATCH, count))
        plans = []
        for number in numbers:
            kind, category_name, packs = rng.choice(PRODUCT_KINDS)
            name = generated_name(rng, kind)
            plans.append((number, name, categories[category_name], packs))
        with transaction.atomic():
            products = models.Product.objects.bulk_create(
                models.Product(
                    seller=rng.choice(sellers),
                    category=category,
                    name=name,
                    slug=f"{slugify_name(name)}-{number}",
                    description=f"{name}: sản phẩm sinh tự động cho phép đo hiệu năng (demo).",
                    attributes={"origin": "Ninh Thuận", "demo": True},
                    is_published=True,
                    published_at=now - datetime.timedelta(minutes=number),
                )
                for number, name, category, _ in plans
            )
            variants = []
            for product, (number, _, _, packs) in zip(products, plans, strict=True):
                chosen = packs[: rng.randint(1, 2)]
                variants += priced_variants(rng, product, f"BENCH-{number:06d}", chosen)
            variants = models.ProductVariant.objects.bulk_create(variants)
            models.Stock.objects.bulk_create(
                models.Stock(variant=variant, quantity=rng.choice([0, *range(5, 300, 7)]))
                for variant in variants
            )
            certificates = []
            for product, (number, _, category, _) in zip(products, plans, strict=True):
                if rng.random() >= CERTIFIED_SHARE:
                    continue
                stars = rng.choice([3, 3, 3, 4])
                issued_on = today - datetime.timedelta(days=rng.randint(30, 700))
                certificates.append(
                    verified_certificate(product, category, stars, issued_on, f"BENCH-{number:06d}")
                )
            models.OcopCertificate.objects.bulk_create(certificates)
            # Width and height given, so Django does not open the file for each row.
            images = models.ProductImage.objects.bulk_create(
                models.ProductImage(
                    product=product, image=files[None], width=800, height=800, alt=product.name
                )
                for product in products
            )
            models.ProductImageThumbnail.objects.bulk_create(
                models.ProductImageThumbnail(image=image, size=size, file=files[size])
                for image in images
                for size in thumbnail_sizes
            )


def fill_catalog(size: int, media_root: Path, rng: random.Random) -> None:
    from django.db import connection

    from catalog.models import Product
    from market.demo.loader import load_demo

    # scripts/services.sh runs PostgreSQL with synchronous_commit=off, and
    # VACUUM cannot mark a page all-visible while an asynchronous commit of its
    # rows is not yet flushed: load with synchronous commits, as production runs.
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO on")
    if not Product.objects.exists():
        load_demo()
    present = Product.objects.count()
    if present > size:
        raise harness.BenchError(f"size {size} is below the {present} products already loaded")
    if present < size:
        add_generated_products(size - present, present, media_root, rng)
    # What autovacuum gives a database in service: planner statistics, and the
    # visibility map. Without it a fresh bulk load leaves every row's visibility
    # to be checked in the heap (a count cannot read an index alone) until
    # autovacuum happens to run, maybe in the middle of the timed requests.
    # Only the project's tables: the shared catalogues are the superuser's.
    tables = ", ".join(
        connection.ops.quote_name(name) for name in connection.introspection.table_names()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


# ---------------------------------------------------------------- measuring


def count_queries(size: int) -> int:
    """SQL queries of one listing request, counted in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    check_answer(
        client.post("/graphql/", {"query": QUERY}, content_type="application/json").json(), size
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/graphql/", {"query": QUERY}, content_type="application/json")
    check_answer(response.json(), size)
    return len(queries.captured_queries)


def check_answer(body: dict, size: int) -> None:
    if body.get("errors"):
        raise harness.BenchError(
            f"the listing query failed: {json.dumps(body['errors'], ensure_ascii=False)}"
        )
    products = body["data"]["products"]
    if products["totalCount"] != size or len(products["edges"]) != min(20, size):
        raise harness.BenchError(
            f"expected {size} products, the API answered {products['totalCount']}"
        )


def time_requests(port: int, requests: int) -> list[float]:
    body = json.dumps({"query": QUERY}).encode()
    for _ in range(WARM_UP_REQUESTS):
        harness.post_graphql(port, body)
    return [harness.post_graphql(port, body)[0] for _ in range(requests)]


def summarise(size: int, timings: list[float], queries: int) -> dict:
    cuts = (
        statistics.quantiles(timings, n=100, method="inclusive")
        if len(timings) > 1
        else timings * 99
    )
    return {
        "size": size,
        "requests": len(timings),
        "median_ms": round(statistics.median(timings), 2),
        "p90_ms": round(cuts[89], 2),
        "p99_ms": round(cuts[98], 2),
        "sql_queries_per_request": queries,
    }


def meets_targets(result: dict) -> bool:
    return (
        result["median_ms"] < TARGET_MEDIAN_MS
        and result["sql_queries_per_request"] <= TARGET_QUERIES
    )


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace) -> list[dict]:
    results = []
    with (
        harness.throwaway_app(args.server_url, BENCH_DATABASE, "ocop-bench-") as (env, work_dir),
        contextlib.ExitStack() as server,
    ):
        from django.db import connections

        media_root = work_dir / "media"
        port = None
        rng = random.Random(SEED)
        for size in args.sizes:
            fill_catalog(size, media_root, rng)
            queries = count_queries(size)
            connections.close_all()
            if port is None:
                port = server.enter_context(harness.served(env, work_dir / "gunicorn.log"))
            result = summarise(size, time_requests(port, args.requests), queries)
            print(json.dumps(result), flush=True)
            results.append(result)
    return results


def main(argv=None) -> int:
    args = parse_args(argv)
    results = harness.run_reporting_failure(lambda: run(args))
    if results is None:
        return 1
    harness.write_results(
        RESULTS,
        json.dumps(
            {
                "query": " ".join(QUERY.split()),
                "targets": {
                    "median_ms_below": TARGET_MEDIAN_MS,
                    "sql_queries_at_most": TARGET_QUERIES,
                },
                "results": results,
            },
            indent=2,
        ),
    )
    missed = [result["size"] for result in results if not meets_targets(result)]
    if missed:
        print(
            f"targets (median < {TARGET_MEDIAN_MS:g} ms, ≤ {TARGET_QUERIES} queries) "
            f"missed at size {', '.join(map(str, missed))}",
            file=sys.stderr,
        )
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
