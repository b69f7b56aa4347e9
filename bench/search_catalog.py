"""The search benchmark's catalog: generated products of the province, in bulk.

Names built from the province's products, places and qualifiers ("Nước mắm nhĩ
Cà Ná truyền thống"), a Vietnamese description, an English name, one to three variants,
stock, and a verified ``DEMO-`` certificate on some, after the demo catalog.
"""

import datetime
import random
from dataclasses import dataclass

from generated import QUALIFIERS as COMMON_QUALIFIERS
from generated import priced_variants, verified_certificate
from harness import BenchError

GENERATED_BATCH = 5000


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
