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
import datetime
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    BenchError,
    database_url,
    drop_database,
    exit_on_signal,
    free_port,
    migrate,
    post_graphql,
    recreate_database,
    start_server,
    stop_server,
    wait_until_healthy,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "search.json"

DEFAULT_SERVER_URL = "postgres://market:market@127.0.0.1:5433/postgres"
DEFAULT_ELASTICSEARCH_URL = "http://127.0.0.1:9200"
BENCH_DATABASE = "market_bench_search"
SEED = 20250815
GENERATED_BATCH = 5000
WARM_UP_SEARCHES = 50
SUGGEST_PREFIXES = 200
PAGE_SIZE = 20

TARGET_REBUILD_SECONDS = 60.0
TARGET_BACKEND_P95_MS = 30.0

GRAPHQL_QUERY = """
query BenchSearch($query: String!, $filter: SearchFilterInput, $sortBy: SearchSortEnum) {
  search(query: $query, filter: $filter, sortBy: $sortBy, first: 20) {
    totalCount
    edges { highlightedName node { name slug } }
    facets {
      categories { category { name } count }
      sellers { seller { name } count }
      sellerKinds { kind count }
      ocopStars { stars count }
      priceRanges { range count }
      inStock { inStock count }
    }
  }
}
"""


@dataclass(frozen=True)
class Kind:
    """A product type of the province, as a shop would name it."""

    name: str
    english: str
    category: str
    packs: tuple[tuple[str, int, int], ...]  # (pack, grams, price in whole VND)


KINDS = [
    Kind(
        "Nho sấy",
        "Dried grapes",
        "Trái cây sấy",
        (("Túi 250 g", 250, 52_000), ("Túi 500 g", 500, 98_000), ("Hộp 1 kg", 1000, 185_000)),
    ),
    Kind(
        "Nho sấy dẻo",
        "Soft dried grapes",
        "Trái cây sấy",
        (("Túi 200 g", 200, 48_000), ("Túi 500 g", 500, 110_000), ("Hộp quà 800 g", 850, 190_000)),
    ),
    Kind(
        "Nho xanh",
        "Green grapes",
        "Trái cây tươi",
        (("Hộp 1 kg", 1000, 70_000), ("Thùng 3 kg", 3000, 200_000), ("Thùng 5 kg", 5000, 320_000)),
    ),
    Kind(
        "Nho đỏ Cardinal",
        "Cardinal red grapes",
        "Trái cây tươi",
        (("Hộp 1 kg", 1000, 60_000), ("Thùng 3 kg", 3000, 170_000), ("Thùng 5 kg", 5000, 270_000)),
    ),
    Kind(
        "Táo xanh",
        "Green apples",
        "Trái cây tươi",
        (("Túi 1 kg", 1000, 35_000), ("Thùng 3 kg", 3000, 95_000), ("Thùng 10 kg", 10000, 300_000)),
    ),
    Kind(
        "Táo sấy dẻo",
        "Soft dried apples",
        "Trái cây sấy",
        (("Túi 200 g", 200, 45_000), ("Túi 500 g", 500, 100_000), ("Hộp 1 kg", 1000, 190_000)),
    ),
    Kind(
        "Xoài sấy",
        "Dried mango",
        "Trái cây sấy",
        (("Túi 200 g", 200, 55_000), ("Túi 500 g", 500, 125_000), ("Hộp 1 kg", 1000, 240_000)),
    ),
    Kind(
        "Măng tây xanh",
        "Green asparagus",
        "Rau củ",
        (("Bó 500 g", 500, 60_000), ("Bó 1 kg", 1000, 110_000), ("Thùng 3 kg", 3000, 310_000)),
    ),
    Kind(
        "Hành tím",
        "Purple shallots",
        "Gia vị",
        (("Túi 500 g", 500, 33_000), ("Túi 1 kg", 1000, 62_000), ("Bao 5 kg", 5000, 290_000)),
    ),
    Kind(
        "Tỏi",
        "Garlic",
        "Gia vị",
        (("Túi 500 g", 500, 58_000), ("Túi 1 kg", 1000, 108_000), ("Bao 5 kg", 5000, 500_000)),
    ),
    Kind(
        "Tỏi cô đơn",
        "Single-clove garlic",
        "Gia vị",
        (("Hũ 200 g", 250, 90_000), ("Túi 500 g", 500, 210_000), ("Túi 1 kg", 1000, 400_000)),
    ),
    Kind(
        "Muối tôm",
        "Shrimp salt",
        "Gia vị",
        (("Hũ 100 g", 130, 25_000), ("Hũ 200 g", 240, 45_000), ("Hũ 500 g", 560, 100_000)),
    ),
    Kind(
        "Nước mắm cá cơm",
        "Anchovy fish sauce",
        "Nước mắm",
        (("Chai 500 ml", 650, 65_000), ("Chai 1 lít", 1250, 120_000), ("Can 5 lít", 5600, 520_000)),
    ),
    Kind(
        "Nước mắm nhĩ",
        "First-press fish sauce",
        "Nước mắm",
        (("Chai 250 ml", 380, 50_000), ("Chai 500 ml", 700, 95_000), ("Chai 1 lít", 1300, 180_000)),
    ),
    Kind(
        "Rong sụn khô",
        "Dried sea moss",
        "Rong biển",
        (("Túi 200 g", 200, 40_000), ("Túi 500 g", 500, 90_000), ("Túi 1 kg", 1000, 170_000)),
    ),
    Kind(
        "Mứt rong sụn",
        "Sea moss jam",
        "Rong biển",
        (("Hộp 200 g", 250, 40_000), ("Hộp 500 g", 560, 90_000), ("Hộp quà 1 kg", 1100, 170_000)),
    ),
    Kind(
        "Thịt dê sấy",
        "Dried goat meat",
        "Thịt dê, cừu",
        (("Túi 200 g", 200, 180_000), ("Túi 500 g", 500, 430_000), ("Hộp 1 kg", 1050, 820_000)),
    ),
    Kind(
        "Thịt cừu sấy",
        "Dried lamb",
        "Thịt dê, cừu",
        (("Túi 200 g", 200, 190_000), ("Túi 500 g", 500, 450_000), ("Hộp 1 kg", 1050, 860_000)),
    ),
    Kind(
        "Đậu phộng rang muối",
        "Salted roasted peanuts",
        "Hạt và ngũ cốc",
        (("Túi 250 g", 250, 35_000), ("Túi 500 g", 500, 65_000), ("Hũ 1 kg", 1100, 120_000)),
    ),
    Kind(
        "Ngũ cốc dinh dưỡng",
        "Nutritious cereal",
        "Hạt và ngũ cốc",
        (("Túi 500 g", 500, 90_000), ("Hộp 800 g", 850, 140_000), ("Túi 1 kg", 1000, 170_000)),
    ),
    Kind(
        "Vang nho đỏ",
        "Red grape wine",
        "Rượu vang",
        (
            ("Chai 375 ml", 700, 70_000),
            ("Chai 750 ml", 1300, 120_000),
            ("Hộp 2 chai", 2700, 250_000),
        ),
    ),
    Kind(
        "Vang nho trắng",
        "White grape wine",
        "Rượu vang",
        (
            ("Chai 375 ml", 700, 75_000),
            ("Chai 750 ml", 1300, 130_000),
            ("Hộp 2 chai", 2700, 270_000),
        ),
    ),
    Kind(
        "Trà măng tây",
        "Asparagus tea",
        "Trà",
        (
            ("Hộp 20 túi lọc", 60, 85_000),
            ("Hộp 50 túi lọc", 150, 190_000),
            ("Túi 500 g", 500, 450_000),
        ),
    ),
    Kind(
        "Mật nho",
        "Grape syrup",
        "Siro",
        (("Chai 250 ml", 350, 40_000), ("Chai 500 ml", 700, 75_000), ("Chai 1 lít", 1350, 140_000)),
    ),
    Kind(
        "Nước nha đam",
        "Aloe vera drink",
        "Nước giải khát",
        (
            ("Chai 350 ml", 380, 15_000),
            ("Lốc 6 chai", 2300, 85_000),
            ("Thùng 24 chai", 9200, 320_000),
        ),
    ),
    Kind(
        "Nha đam đường phèn",
        "Aloe vera in rock sugar",
        "Nha đam",
        (("Hũ 500 g", 600, 45_000), ("Hũ 1 kg", 1150, 85_000), ("Thùng 6 hũ", 3700, 250_000)),
    ),
    Kind(
        "Nghệ viên mật ong",
        "Turmeric honey pills",
        "Nghệ",
        (("Hũ 200 g", 350, 120_000), ("Hũ 500 g", 750, 280_000), ("Hộp quà 2 hũ", 1600, 560_000)),
    ),
    Kind(
        "Tinh bột nghệ",
        "Turmeric starch",
        "Nghệ",
        (("Hũ 100 g", 150, 95_000), ("Hũ 250 g", 320, 220_000), ("Hũ 500 g", 620, 420_000)),
    ),
    Kind(
        "Mủ trôm khô",
        "Dried sterculia gum",
        "Mủ trôm",
        (("Túi 200 g", 200, 60_000), ("Túi 500 g", 500, 140_000), ("Túi 1 kg", 1000, 270_000)),
    ),
]
PLACES = [
    "Phan Rang",
    "Ninh Hải",
    "Cà Ná",
    "Thuận Nam",
    "Thuận Bắc",
    "Ninh Phước",
    "Bác Ái",
    "Ninh Sơn",
    "Ninh Thuận",
    "Vĩnh Hy",
]
QUALIFIERS = [
    "",
    "",
    "loại 1",
    "đặc biệt",
    "truyền thống",
    "nhà làm",
    "quà biếu",
    "chọn lọc",
    "mùa mới",
    "hữu cơ",
    "thượng hạng",
    "đặc sản",
]
CLAIMS = [
    "Phơi dưới nắng gió Ninh Thuận.",
    "Không chất bảo quản, không phẩm màu.",
    "Đạt chuẩn VietGAP.",
    "Đóng gói hút chân không, giữ được hương vị lâu.",
    "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp.",
    "Thích hợp làm quà biếu dịp lễ Tết.",
    "Thu hoạch và sơ chế trong ngày.",
    "Sản xuất theo công thức gia truyền của hợp tác xã.",
    "Có tem truy xuất nguồn gốc trên bao bì.",
    "Hạn sử dụng 12 tháng kể từ ngày sản xuất.",
]
# Share of generated products, variants and certificates with these properties.
PACK_IN_NAME_SHARE = 0.35
OUT_OF_STOCK_SHARE = 0.12
CERTIFIED_SHARE = 0.15
STAR_WEIGHTS = {3: 6, 4: 3, 5: 1}
PRODUCT_GROUPS = {"Đồ uống": "beverages", "Dược liệu": "herbs"}

# Words of seller names buyers type, and English words the index also holds.
SELLER_QUERIES = [
    "evergreen",
    "lê nhân",
    "chi ninh",
    "thanh hải",
    "triệu tín",
    "linh đan",
    "cánh đồng việt",
    "công trường",
    "quang minh",
    "thái thuận",
]
ENGLISH_QUERIES = [
    "dried grapes",
    "fish sauce",
    "garlic",
    "asparagus tea",
    "red wine",
    "aloe vera",
    "dried goat meat",
    "shallots",
    "sea moss",
    "green apples",
]
# (group, weight) of the search mix.
SEARCH_GROUPS = [
    ("single_word", 15),
    ("phrase", 20),
    ("no_diacritics", 20),
    ("with_place", 15),
    ("typo", 15),
    ("seller", 8),
    ("english", 7),
]
SORT_WEIGHTS = {"relevance": 70, "price_asc": 10, "price_desc": 10, "newest": 10}
UNFILTERED_SHARE = 0.4


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--products", type=int, default=100_000, help="catalog size, demo products included"
    )
    parser.add_argument("--searches", type=int, default=1000, help="timed searches per path")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_SERVER_URL),
        help="PostgreSQL to create the benchmark database on (env BENCH_POSTGRES_URL)",
    )
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


def app_environment(url: str, elasticsearch_url: str, prefix: str) -> dict[str, str]:
    """The environment of both the app server and this process."""
    env = dict(os.environ)
    # No Redis: Celery delivers the search outbox eagerly, as a deployment without a broker does.
    for name in ("REDIS_URL", "STRIPE_API_BASE", "STRIPE_SECRET_KEY"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=url,
        ELASTICSEARCH_URL=elasticsearch_url,
        SEARCH_INDEX_PREFIX=prefix,
        DEBUG="false",
        # DEBUG=false refuses the public development key (market.env.env_secret_key).
        SECRET_KEY=secrets.token_urlsafe(50),
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="market.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env


def check_elasticsearch(elasticsearch_url: str) -> None:
    from elasticsearch import Elasticsearch

    client = Elasticsearch(elasticsearch_url, request_timeout=10)
    try:
        client.cluster.health()
    except Exception as error:
        raise BenchError(
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


# ---------------------------------------------------------------- catalog


def product_name(rng: random.Random, kind: Kind, place: str, pack: str) -> str:
    name = " ".join(word for word in (kind.name, place, rng.choice(QUALIFIERS)) if word)
    if rng.random() < PACK_IN_NAME_SHARE:
        name = f"{name} – {pack[0].lower()}{pack[1:]}"
    return name


def product_description(rng: random.Random, kind: Kind, name: str) -> str:
    claims = " ".join(rng.sample(CLAIMS, 2))
    return f"{name}: {kind.name.lower()} của Ninh Thuận. {claims}"


def add_generated_products(count: int, start: int, rng: random.Random) -> dict[str, int]:
    """Insert ``count`` products across the demo sellers and categories, in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import (
        Category,
        OcopCertificate,
        Product,
        ProductTranslation,
        ProductVariant,
        Stock,
    )
    from market.demo.loader import demo_slug
    from market.sellers.models import Seller

    sellers = list(Seller.objects.order_by("pk"))
    categories = {category.name: category for category in Category.objects.select_related("parent")}
    now = timezone.now()
    today = timezone.localdate()
    stars_choices, stars_weights = zip(*STAR_WEIGHTS.items(), strict=True)
    counts = {"variants": 0, "certificates": 0}

    for offset in range(0, count, GENERATED_BATCH):
        numbers = range(start + offset, start + min(offset + GENERATED_BATCH, count))
        plans = []
        for number in numbers:
            kind = rng.choice(KINDS)
            packs = kind.packs[: rng.randint(1, 3)]
            place = rng.choice(PLACES)
            name = product_name(rng, kind, place, rng.choice(packs)[0])
            plans.append((number, kind, place, name, packs))
        with transaction.atomic():
            products = Product.objects.bulk_create(
                Product(
                    seller=rng.choice(sellers),
                    category=categories[kind.category],
                    name=name,
                    slug=f"{demo_slug(name)}-{number}",
                    description=product_description(rng, kind, name),
                    attributes={"origin": "Ninh Thuận", "demo": True},
                    is_published=True,
                    # Spread over two years, so that "newest" has something to order.
                    published_at=now - datetime.timedelta(minutes=rng.randint(0, 1_051_200)),
                )
                for number, kind, _, name, _ in plans
            )
            ProductTranslation.objects.bulk_create(
                ProductTranslation(
                    product=product,
                    language_code="en",
                    name=f"{kind.english} from {place}",
                    description=f"{kind.english} of Ninh Thuận.",
                )
                for product, (_, kind, place, _, _) in zip(products, plans, strict=True)
            )
            variants = []
            for product, (number, _, _, _, packs) in zip(products, plans, strict=True):
                for position, (pack, grams, price) in enumerate(packs):
                    # ±15 %, rounded to 1,000 đồng as shops price.
                    jittered = int(round(price * rng.uniform(0.85, 1.15), -3))
                    variants.append(
                        ProductVariant(
                            product=product,
                            sku=f"BENCH-S-{number:06d}-{position}",
                            name=pack,
                            weight_grams=grams,
                            price=jittered,
                            sort_order=position,
                        )
                    )
            variants = ProductVariant.objects.bulk_create(variants)
            stocks = []
            for variant in variants:
                quantity = 0 if rng.random() < OUT_OF_STOCK_SHARE else rng.randint(5, 400)
                allocated = rng.randint(0, min(quantity, 5)) if quantity else 0
                stocks.append(
                    Stock(variant=variant, quantity=quantity, quantity_allocated=allocated)
                )
            Stock.objects.bulk_create(stocks)
            certificates = []
            for product, (number, kind, _, _, _) in zip(products, plans, strict=True):
                if rng.random() >= CERTIFIED_SHARE:
                    continue
                stars = rng.choices(stars_choices, stars_weights)[0]
                issued_on = today - datetime.timedelta(days=rng.randint(30, 900))
                category = categories[kind.category]
                top = category.parent.name if category.parent else category.name
                certificates.append(
                    OcopCertificate(
                        product=product,
                        stars=stars,
                        certificate_number=f"DEMO-BENCH-S-{number:06d}",
                        issuing_decision="DEMO – quyết định minh họa cho phép đo hiệu năng",
                        level=OcopCertificate.level_for(stars),
                        product_group=PRODUCT_GROUPS.get(top, "food"),
                        issued_on=issued_on,
                        expires_on=OcopCertificate.default_expiry(issued_on),
                        status=OcopCertificate.Status.VERIFIED,
                    )
                )
            OcopCertificate.objects.bulk_create(certificates)
        counts["variants"] += len(variants)
        counts["certificates"] += len(certificates)
    return counts


def fill_catalog(size: int, rng: random.Random) -> dict[str, int]:
    from django.db import connection

    from catalog.models import Product
    from market.demo.loader import load_demo

    # The demo's own products go through the outbox into a first index, as on
    # a live site: the timed rebuild then replaces an index, it does not create one.
    load_demo()
    present = Product.objects.count()
    if present > size:
        raise BenchError(f"--products {size} is below the {present} demo products")
    counts = add_generated_products(size - present, present, rng)
    # Fresh planner statistics, as autovacuum would give a database in service.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"products": Product.objects.count(), **counts}


# ---------------------------------------------------------------- rebuild


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


# ---------------------------------------------------------------- the search mix


@dataclass(frozen=True)
class SearchCase:
    group: str
    query: str
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"


def make_typo(rng: random.Random, text: str) -> str:
    """One edit (swap, drop, double or replace a letter) in a word of 4+ letters."""
    words = text.split()
    candidates = [index for index, word in enumerate(words) if len(word) >= 4]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randint(1, len(word) - 2)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    elif edit == "drop":
        word = word[:at] + word[at + 1 :]
    elif edit == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice("aeiouhnmt") + word[at + 1 :]
    words[index] = word
    return " ".join(words)


def query_for(rng: random.Random, group: str) -> str:
    from market.core.folding import fold

    kind = rng.choice(KINDS).name.lower()
    if group == "single_word":
        return rng.choice([word for word in kind.split() if len(word) > 2] or [kind])
    if group == "phrase":
        return kind
    if group == "no_diacritics":
        text = kind if rng.random() < 0.6 else f"{kind} {rng.choice(PLACES).lower()}"
        return fold(text)
    if group == "with_place":
        return f"{kind} {rng.choice(PLACES).lower()}"
    if group == "typo":
        text = kind if rng.random() < 0.5 else fold(kind)
        return make_typo(rng, text)
    if group == "seller":
        seller = rng.choice(SELLER_QUERIES)
        return seller if rng.random() < 0.5 else f"{kind.split()[0]} {seller}"
    return rng.choice(ENGLISH_QUERIES)


def filters_for(rng: random.Random, ids: dict) -> dict:
    """Nothing, or one to three of the filters a storefront's sidebar offers."""
    if rng.random() < UNFILTERED_SHARE:
        return {}
    chosen = rng.sample(
        ["category", "seller_kind", "ocop_stars", "price", "in_stock"], rng.randint(1, 3)
    )
    filters: dict = {}
    if "category" in chosen:
        pool = ids["top_categories"] if rng.random() < 0.3 else ids["leaf_categories"]
        filters["category_ids"] = rng.sample(pool, rng.randint(1, 2))
    if "seller_kind" in chosen:
        filters["seller_kinds"] = rng.sample(
            ["cooperative", "enterprise", "household", "establishment"], rng.randint(1, 2)
        )
    if "ocop_stars" in chosen:
        filters["ocop_stars"] = rng.choice([[3], [4], [5], [3, 4], [4, 5], [3, 4, 5]])
    if "price" in chosen:
        filters["price_ranges"] = rng.sample(
            ["under_50k", "50k_100k", "100k_200k", "200k_500k", "over_500k"], rng.randint(1, 2)
        )
    if "in_stock" in chosen:
        filters["in_stock"] = True
    return filters


def search_mix(count: int, ids: dict, seed: int) -> list[SearchCase]:
    rng = random.Random(seed)
    groups, group_weights = zip(*SEARCH_GROUPS, strict=True)
    sorts, sort_weights = zip(*SORT_WEIGHTS.items(), strict=True)
    cases = []
    for _ in range(count):
        group = rng.choices(groups, group_weights)[0]
        cases.append(
            SearchCase(
                group=group,
                query=query_for(rng, group),
                filters=filters_for(rng, ids),
                sort=rng.choices(sorts, sort_weights)[0],
            )
        )
    return cases


def suggest_prefixes(count: int, seed: int) -> list[str]:
    """What a buyer has typed so far: the start of a name, or of a later word, cut mid-word."""
    from market.core.folding import fold

    rng = random.Random(seed)
    prefixes = []
    for _ in range(count):
        words = f"{rng.choice(KINDS).name} {rng.choice(PLACES)}".lower().split()
        text = " ".join(words[rng.randrange(min(2, len(words))) :])
        if rng.random() < 0.4:
            text = fold(text)
        prefixes.append(text[: rng.randint(2, min(len(text), 14))].rstrip())
    return prefixes


def filter_ids() -> dict:
    from catalog.models import Category

    rows = list(Category.objects.values_list("pk", "parent_id"))
    parents = {parent for _, parent in rows if parent}
    return {
        "top_categories": sorted(pk for pk, parent in rows if parent is None),
        "leaf_categories": sorted(pk for pk, _ in rows if pk not in parents),
    }


# ---------------------------------------------------------------- measuring


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


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace, cleanup: Cleanup) -> dict:
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    # The figures depend on what else the machine runs: recorded with them.
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    url = database_url(args.server_url, BENCH_DATABASE)
    env = app_environment(url, args.elasticsearch_url, prefix)
    work_dir = Path(tempfile.mkdtemp(prefix="ocop-bench-search-"))
    cleanup.add("work directory", lambda: shutil.rmtree(work_dir, ignore_errors=True))

    check_elasticsearch(args.elasticsearch_url)
    recreate_database(args.server_url, BENCH_DATABASE)
    cleanup.add("database", lambda: drop_database(args.server_url, BENCH_DATABASE))
    # Registered before anything is indexed: the demo loader's delivery creates the first index.
    cleanup.add("indices", lambda: delete_indices(args.elasticsearch_url, prefix))
    migrate(env)
    os.environ.update(env)
    import django

    django.setup()

    rng = random.Random(SEED)
    started = time.perf_counter()
    counts = fill_catalog(args.products, rng)
    load_seconds = time.perf_counter() - started
    print(f"catalog loaded: {counts} in {load_seconds:.1f} s", file=sys.stderr, flush=True)

    rebuild = timed_rebuild()
    report = rebuild["report"]
    if report.indexed != counts["products"]:
        raise BenchError(f"indexed {report.indexed} of {counts['products']} products")
    print(f"rebuild: {rebuild['seconds']:.1f} s", file=sys.stderr, flush=True)

    ids = filter_ids()
    cases = search_mix(args.searches, ids, SEED + 1)
    backend = time_backend(cases)
    print(f"backend: {backend['summary']}", file=sys.stderr, flush=True)
    suggest = time_suggest(suggest_prefixes(SUGGEST_PREFIXES, SEED + 2))

    from django.db import connections

    connections.close_all()
    port = free_port()
    log_path = work_dir / "gunicorn.log"
    server = start_server(env, port, log_path)
    cleanup.add("gunicorn", lambda: stop_server(server))
    wait_until_healthy(server, port, log_path)
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
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, exit_on_signal)
    try:
        result = run(args, cleanup)
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        cleanup.run()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    missed = [name for name, met in result["targets_met"].items() if not met]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
