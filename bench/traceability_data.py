"""The traceability benchmark's data: sellers, areas, products, lots and their event chains.

Everything is inserted in bulk (``bulk_create``; the events with PostgreSQL's ``COPY``:
the table is append-only, and INSERT is all it takes), but the chains are real: each
event is the dict the services would record (``traceability_chains``), hashed into its
lot's chain, so ``lot_verify`` walks and verifies them as it would the service's own.

The cached verified-origin flags (``Lot.origin_verified``, ``Product.origin_verified``)
are set from the same rule the services apply; ``check_generated`` compares them with
``traceability.selectors`` afterwards and walks a sample of chains with ``lot_verify``.

Django is imported inside the functions: the script sets the environment first.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from harness import BenchError
from traceability_chains import ChainWriter, write_chain

SELLERS = 20
LOTS_PER_AREA = 50
LOTS_PER_PRODUCT = 20
PACKING_HOUSES_PER_SELLER = 2
# Share of the lots of a product that carry a GTIN (the rest get the project's lot URL).
GTIN_SHARE = 0.85
NOT_HARVESTED_SHARE = 0.10
EXPIRED_SHARE = 0.05
# Of the products depending on the suspended area, the share made from its lots (dried
# grapes) rather than grown on it.
PROCESSED_SHARE = 0.10
SHORT_CHAIN = (5, 15)
LOT_BATCH = 5000
GS1_VIETNAM_PREFIX = "893"

CROPS = [
    ("Nho xanh NH01-48", "Nho xanh", "Trái cây tươi"),
    ("Nho đỏ Cardinal", "Nho đỏ Cardinal", "Trái cây tươi"),
    ("Táo xanh", "Táo xanh", "Trái cây tươi"),
    ("Hành tím", "Hành tím", "Gia vị"),
    ("Tỏi", "Tỏi", "Gia vị"),
    ("Măng tây xanh", "Măng tây xanh", "Rau củ"),
]
PROCESSED = ("Nho sấy", "Trái cây sấy")
WARDS = ["Xã Phước Hậu", "Xã Phước Thuận", "Phường Đô Vinh", "Xã Nhơn Hải", "Xã An Hải"]


@dataclass
class Plan:
    """One lot to generate: what it is, where, and its events' count."""

    kind: str  # "regular", "long", "dependent" or "processed"
    product: object
    area: object | None
    house: object
    events: int
    harvested: bool = True
    expired: bool = False
    inputs: list = field(default_factory=list)  # (source plan, kg) of a processed lot
    lot: object = None
    harvested_at: object = None  # set by ``write_chain``; a made lot's sources need it


def gtin_for(number: int) -> str:
    """A GTIN-14 under GS1 Vietnam's prefix, its check digit from python-stdnum."""
    from stdnum import ean

    stem = f"0{GS1_VIETNAM_PREFIX}{number:09d}"
    return stem + ean.calc_check_digit(stem)


def event_counts(lots: int, events: int, fixed: list[int], rng: random.Random) -> list[int]:
    """Events per regular lot: 5 to 15 around the mean the totals leave, summing to it."""
    budget = events - sum(fixed)
    low, high = SHORT_CHAIN
    if lots <= 0:
        return []
    if not low * lots <= budget <= high * lots:
        raise BenchError(
            f"{events} events do not fit {lots} lots of {low} to {high} events beside "
            f"the {len(fixed)} fixed chains"
        )
    counts = [rng.randint(low, high) for _ in range(lots)]
    difference = budget - sum(counts)
    while difference:
        index = rng.randrange(lots)
        step = 1 if difference > 0 else -1
        if low <= counts[index] + step <= high:
            counts[index] += step
            difference -= step
    return counts


# ---------------------------------------------------------------- parties, sites, products


def make_parties(rng: random.Random):
    """Sellers, categories, an auditor; the growing areas and packing houses come later."""
    from catalog.models import Category
    from market.accounts.models import User
    from market.sellers.models import Seller

    sellers = Seller.objects.bulk_create(
        Seller(
            name=f"HTX nông nghiệp Ninh Thuận số {number + 1}",
            slug=f"htx-bench-{number + 1}",
            kind=Seller.Kind.COOPERATIVE,
            is_verified=True,
        )
        for number in range(SELLERS)
    )
    names = sorted({category for _, _, category in CROPS} | {PROCESSED[1]})
    categories = {
        category.name: category
        for category in Category.objects.bulk_create(
            Category(name=name, slug=f"bench-{index}") for index, name in enumerate(names)
        )
    }
    auditor = User.objects.create_user(
        email="auditor@bench.invalid", password=None, role=User.Role.AUDITOR
    )
    return sellers, categories, auditor


def make_sites(sellers, areas: int, rng: random.Random):
    """Active growing areas, round the sellers, and each seller's packing houses; plus the
    area the suspension is measured on (the first seller's), used by nothing else."""
    from traceability.models import Site

    def point() -> dict:
        return {
            "latitude": Decimal(f"{rng.uniform(11.45, 11.75):.6f}"),
            "longitude": Decimal(f"{rng.uniform(108.85, 109.05):.6f}"),
        }

    def area(number: int, seller) -> Site:
        letters = chr(ord("A") + number // 10000 // 26) + chr(ord("A") + number // 10000 % 26)
        crop = rng.choice(CROPS)[0]
        return Site(
            seller=seller,
            kind=Site.Kind.GROWING_AREA,
            code=f"VN-{'NT' if number < 10000 else letters}OR-{number % 10000:04d}",
            name=f"Vùng trồng {crop} số {number + 1}",
            crops=[crop],
            area_hectares=Decimal(f"{rng.uniform(0.5, 12):.4f}"),
            ward=rng.choice(WARDS),
            former_district="Huyện Ninh Phước",
            status=Site.Status.ACTIVE,
            **point(),
        )

    rows = [area(number, sellers[number % len(sellers)]) for number in range(areas + 1)]
    houses = [
        Site(
            seller=seller,
            kind=Site.Kind.PACKING_HOUSE,
            code=f"VN-NTPH-{index * PACKING_HOUSES_PER_SELLER + copy:04d}",
            name=f"Cơ sở đóng gói {seller.name} {copy + 1}",
            ward=rng.choice(WARDS),
            status=Site.Status.ACTIVE,
            **point(),
        )
        for index, seller in enumerate(sellers)
        for copy in range(PACKING_HOUSES_PER_SELLER)
    ]
    Site.objects.bulk_create(rows + houses)
    return rows[0], rows[1:], houses


def make_products(sellers, categories, count: int, start: int, rng, *, seller=None, kind=None):
    """Published products (one variant, stock) of random sellers, or of ``seller``."""
    from django.utils import timezone

    from catalog.models import Product, ProductVariant, Stock

    now = timezone.now()
    products = []
    for number in range(start, start + count):
        _crop, name, category = kind or rng.choice(CROPS)
        products.append(
            Product(
                seller=seller or rng.choice(sellers),
                category=categories[category],
                name=f"{name} truy xuất số {number + 1}",
                slug=f"truy-xuat-{number + 1}",
                description="Sản phẩm sinh tự động cho phép đo truy xuất nguồn gốc (demo).",
                is_published=True,
                published_at=now,
            )
        )
    Product.objects.bulk_create(products)
    variants = ProductVariant.objects.bulk_create(
        ProductVariant(
            product=product, sku=f"TRACE-{start + index:07d}", name="Hộp 1 kg", price=60_000
        )
        for index, product in enumerate(products)
    )
    Stock.objects.bulk_create(Stock(variant=variant, quantity=100) for variant in variants)
    for index, (product, variant) in enumerate(zip(products, variants, strict=True)):
        product.bench_variant_id = variant.pk
        product.bench_gtin = gtin_for(start + index + 1) if rng.random() < GTIN_SHARE else ""
    return products


def set_origin_flags(plan: Plan) -> None:
    """The cached rule for a generated lot: every site is active and every chain holds, so
    only the harvest and the best-before date can take the mark away."""
    lot = plan.lot
    problems = []
    if plan.expired:
        problems.append("EXPIRED")
    if not plan.harvested:
        problems.append("NOT_HARVESTED")
    lot.origin_problems = problems
    lot.origin_verified = not problems
    if lot.origin_verified and lot.remaining_kg > 0:
        plan.product.origin_verified = True


def insert_batch(plans: list[Plan], writer: ChainWriter) -> None:
    """The batch's lots (``bulk_create``), what they are sold as, and their events (COPY)."""
    from django.db import connection, transaction

    from traceability.models import Lot, TraceEvent

    columns = [
        "lot_id", "sequence", "event_id", "event_type", "biz_step", "event_time",
        "record_time", "site_id", "quantity_kg", "document", "previous_hash", "hash",
    ]  # fmt: skip
    table = connection.ops.quote_name(TraceEvent._meta.db_table)
    with transaction.atomic():
        Lot.objects.bulk_create([plan.lot for plan in plans])
        Lot.variants.through.objects.bulk_create(
            Lot.variants.through(
                lot_id=plan.lot.pk, productvariant_id=plan.product.bench_variant_id
            )
            for plan in plans
        )
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for lot, *rest in writer.rows:
                    copy.write_row((lot.pk, *rest))
    writer.rows.clear()


# ---------------------------------------------------------------- the whole set


@dataclass
class Generated:
    """What the measurements need from the generated data."""

    counts: dict
    seconds: dict
    auditor: object
    suspended_area_id: int
    dependent_product_ids: list[int]
    long_lot_ids: list[int]


def plan_lots(args, sellers, categories, rng) -> tuple[list[Plan], list, object, list]:
    """Every lot to generate, in insertion order: the suspended area's lots and the lots
    made from them first (so the sources exist), then the long chains and the rest."""
    dependent = args.dependent_products
    processed = round(dependent * PROCESSED_SHARE)
    fresh = dependent - processed
    fixed_lots = args.long_chains + 2 * fresh + processed
    regular = args.lots - fixed_lots
    if regular < 1:
        raise BenchError(
            f"--lots {args.lots} leaves no room beside {fixed_lots} lots of the long chains "
            "and the suspended area"
        )
    areas = max(SELLERS, regular // LOTS_PER_AREA)
    suspended, growing_areas, houses = make_sites(sellers, areas, rng)
    areas_of: dict[int, list] = {}
    for area in growing_areas:
        areas_of.setdefault(area.seller_id, []).append(area)
    houses_of: dict[int, list] = {}
    for house in houses:
        houses_of.setdefault(house.seller_id, []).append(house)

    owner = suspended.seller
    products = make_products(sellers, categories, max(1, regular // LOTS_PER_PRODUCT), 0, rng)
    grown = make_products(
        sellers, categories, fresh, len(products), rng, seller=owner, kind=CROPS[0]
    )
    made = make_products(
        sellers, categories, processed, len(products) + fresh, rng, seller=owner,
        kind=(None, *PROCESSED),
    )  # fmt: skip

    counts = event_counts(
        regular + 2 * fresh, args.events, [args.chain_length] * args.long_chains + [3] * processed,
        rng,
    )  # fmt: skip
    plans = []
    for product in grown:
        for _ in range(2):
            house = rng.choice(houses_of[owner.pk])
            plans.append(Plan("dependent", product, suspended, house, counts.pop()))
    sources = plans[::2]
    for product, source in zip(made, sources, strict=False):
        house = houses_of[owner.pk][0]
        plans.append(
            Plan("processed", product, None, house, 3, inputs=[(source, Decimal("20.000"))])
        )
    with_gtin = [product for product in products if product.bench_gtin] or products[:1]
    for index in range(args.long_chains):
        product = with_gtin[index % len(with_gtin)]
        product.bench_gtin = product.bench_gtin or gtin_for(10**8 + index)
        area = rng.choice(areas_of[product.seller_id])
        house = rng.choice(houses_of[product.seller_id])
        plans.append(Plan("long", product, area, house, args.chain_length))
    for _ in range(regular):
        product = rng.choice(products)
        draw = rng.random()
        plans.append(
            Plan(
                "regular",
                product,
                rng.choice(areas_of[product.seller_id]),
                rng.choice(houses_of[product.seller_id]),
                counts.pop(),
                harvested=draw >= NOT_HARVESTED_SHARE,
                expired=NOT_HARVESTED_SHARE <= draw < NOT_HARVESTED_SHARE + EXPIRED_SHARE,
            )
        )
    return plans, products + grown + made, suspended, grown + made


def finish(plans: list[Plan], products: list) -> None:
    """What needs the inserted rows: the inputs of made lots, the sprayings' rows, the
    products' flags."""
    from django.db import connection

    from catalog.models import Product
    from traceability.models import LotInput, Spraying, TraceEvent
    from traceability.services.steps import biz_step_uri

    made = [plan for plan in plans if plan.kind == "processed"]
    events = dict(
        TraceEvent.objects.filter(
            lot_id__in=[plan.lot.pk for plan in made], sequence=1
        ).values_list("lot_id", "pk")
    )
    LotInput.objects.bulk_create(
        LotInput(
            lot_id=plan.lot.pk,
            source_id=source.lot.pk,
            quantity_kg=kg,
            event_id=events[plan.lot.pk],
        )
        for plan in made
        for source, kg in plan.inputs
    )
    # A spraying's row repeats what its event says, as the service writes both.
    spraying = connection.ops.quote_name(Spraying._meta.db_table)
    event = connection.ops.quote_name(TraceEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {spraying} (event_id, area_id, product_name, active_ingredient, dose,
                pre_harvest_interval_days, sprayed_at, harvest_allowed_from)
            SELECT id, site_id, document->>'ocop:productName', document->>'ocop:activeIngredient',
                document->>'ocop:dose', (document->>'ocop:preHarvestIntervalDays')::int,
                event_time,
                event_time + make_interval(days => (document->>'ocop:preHarvestIntervalDays')::int)
            FROM {event} WHERE biz_step = %s
            """,  # noqa: S608 - table names from the models, the value bound
            [biz_step_uri("spraying")],
        )
    verified = [product.pk for product in products if getattr(product, "origin_verified", False)]
    Product.objects.filter(pk__in=verified).update(origin_verified=True)


def vacuum_analyze() -> None:
    """What autovacuum gives a database in service: planner statistics and the visibility
    map (see ``listing_bench.fill_catalog``). Only the project's tables."""
    from django.db import connection

    tables = ", ".join(
        connection.ops.quote_name(name) for name in connection.introspection.table_names()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def generate(args, rng: random.Random) -> Generated:
    import time

    from django.db import connection
    from django.utils import timezone

    from traceability.models import Lot, TraceEvent

    seconds = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # scripts/services.sh runs PostgreSQL with synchronous_commit=off; VACUUM cannot
        # mark a page all-visible before its rows' commit is flushed (listing_bench.py).
        cursor.execute("SET synchronous_commit TO on")
    sellers, categories, auditor = make_parties(rng)
    plans, products, suspended, dependent = plan_lots(args, sellers, categories, rng)
    for product in products:
        product.origin_verified = False
    seconds["parties_sites_products"] = time.perf_counter() - started

    started = time.perf_counter()
    writer = ChainWriter(timezone.now().replace(microsecond=0), rng)
    for offset in range(0, len(plans), LOT_BATCH):
        batch = plans[offset : offset + LOT_BATCH]
        for number, plan in enumerate(batch, start=offset + 1):
            write_chain(writer, plan, number)
            set_origin_flags(plan)
        insert_batch(batch, writer)
        for plan in batch:
            if plan.kind == "regular":
                plan.lot = None  # keep the memory of 100,000 lots out of the run
    seconds["lots_and_events"] = time.perf_counter() - started

    started = time.perf_counter()
    finish(plans, products)
    seconds["inputs_sprayings_flags"] = time.perf_counter() - started
    started = time.perf_counter()
    vacuum_analyze()
    seconds["vacuum_analyze"] = time.perf_counter() - started
    return Generated(
        counts={
            "sellers": len(sellers),
            "growing_areas": len({plan.area.pk for plan in plans if plan.area}),
            "products": len(products),
            "lots": Lot.objects.count(),
            "lots_with_gtin": Lot.objects.exclude(gtin="").count(),
            "events": TraceEvent.objects.count(),
            "long_chains": args.long_chains,
            "chain_length": args.chain_length,
        },
        seconds={key: round(value, 1) for key, value in seconds.items()},
        auditor=auditor,
        suspended_area_id=suspended.pk,
        dependent_product_ids=[product.pk for product in dependent],
        long_lot_ids=[plan.lot.pk for plan in plans if plan.kind == "long"],
    )


def check_generated(generated: Generated, rng: random.Random, sample: int = 3000) -> dict:
    """The cached flags agree with ``traceability.selectors``' rule, and chains verify:
    a benchmark of wrong data measures nothing."""
    from django.db.models import F, Q

    from catalog.models import Product
    from traceability import selectors
    from traceability.models import Lot
    from traceability.services.lots import lot_verify

    ids = list(Lot.objects.values_list("pk", flat=True))
    chosen = set(rng.sample(ids, min(sample, len(ids))))
    chosen |= set(
        Lot.objects.filter(product_id__in=generated.dependent_product_ids).values_list(
            "pk", flat=True
        )
    )
    stored = {
        pk: (verified, problems)
        for pk, verified, problems in Lot.objects.filter(pk__in=chosen).values_list(
            "pk", "origin_verified", "origin_problems"
        )
    }
    wrong = [
        pk
        for pk, problems in selectors.origin_problems_of(chosen).items()
        if stored[pk] != (not problems, problems)
    ]
    if wrong:
        raise BenchError(f"{len(wrong)} generated lots disagree with the origin rule: {wrong[:5]}")
    products = Product.objects.annotate(rule=selectors.product_origin_verified())
    if products.filter(~Q(origin_verified=F("rule"))).exists():
        raise BenchError("generated products disagree with the origin rule")
    unverified = products.filter(pk__in=generated.dependent_product_ids, origin_verified=False)
    if unverified.exists():
        raise BenchError("a product of the area to suspend is not verified to begin with")
    walked = rng.sample(ids, min(50, len(ids)))
    broken = {pk: lot_verify(lot_id=pk) for pk in walked}
    broken = {pk: link for pk, link in broken.items() if link is not None}
    if broken:
        raise BenchError(f"generated chains do not verify: {broken}")
    return {"lots_checked_against_rule": len(chosen), "chains_verified": len(walked)}
