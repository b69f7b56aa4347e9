"""The search benchmark's catalog: generated products of the province, in bulk.

Names built from the province's products, places and qualifiers ("Nước mắm nhĩ
Cà Ná truyền thống"), a Vietnamese description, an English name, one to three variants,
stock, and a verified ``DEMO-`` certificate on some, after the demo catalog.
"""

import csv
import datetime
import random
from dataclasses import dataclass
from pathlib import Path

from generated import QUALIFIERS as COMMON_QUALIFIERS
from generated import priced_variants, verified_certificate
from harness import BenchError

GENERATED_BATCH = 5000
# The product types: a spreadsheet's table, one row a pack.
KINDS_FILE = Path(__file__).with_name("search_kinds.csv")


@dataclass(frozen=True)
class Kind:
    """A product type of the province, as a shop would name it."""

    name: str
    english: str
    category: str
    packs: tuple[tuple[str, int, int], ...]  # (pack, grams, price in whole VND)


def read_kinds(path: Path = KINDS_FILE) -> list[Kind]:
    """The kinds of ``path``: a row a pack, in the table's order (a product offers a kind's
    first one to three packs)."""
    packs: dict[tuple[str, str, str], list[tuple[str, int, int]]] = {}
    with path.open(encoding="utf-8", newline="") as table:
        for row in csv.DictReader(table):
            kind = (row["kind"], row["english"], row["category"])
            packs.setdefault(kind, []).append(
                (row["pack"], int(row["grams"]), int(row["price_vnd"]))
            )
    return [Kind(*kind, tuple(kind_packs)) for kind, kind_packs in packs.items()]


KINDS = read_kinds()
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
# "" twice: more names without a qualifier than the listing catalog has.
QUALIFIERS = ["", *COMMON_QUALIFIERS, "hữu cơ", "thượng hạng", "đặc sản"]
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
    from market.core.slugs import slugify_name
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
                    slug=f"{slugify_name(name)}-{number}",
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
                variants += priced_variants(rng, product, f"BENCH-S-{number:06d}", packs)
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
                certificates.append(
                    verified_certificate(
                        product,
                        categories[kind.category],
                        stars,
                        issued_on,
                        f"BENCH-S-{number:06d}",
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
