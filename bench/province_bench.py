"""Province dashboard benchmark: ``provinceDashboard`` and ``/province/`` at the province's size.

    .venv/bin/python bench/province_bench.py              # 10,000 products, 100,000 orders, lots
    .venv/bin/python bench/province_bench.py --scale 0.05 --requests 50   # a quick look
    .venv/bin/python bench/province_bench.py --keep       # keep the database for the next run

Needs the PostgreSQL that ``scripts/services.sh up`` starts. The script creates its own
database (``market_bench_province``), migrates it and seeds it in bulk (``bulk_create`` and
``COPY``): 100,000 lots with their event chains (``traceability_data``, the traceability
benchmark's generator), the 10,000-product catalog (``search_catalog.fill_catalog``, the
checkout benchmark's, after the demo), sellers in 20 wards and communes with addresses, the
growing areas spread over them with statuses and a status history over 24 months,
violations, a registry of 300 entries (270 current, as the province counts its OCOP
products) matched to the catalog's certificates, 100,000 orders over 24 months with their
seller orders, lines, payments by method, charges and refunds, and the month-end records
(``province.services.snapshots.monthly_figures_record`` for each past month). A database
kept by ``--keep`` is used again when its seed has the same sizes (``--fresh`` reseeds).
Before measuring, the nightly ``monthly_sales_record`` runs as beat would run it: every
closed month gets its sales record, so the dashboard reads the current month live.

It counts the SQL queries of each request in this process (Django's test client on the
same database), for 1 and 24 months and for the whole province and one ward: they must be
equal. It then serves the app with gunicorn (``--workers`` sync workers, ``DEBUG=false``,
PostgreSQL only) and times ``--requests`` sequential requests of each kind, after 20
warm-up requests, each on a new connection: the GraphQL query for the last 12 months (whole
province, and one ward) as an auditor, and the page ``/province/`` signed in as that
auditor. Last, the slowest statements of one dashboard are run again under ``EXPLAIN
(ANALYZE, BUFFERS)``. It prints one JSON object and writes it to
``bench/results/province.json`` (``province-scale-<scale>.json`` below full size).
"""

import argparse
import datetime
import json
import random
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import harness

BENCH_DATABASE = "market_bench_province"
SEED = 20261213
FULL_SIZE = {"products": 10_000, "orders": 100_000, "lots": 100_000, "registry": 300}
MONTHS = 24
WARM_UP = 20
TARGETS = {"p95_ms": 300.0}
# Today's wards and communes of the former Ninh Thuận, with the former district each lay in.
WARDS = {
    "Phường Phan Rang": "Phan Rang–Tháp Chàm",
    "Phường Đông Hải": "Phan Rang–Tháp Chàm",
    "Phường Ninh Chử": "Ninh Hải",
    "Phường Bảo An": "Phan Rang–Tháp Chàm",
    "Phường Đô Vinh": "Phan Rang–Tháp Chàm",
    "Xã Ninh Phước": "Ninh Phước",
    "Xã Phước Hữu": "Ninh Phước",
    "Xã Phước Hậu": "Ninh Phước",
    "Xã Thuận Nam": "Thuận Nam",
    "Xã Cà Ná": "Thuận Nam",
    "Xã Phước Dinh": "Thuận Nam",
    "Xã Ninh Hải": "Ninh Hải",
    "Xã Xuân Hải": "Ninh Hải",
    "Xã Vĩnh Hải": "Ninh Hải",
    "Xã Thuận Bắc": "Thuận Bắc",
    "Xã Công Hải": "Thuận Bắc",
    "Xã Ninh Sơn": "Ninh Sơn",
    "Xã Lâm Sơn": "Ninh Sơn",
    "Xã Bác Ái": "Bác Ái",
    "Xã Bác Ái Đông": "Bác Ái",
}
EXTRA_SELLERS = 48
SELLER_KINDS = {"cooperative": 35, "household": 30, "enterprise": 20, "establishment": 15}
METHOD_WEIGHTS = {"cod": 38, "vnpay": 22, "momo": 17, "vietqr": 15, "stripe": 8}
BATCH = 10_000
AUDITOR_EMAIL = "auditor@province-bench.invalid"
AUDITOR_PASSWORD = "province-bench-only"  # noqa: S105 - a throwaway database's user

DASHBOARD = """query Dashboard(
  $period: ProvincePeriodInput!, $filters: ProvinceDashboardFilterInput
) {
  provinceDashboard(period: $period, filters: $filters) {
    computedAt
    ocop { inRegistry listed onSale onSaleShare { part whole ratio meetsTarget }
      byStars { key inRegistry listed onSale } byGroup { key inRegistry listed onSale }
      expiringSoon unmatched }
    traceability { agriculturalPublished originVerified verifiedShare { part whole ratio }
      areasByStatus { key count } lotsWithOpenViolations areasSuspendedInPeriod }
    sales { orders value { amount } bySellerKind { key orders value { amount } }
      paidOrders paidValue { amount } cashlessCountShare { part whole ratio }
      cashlessValueShare { part whole ratio } byMethod { key orders value { amount } }
      refunds refundedValue { amount } }
    sellers { active activeByKind { key count } activeByWard { key count } withoutProductOnSale }
    trend { month onSaleShare { ratio } verifiedShare { ratio } cashlessCountShare { ratio }
      cashlessValueShare { ratio } }
    wards { ward formerDistrict activeSellers inRegistry onSale onSaleShare { ratio }
      verifiedShare { ratio } paidOrders cashlessCountShare { ratio } }
  }
}"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full size (0 < scale ≤ 1)"
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--keep", action="store_true", help="keep the seeded database for the next run"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="reseed even if a kept database has the same sizes"
    )
    harness.add_server_url_argument(parser)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1 or args.requests < 2:
        parser.error("--scale must be in (0, 1] and --requests at least 2")
    return args


def sizes_for(scale: float) -> dict:
    sizes = {name: max(1, round(count * scale)) for name, count in FULL_SIZE.items()}
    # The registry is the province's, whatever the shop's size.
    sizes["registry"] = FULL_SIZE["registry"]
    return sizes


def results_path(scale: float) -> Path:
    name = "province.json" if scale == 1 else f"province-scale-{scale:g}.json"
    return harness.RESULTS_DIR / name


def machine_load() -> dict:
    import os
    import subprocess

    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return {
        "uptime": uptime.strip().partition(" ")[2],
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


# ---------------------------------------------------------------- the kept database


SEED_TABLE = "province_bench_seed"


def kept_seed(server_url: str) -> dict | None:
    """The sizes a kept database was seeded with, or None when there is none to reuse."""
    import psycopg

    try:
        with psycopg.connect(
            harness.database_url(server_url, BENCH_DATABASE), autocommit=True
        ) as connection:
            row = connection.execute(f"SELECT sizes FROM {SEED_TABLE}").fetchone()  # noqa: S608
    except psycopg.Error:
        return None
    return row[0] if row else None


def mark_seeded(sizes: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {SEED_TABLE} (sizes jsonb NOT NULL)")
        cursor.execute(f"INSERT INTO {SEED_TABLE} VALUES (%s)", [json.dumps(sizes)])  # noqa: S608


# ---------------------------------------------------------------- seeding


def copy_rows(model, columns: list[str], rows) -> None:
    """``rows`` (tuples in ``columns`` order, ids included) into ``model``'s table by COPY."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    connection.ensure_connection()
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def next_ids(model, count: int) -> range:
    from django.db.models import Max

    start = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    return range(start, start + count)


def reset_sequences(*models) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            quoted = connection.ops.quote_name(table)
            highest = f"SELECT COALESCE(MAX(id), 1) FROM {quoted}"  # noqa: S608 - our table
            statement = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({highest}))"
            cursor.execute(statement, [table])


def month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the ``count`` months up to ``today``'s, oldest first."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def local_moment(rng: random.Random, today: datetime.date, days_back: int) -> datetime.datetime:
    from django.utils import timezone

    day = today - datetime.timedelta(days=days_back)
    return datetime.datetime.combine(
        day,
        datetime.time(rng.randint(6, 22), rng.randint(0, 59), rng.randint(0, 59)),
        tzinfo=timezone.get_current_timezone(),
    )


def recent_days_back(rng: random.Random, span_days: int) -> int:
    """A day in the last ``span_days``, the later ones likelier (a shop that grows)."""
    return int(span_days * (1 - rng.random() ** 0.7))


def seed_traceability(sizes: dict, rng: random.Random) -> dict:
    """The traceability benchmark's generator: sellers, areas, products and the lots with
    their chains (5 to 7 events each; one short fixed chain, 20 products of its area)."""
    import traceability_data

    lots = sizes["lots"]
    dependent = max(2, min(20, lots // 200))
    args = SimpleNamespace(
        lots=lots, events=6 * lots, long_chains=1, chain_length=5, dependent_products=dependent
    )
    generated = traceability_data.generate(args, rng)
    return generated.counts


def seed_sellers(rng: random.Random) -> None:
    """More sellers, of every kind, before the catalog spreads its products over them."""
    from market.sellers.models import Seller

    kinds, weights = zip(*SELLER_KINDS.items(), strict=True)
    Seller.objects.bulk_create(
        Seller(
            name=f"Cơ sở OCOP {number + 1} (phép đo)",
            slug=f"province-bench-{number + 1}",
            kind=rng.choices(kinds, weights)[0],
            is_verified=rng.random() < 0.7,
        )
        for number in range(EXTRA_SELLERS)
    )


def seed_addresses(rng: random.Random) -> int:
    """An address in one of the wards for every seller without one (a few stay without)."""
    from market.accounts.models import Address
    from market.sellers.models import Seller

    wards = list(WARDS)
    sellers = list(Seller.objects.filter(address__isnull=True).order_by("pk"))
    addresses = Address.objects.bulk_create(
        Address(
            full_name=seller.name,
            ward=(ward := wards[index % len(wards)]),
            former_district=WARDS[ward],
            province="Khánh Hòa",
        )
        for index, seller in enumerate(sellers)
    )
    for seller, address in zip(sellers, addresses, strict=True):
        # One seller in twenty without an address: the table's blank row.
        seller.address = address if rng.random() >= 0.05 else None
    Seller.objects.bulk_update(sellers, ["address"], batch_size=1000)
    return len(sellers)


def seed_sites(rng: random.Random, today: datetime.date) -> dict:
    """Areas spread over the wards, statuses and their history over 24 months (the history
    table is append-only: its rows are inserted, never changed)."""
    from django.db import connection

    from traceability.models import Site, SiteStatusChange
    from traceability.services.origin import origin_refresh_for_sites

    wards = list(WARDS)
    areas = list(Site.objects.order_by("pk").values_list("pk", "kind"))
    statuses = {}
    changes = []
    span = MONTHS * 30
    for index, (pk, kind) in enumerate(areas):
        ward = wards[index % len(wards)]
        statuses[pk] = (ward, WARDS[ward], Site.Status.ACTIVE)
        approved = recent_days_back(rng, span) + 30
        changes.append((pk, "", "pending", approved + 7))
        changes.append((pk, "pending", "active", approved))
        if kind != Site.Kind.GROWING_AREA:
            continue
        draw = rng.random()
        if draw < 0.05:
            statuses[pk] = (ward, WARDS[ward], Site.Status.SUSPENDED)
            changes.append((pk, "active", "suspended", rng.randint(0, approved)))
        elif draw < 0.09:
            # Suspended once, reinstated since.
            suspended = rng.randint(1, approved)
            changes.append((pk, "active", "suspended", suspended))
            changes.append((pk, "suspended", "active", rng.randint(0, suspended - 1)))
        elif draw < 0.11:
            statuses[pk] = (ward, WARDS[ward], Site.Status.REVOKED)
            changes.append((pk, "active", "revoked", rng.randint(0, approved)))
        elif draw < 0.14:
            statuses[pk] = (ward, WARDS[ward], Site.Status.PENDING)
            changes[-1:] = []  # registered, not approved yet
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {connection.ops.quote_name(Site._meta.db_table)} "  # noqa: S608
            "SET ward = %s, former_district = %s, status = %s WHERE id = %s",
            [(*values, pk) for pk, values in statuses.items()],
        )
    ids = next_ids(SiteStatusChange, len(changes))
    copy_rows(
        SiteStatusChange,
        ["id", "site_id", "from_status", "to_status", "reason", "changed_at"],
        (
            (pk, site, old, new, "Phép đo", local_moment(rng, today, days))
            for pk, (site, old, new, days) in zip(ids, changes, strict=True)
        ),
    )
    reset_sequences(SiteStatusChange)
    # The lots' and products' verified origin follow their areas' status, as the services
    # keep them.
    not_active = [pk for pk, (_, _, status) in statuses.items() if status != Site.Status.ACTIVE]
    origin_refresh_for_sites(site_ids=not_active)
    by_status: dict[str, int] = {}
    for _ward, _district, status in statuses.values():
        by_status[str(status)] = by_status.get(str(status), 0) + 1
    return {"sites": len(areas), "status_changes": len(changes), "by_status": by_status}


def seed_violations(rng: random.Random, today: datetime.date, lots: int) -> dict:
    """Violations of random lots at their growing area, a third still open."""
    from traceability.models import Lot, Violation
    from traceability.services.origin import origin_refresh

    count = max(10, lots // 50)
    chosen = list(
        Lot.objects.filter(growing_area__isnull=False)
        .order_by("?")
        .values_list("pk", "growing_area_id")[:count]
    )
    ids = next_ids(Violation, len(chosen))
    rows, open_count = [], 0
    for pk, (lot, area) in zip(ids, chosen, strict=True):
        days = recent_days_back(rng, MONTHS * 30)
        opened = local_moment(rng, today, days)
        is_open = rng.random() < 0.33
        open_count += is_open
        closed = None if is_open else opened + datetime.timedelta(days=rng.randint(3, 60))
        rows.append(
            (
                pk, area, lot, rng.choice(("pre_harvest_interval", "failed_inspection")),
                "open" if is_open else "closed", "Phép đo", opened, closed,
                "" if is_open else "Đã khắc phục (phép đo)",
            )
        )  # fmt: skip
    copy_rows(
        Violation,
        ["id", "site_id", "lot_id", "kind", "status", "details", "opened_at", "closed_at",
         "closing_note"],
        rows,
    )  # fmt: skip
    reset_sequences(Violation)
    # The lots' flags follow their violations, as ``violation_open`` keeps them.
    open_lots = [row[2] for row in rows if row[4] == "open"]
    for offset in range(0, len(open_lots), 500):
        origin_refresh(lot_ids=open_lots[offset : offset + 500])
    return {"violations": len(rows), "open": open_count}


def seed_registry(rng: random.Random, today: datetime.date, size: int) -> dict:
    """The department's list: 270 current entries (228 of 3 stars, 42 of 4 and up) and
    expired ones, most matched to the catalog's certificates by number."""
    from catalog.models import OcopCertificate
    from province.models import RegistryEntry

    # The demo's own registry is there already: the rest up to ``size``, other certificates.
    existing = RegistryEntry.objects.count()
    size = max(0, size - existing)
    taken = RegistryEntry.objects.filter(certificate__isnull=False).values("certificate")
    certificates = list(
        OcopCertificate.objects.filter(status=OcopCertificate.Status.VERIFIED)
        .exclude(pk__in=taken)
        .exclude(certificate_number__in=RegistryEntry.objects.values("certificate_number"))
        .select_related("product__seller")
        .order_by("?")[:size]
    )
    groups = OcopCertificate.ProductGroup.values
    wards = list(WARDS)
    current = max(0, min(size, 270 - existing))
    entries = []
    matched = suggested = 0
    for number in range(size):
        stars = 3 if number < current * 228 / 270 else rng.choice((4, 4, 4, 5))
        if number < current:
            issued = today - datetime.timedelta(days=rng.randint(10, 1080))
        else:
            issued = today - datetime.timedelta(days=rng.randint(1100, 1400))
        expires = OcopCertificate.default_expiry(issued)
        ward = rng.choice(wards)
        fields = {
            "certificate_number": f"NT-OCOP-{number + 1:04d}",
            "product_name": f"Sản phẩm OCOP {number + 1}",
            "producer_name": f"Chủ thể OCOP {number + 1}",
            "stars": stars,
            "product_group": rng.choice(groups),
            "issuing_decision": f"{100 + number}/QĐ-UBND",
            "issued_on": issued,
            "expires_on": expires,
            "ward": ward,
            "former_district": WARDS[ward],
        }
        draw = rng.random()
        if number < len(certificates) and draw < 0.75:
            certificate = certificates[number]
            fields.update(
                certificate=certificate,
                certificate_number=certificate.certificate_number,
                product_name=certificate.product.name,
                producer_name=certificate.product.seller.name,
                match_status=RegistryEntry.MatchStatus.MATCHED,
                match_method=RegistryEntry.MatchMethod.CERTIFICATE_NUMBER,
            )
            matched += 1
        elif number < len(certificates) and draw < 0.85:
            fields.update(
                certificate=certificates[number],
                match_status=RegistryEntry.MatchStatus.SUGGESTED,
                match_score=rng.randint(60, 95),
            )
            suggested += 1
        entries.append(RegistryEntry(**fields))
    RegistryEntry.objects.bulk_create(entries)
    return {
        "entries": RegistryEntry.objects.count(),
        "generated": size,
        "generated_current": current,
        "matched": matched,
        "suggested": suggested,
    }


def seed_orders(rng: random.Random, today: datetime.date, count: int) -> dict:
    """``count`` orders over 24 months, by COPY with their ids: seller orders (one seller,
    or two), lines, payments (online ones, and cash collected), charges and refunds."""
    from django.utils import timezone

    from catalog.models import Product, ProductVariant
    from market.orders.models import Order, OrderLine, SellerOrder
    from payments.models import Payment, TransactionEvent

    by_seller: dict[int, list[tuple]] = {}
    for row in (
        ProductVariant.objects.filter(product__in=Product.objects.live())
        .values_list("pk", "product__seller_id", "price", "product__name", "name", "sku")
        .iterator()
    ):
        by_seller.setdefault(row[1], []).append(row)
    sellers = sorted(by_seller)
    kinds, weights = zip(*METHOD_WEIGHTS.items(), strict=True)
    order_ids = next_ids(Order, count)
    part_id = next_ids(SellerOrder, 1).start
    line_id = next_ids(OrderLine, 1).start
    payment_id = next_ids(Payment, 1).start
    event_id = next_ids(TransactionEvent, 1).start
    totals = {"seller_orders": 0, "lines": 0, "payments": 0, "refunds": 0}
    order_columns = [
        "id", "number", "token", "checkout_token", "email", "shipping_address", "status",
        "payment_method", "payment_status", "subtotal", "shipping_total", "total", "language",
        "created_at", "updated_at",
    ]  # fmt: skip
    part_columns = [
        "id", "order_id", "seller_id", "number", "status", "shipping_method_name",
        "shipping_method_kind", "shipping_price", "subtotal", "total", "carrier",
        "tracking_number", "cancel_reason", "created_at", "updated_at",
    ]  # fmt: skip
    line_columns = [
        "id", "seller_order_id", "variant_id", "product_name", "variant_name", "sku",
        "unit_price", "quantity", "total",
    ]  # fmt: skip
    payment_columns = [
        "id", "order_id", "gateway", "reference", "gateway_reference", "amount", "currency",
        "status", "charged", "refunded", "action", "needs_review", "review_reason",
        "created_at", "updated_at",
    ]  # fmt: skip
    event_columns = [
        "id", "payment_id", "kind", "amount", "gateway", "gateway_reference", "message",
        "request_reference", "created_at",
    ]  # fmt: skip
    address = json.dumps(
        {"full_name": "Khách phép đo", "ward": "Phường Phan Rang", "province": "Khánh Hòa"}
    )
    now = timezone.now()
    for offset in range(0, count, BATCH):
        orders, parts, lines, payments, events = [], [], [], [], []
        for order_id in order_ids[offset : offset + BATCH]:
            placed = local_moment(rng, today, recent_days_back(rng, MONTHS * 30 - 15))
            method = rng.choices(kinds, weights)[0]
            chosen = rng.sample(sellers, 2 if rng.random() < 0.2 else 1)
            subtotal = shipping = 0
            order_parts = []
            for index, seller in enumerate(chosen, 1):
                picked = rng.sample(
                    by_seller[seller], min(len(by_seller[seller]), rng.randint(1, 3))
                )
                part_subtotal = 0
                for variant, _seller, price, product, name, sku in picked:
                    quantity = rng.randint(1, 3)
                    lines.append(
                        (line_id, part_id, variant, product, name, sku, price, quantity,
                         price * quantity)
                    )  # fmt: skip
                    line_id += 1
                    part_subtotal += price * quantity
                order_parts.append((part_id, seller, index, part_subtotal))
                subtotal += part_subtotal
                shipping += 30_000
                part_id += 1
            draw = rng.random()
            online = method != "cod"
            if online and draw < 0.04:
                status, paid = "expired", "unpaid"
            elif draw < 0.09:
                status, paid = "cancelled", "unpaid"
            elif online and draw < 0.11:
                status, paid = "cancelled", "refunded"  # paid, then refunded whole
            elif draw < 0.25:
                status, paid = "placed", "paid" if online else "unpaid"
            else:
                status, paid = "closed", "paid"
            number = f"BENCH-{order_id:08d}"
            total = subtotal + shipping
            orders.append(
                (order_id, number, str(uuid.UUID(int=rng.getrandbits(128))),
                 str(uuid.UUID(int=rng.getrandbits(128))), f"khach{order_id}@example.vn",
                 address, status, method, paid, subtotal, shipping, total, "vi", placed, placed)
            )  # fmt: skip
            part_status = {
                "closed": "delivered", "placed": "confirmed", "cancelled": "cancelled",
                "expired": "cancelled",
            }[status]  # fmt: skip
            for pk, seller, index, part_subtotal in order_parts:
                parts.append(
                    (pk, order_id, seller, f"{number}-{index}", part_status,
                     "Giao hàng tiêu chuẩn", "flat", 30_000, part_subtotal,
                     part_subtotal + 30_000, "", "", "", placed, placed)
                )  # fmt: skip
            totals["seller_orders"] += len(order_parts)
            if paid == "unpaid":
                continue
            refund = 0
            if paid == "refunded":
                refund = total
            elif online and len(order_parts) == 2 and rng.random() < 0.15:
                refund = order_parts[0][3] + 30_000  # one seller's part cancelled and paid back
            payment_status = (
                "refunded" if refund == total else "partially_refunded" if refund else "paid"
            )
            paid_at = placed + datetime.timedelta(minutes=rng.randint(1, 20) if online else 4000)
            if paid_at > now:
                paid_at = placed + datetime.timedelta(minutes=1)
            payments.append(
                (payment_id, order_id, method, f"B{order_id:08d}P1", f"bench-{payment_id}",
                 total, "VND", payment_status, total, refund, "{}", False, "", placed, paid_at)
            )  # fmt: skip
            events.append(
                (event_id, payment_id, "charge", total, method, f"bench-{payment_id}-c", "", "",
                 paid_at)
            )  # fmt: skip
            event_id += 1
            if refund:
                refunded_at = paid_at + datetime.timedelta(hours=rng.randint(2, 200))
                if refunded_at.date() > today:
                    refunded_at = paid_at + datetime.timedelta(minutes=30)
                events.append(
                    (event_id, payment_id, "refund", refund, method, f"bench-{payment_id}-r", "",
                     f"R{order_id}", refunded_at)
                )  # fmt: skip
                event_id += 1
                totals["refunds"] += 1
            payment_id += 1
        copy_rows(Order, order_columns, orders)
        copy_rows(SellerOrder, part_columns, parts)
        copy_rows(OrderLine, line_columns, lines)
        copy_rows(Payment, payment_columns, payments)
        copy_rows(TransactionEvent, event_columns, events)
        totals["lines"] += len(lines)
        totals["payments"] += len(payments)
    reset_sequences(Order, SellerOrder, OrderLine, Payment, TransactionEvent)
    return {"orders": count, **totals}


def seed_monthly_figures(today: datetime.date) -> int:
    """Each past month's record, as the nightly task leaves it on the month's last day."""
    from province.figures import month_end
    from province.services.snapshots import monthly_figures_record

    written = 0
    for month in month_starts(today, MONTHS):
        last_day = min(today, month_end(month))
        written += monthly_figures_record(today=last_day)
    return written


def record_monthly_sales() -> dict:
    """The nightly run of ``monthly_sales_record`` before measuring, on a fresh or a kept
    database alike: it writes the closed months whose record is missing or stale."""
    from province.services.snapshots import monthly_sales_record

    started = time.perf_counter()
    written = monthly_sales_record()
    seconds = round(time.perf_counter() - started, 1)
    print(f"recorded monthly sales: {written} months in {seconds} s", file=sys.stderr, flush=True)
    return {"months_written": written, "seconds": seconds}


def seed(sizes: dict, rng: random.Random) -> dict:
    import traceability_data
    from django.db import connection, transaction
    from django.utils import timezone
    from search_catalog import fill_catalog

    from market.accounts.models import User

    today = timezone.localdate()
    seeded, seconds = {}, {}

    def step(name: str, run) -> None:
        started = time.perf_counter()
        seeded[name] = run()
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"seeded {name}: {seeded[name]} in {seconds[name]} s", file=sys.stderr, flush=True)

    step("traceability", lambda: seed_traceability(sizes, rng))
    with transaction.atomic():
        step("sellers", lambda: seed_sellers(rng))
    step("catalog", lambda: fill_catalog(sizes["products"], rng))
    with transaction.atomic():
        step("addresses", lambda: seed_addresses(rng))
        step("sites", lambda: seed_sites(rng, today))
        step("violations", lambda: seed_violations(rng, today, sizes["lots"]))
        step("registry", lambda: seed_registry(rng, today, sizes["registry"]))
    with transaction.atomic():
        step("orders", lambda: seed_orders(rng, today, sizes["orders"]))
    step("monthly_figures", lambda: seed_monthly_figures(today))
    User.objects.create_user(email=AUDITOR_EMAIL, password=AUDITOR_PASSWORD, role=User.Role.AUDITOR)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO on")
    step("vacuum_analyze", traceability_data.vacuum_analyze)
    return {"counts": seeded, "seconds": seconds}


# ---------------------------------------------------------------- measuring


def periods(today: datetime.date) -> dict[str, tuple[datetime.date, datetime.date]]:
    months = month_starts(today, MONTHS)
    return {
        "1_month": (months[-1], today),
        "12_months": (months[-12], today),
        "24_months": (months[0], today),
    }


def graphql_body(period, ward: str = "") -> bytes:
    variables = {"period": {"start": period[0].isoformat(), "end": period[1].isoformat()}}
    if ward:
        variables["filters"] = {"ward": ward}
    return json.dumps({"query": DASHBOARD, "variables": variables}).encode()


def page_path(period, ward: str = "") -> str:
    from urllib.parse import urlencode

    query = {"month_from": f"{period[0]:%Y-%m}", "month_to": f"{period[1]:%Y-%m}"}
    if ward:
        query["place"] = f"ward:{ward}"
    return f"/province/?{urlencode(query)}"


def count_queries(token: str, session_cookie: str, today: datetime.date, ward: str) -> dict:
    """SQL queries of one request of each kind, in this process, for 1, 12 and 24 months and
    for the whole province and one ward."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    page_client = Client()
    page_client.cookies["sessionid"] = session_cookie
    counts = {}
    for period_name in ("1_month", "12_months", "24_months"):
        period = periods(today)[period_name]
        for place, place_ward in (("whole_province", ""), ("one_ward", ward)):
            with CaptureQueriesContext(connection) as captured:
                answer = client.post(
                    "/graphql/", graphql_body(period, place_ward), content_type="application/json"
                ).json()
            if answer.get("errors"):
                raise harness.BenchError(f"provinceDashboard answered errors: {answer['errors']}")
            counts[f"graphql_{period_name}_{place}"] = len(captured)
            with CaptureQueriesContext(connection) as captured:
                response = page_client.get(page_path(period, place_ward), HTTP_ACCEPT="text/html")
            if response.status_code != 200:
                raise harness.BenchError(f"/province/ answered {response.status_code}")
            counts[f"page_{period_name}_{place}"] = len(captured)
    return counts


def queries_constant(queries: dict) -> dict:
    """Whether the counts do not grow with the wards or the months shown: the same for the
    whole province and one ward, and for 12 and 24 months. A period of the current month
    alone reads no month's record, so it may take fewer (said apart, not a growth)."""
    verdict = {}
    for kind in ("graphql", "page"):
        by_ward = all(
            queries[f"{kind}_{period}_whole_province"] == queries[f"{kind}_{period}_one_ward"]
            for period in ("1_month", "12_months", "24_months")
        )
        by_months = all(
            queries[f"{kind}_12_months_{place}"] == queries[f"{kind}_24_months_{place}"]
            and queries[f"{kind}_1_month_{place}"] <= queries[f"{kind}_24_months_{place}"]
            for place in ("whole_province", "one_ward")
        )
        verdict[kind] = {"wards": by_ward, "months": by_months}
    return verdict


def explain_slowest(today: datetime.date, top: int = 4) -> list[dict]:
    """The slowest statements of one 12-month dashboard, run again under EXPLAIN ANALYZE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from province import selectors

    period = periods(today)["12_months"]
    with CaptureQueriesContext(connection) as captured:
        selectors.dashboard(
            selectors.dashboard_period(*period), selectors.dashboard_filters(), today=today
        )
    timed = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
        timed.append(((time.perf_counter() - started) * 1000, sql))
    timed.sort(reverse=True)
    slowest = []
    for ms, sql in timed[:top]:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
        slowest.append({"ms": round(ms, 2), "sql": sql[:600], "plan": plan[:25]})
    return slowest


def time_requests(port: int, requests: int, make) -> dict:
    """``make()`` → (method, path, headers, body): ``WARM_UP`` untimed, then ``requests``."""
    timings = []
    for index in range(WARM_UP + requests):
        method, path, headers, body = make()
        elapsed, status, payload = harness.request(port, method, path, headers=headers, body=body)
        if status != 200:
            raise harness.BenchError(f"{path} answered {status}: {payload[:300]!r}")
        if method == "POST" and json.loads(payload).get("errors"):
            raise harness.BenchError(f"GraphQL errors: {payload[:300]!r}")
        if index >= WARM_UP:
            timings.append(elapsed)
    return harness.latency_summary(timings)


def run(args: argparse.Namespace, cleanup: harness.Cleanup) -> dict:
    import shutil
    import tempfile

    sizes = sizes_for(args.scale)
    load = {"start": machine_load()}
    url = harness.database_url(args.server_url, BENCH_DATABASE)
    work_dir = Path(tempfile.mkdtemp(prefix="ocop-bench-province-"))
    cleanup.add("work directory", lambda: shutil.rmtree(work_dir, ignore_errors=True))
    (work_dir / "media").mkdir()
    env = harness.app_environment(
        url,
        MEDIA_ROOT=str(work_dir / "media"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    reused = not args.fresh and kept_seed(args.server_url) == sizes
    if not reused:
        harness.recreate_database(args.server_url, BENCH_DATABASE)
    if not args.keep:
        cleanup.add("database", lambda: harness.drop_database(args.server_url, BENCH_DATABASE))
    harness.migrate(env)
    harness.setup_django(env)
    harness.put_checkout_on_path()

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from market.accounts.jwt import ACCESS, encode
    from market.accounts.models import User

    rng = random.Random(SEED)
    seeding = {"reused": True} if reused else seed(sizes, rng)
    if not reused:
        mark_seeded(sizes)
    nightly = record_monthly_sales()
    today = timezone.localdate()
    auditor = User.objects.get(email=AUDITOR_EMAIL)
    token = encode(user_id=auditor.pk, token_type=ACCESS, ttl_seconds=3600)["token"]
    signed_in = Client()
    signed_in.force_login(auditor)
    session_cookie = signed_in.cookies["sessionid"].value
    ward = "Xã Phước Hữu"
    queries = count_queries(token, session_cookie, today, ward)
    print(f"SQL queries per request: {queries}", file=sys.stderr, flush=True)
    slowest = explain_slowest(today)
    connection.close()

    period = periods(today)["12_months"]
    graphql_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    page_headers = {"Cookie": f"sessionid={session_cookie}", "Accept": "text/html"}
    load["before_timing"] = machine_load()
    with harness.served(env, work_dir / "gunicorn.log", workers=args.workers) as port:
        timed = {
            "graphql_12_months_whole_province": time_requests(
                port,
                args.requests,
                lambda: ("POST", "/graphql/", graphql_headers, graphql_body(period)),
            ),
            "graphql_12_months_one_ward": time_requests(
                port,
                args.requests,
                lambda: ("POST", "/graphql/", graphql_headers, graphql_body(period, ward)),
            ),
            "page_12_months_whole_province": time_requests(
                port, args.requests, lambda: ("GET", page_path(period), page_headers, None)
            ),
        }
    load["end"] = machine_load()
    constant = queries_constant(queries)
    return {
        "sizes": {**sizes, "scale": args.scale, "months": MONTHS, "wards": len(WARDS)},
        "seeding": seeding,
        "monthly_sales_record": nightly,
        "today": today.isoformat(),
        "ward_filter": ward,
        "workers": args.workers,
        "latency_ms": timed,
        "sql_queries_per_request": queries,
        "sql_queries_constant": constant,
        "slowest_statements": slowest,
        "machine": load,
        "targets": TARGETS,
        "targets_met": {
            **{
                f"{name}_p95": summary["p95"] <= TARGETS["p95_ms"]
                for name, summary in timed.items()
            },
            "queries_constant": all(
                value for verdict in constant.values() for value in verdict.values()
            ),
        },
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    return harness.run_benchmark(
        lambda cleanup: run(args, cleanup), results_path(args.scale), check=args.check
    )


if __name__ == "__main__":
    sys.exit(main())
