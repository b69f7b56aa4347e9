"""A small province, built by hand so each figure of the dashboard can be counted by hand.

``TODAY`` is 2026-12-15 (local). The numbers the tests expect are written beside the rows
that make them; the tests repeat them as literals.

Sellers (status, kind, address):
  S1 cooperative, Phước Hậu (Ninh Phước), active
  S2 household,   Phan Rang (Phan Rang-Tháp Chàm), active
  S3 enterprise,  Phước Hậu (Ninh Phước), SUSPENDED: its products are not live
  S4 cooperative, no address, active, no product

Products (category fruit is agricultural, fish sauce is not):
  P1 S1 fruit  published, in stock,     verified, current C1 4★ food
  P2 S1 fruit  published, OUT of stock, not verified, current C2 3★ beverages
  P3 S2 sauce  published, in stock,     current C3 5★ food
  P4 S2 fruit  DRAFT,     in stock,     verified, current C4 4★ food
  P5 S3 fruit  published, in stock,     verified, current C5 3★ food (seller suspended)
  P6 S2 fruit  published, in stock,     verified, no certificate
  (P1 also has an EXPIRED 5★ certificate C1x: its current stars stay 4.)

Registry entries (current on TODAY unless said):
  E1 → C1 matched   Phước Hậu 4★ food          listed, on sale
  E2 → C2 matched   Phước Hậu 3★ beverages     listed, not on sale
  E3 → C3 matched   Phan Rang 5★ food          listed, on sale
  E4 → C4 matched   Phan Rang 4★ food          not listed (draft)
  E5 → C5 matched   Phước Hậu 3★ food          not listed (seller suspended)
  E6 unmatched      Phước Hậu 3★ herbs         expires 2027-02-01 (within 90 days)
  E7 → C3 suggested Phan Rang 4★ handicrafts   expires 2027-01-20 (within 90 days)
  E8 expired 2026-01-01; E9 issued 2027-01-01: neither is current
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from catalog.models import OcopCertificate
from market.accounts.models import Address
from market.orders.models import Order, OrderLine, SellerOrder
from market.sellers.models import Seller
from payments.models import Payment, TransactionEvent
from province.models import MonthlyFigures, RegistryEntry
from tests.factories import (
    CategoryFactory,
    GrowingAreaFactory,
    LotFactory,
    OcopCertificateFactory,
    PackingHouseFactory,
    ProductFactory,
    SellerFactory,
    StockFactory,
    VariantFactory,
)
from traceability.models import Site, SiteStatusChange, Violation

TODAY = date(2026, 12, 15)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# Wards as every writer stores them (market/core/data/wards.csv).
PHUOC_HAU, NINH_PHUOC = "Xã Phước Hậu", "Ninh Phước"
PHAN_RANG, PHAN_RANG_DISTRICT = "Phường Phan Rang", "Phan Rang–Tháp Chàm"


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LOCAL)


@dataclass
class World:
    sellers: dict
    products: dict
    variants: dict
    certificates: dict
    entries: dict
    orders: dict


def seller_at(ward: str | None, district: str = "", **extra) -> Seller:
    address = Address.objects.create(ward=ward, former_district=district) if ward else None
    return SellerFactory(address=address, **extra)


def product_of(seller, category, *, stock: int = 10, allocated: int = 0, **extra):
    product = ProductFactory(seller=seller, category=category, **extra)
    variant = VariantFactory(product=product)
    StockFactory(variant=variant, quantity=stock, quantity_allocated=allocated)
    return product, variant


def certificate_of(product, stars: int, group: str, **extra) -> OcopCertificate:
    return OcopCertificateFactory(
        product=product,
        stars=stars,
        product_group=group,
        issued_on=date(2025, 1, 10),
        expires_on=date(2028, 1, 10),
        **extra,
    )


def entry(number: str, ward: str, district: str, stars: int, group: str, **extra):
    values = {
        "product_name": f"Sản phẩm {number}",
        "producer_name": "HTX",
        "issuing_decision": "QĐ 1/QĐ-UBND",
        "issued_on": date(2025, 1, 10),
        "expires_on": date(2028, 1, 10),
        **extra,
    }
    return RegistryEntry.objects.create(
        certificate_number=number,
        ward=ward,
        former_district=district,
        stars=stars,
        product_group=group,
        **values,
    )


def order_with_parts(
    number: str,
    at: datetime,
    *,
    status: str,
    method: str,
    payment_status: str,
    parts: list[tuple],
) -> Order:
    """An order of ``parts`` [(seller, variant, total)], placed ``at`` (no shipping)."""
    total = sum(part_total for _, _, part_total in parts)
    order = Order.objects.create(
        number=number,
        checkout_token=uuid.uuid4(),
        email="khach@example.vn",
        shipping_address={},
        status=status,
        payment_method=method,
        payment_status=payment_status,
        subtotal=total,
        shipping_total=0,
        total=total,
    )
    Order.objects.filter(pk=order.pk).update(created_at=at)
    for index, (seller, variant, part_total) in enumerate(parts):
        part = SellerOrder.objects.create(
            order=order,
            seller=seller,
            number=f"{number}-{index}",
            shipping_method_name="Giao tiêu chuẩn",
            shipping_method_kind="standard",
            shipping_price=0,
            subtotal=part_total,
            total=part_total,
        )
        OrderLine.objects.create(
            seller_order=part,
            variant=variant,
            product_name=variant.product.name,
            sku=variant.sku,
            unit_price=part_total,
            quantity=1,
            total=part_total,
        )
    return order


def refund_of(order: Order, amount: int, at: datetime) -> None:
    """A charge and a refund as the payments app leaves them (rows of a fixture: the
    figures read them, no gateway is involved)."""
    payment = Payment.objects.create(
        order=order,
        gateway=order.payment_method,
        reference=f"REF{order.number}",
        amount=order.total,
        status=Payment.Status.REFUNDED,
        charged=order.total,
        refunded=amount,
    )
    TransactionEvent.objects.create(
        payment=payment,
        kind=TransactionEvent.Kind.CHARGE,
        amount=order.total,
        gateway=payment.gateway,
        gateway_reference=f"charge-{order.number}",
    )
    # Events are append-only (a database trigger): the refund is written at its time.
    with mock.patch("django.utils.timezone.now", return_value=at):
        TransactionEvent.objects.create(
            payment=payment,
            kind=TransactionEvent.Kind.REFUND,
            amount=amount,
            gateway=payment.gateway,
            gateway_reference=f"refund-{order.number}",
        )


def status_change(site: Site, to_status: str, at: datetime) -> None:
    SiteStatusChange.objects.create(
        site=site, from_status="active", to_status=to_status, changed_at=at
    )


def build_world() -> World:
    s1 = seller_at(PHUOC_HAU, NINH_PHUOC, kind=Seller.Kind.COOPERATIVE)
    s2 = seller_at(PHAN_RANG, PHAN_RANG_DISTRICT, kind=Seller.Kind.HOUSEHOLD)
    s3 = seller_at(
        PHUOC_HAU, NINH_PHUOC, kind=Seller.Kind.ENTERPRISE, status=Seller.Status.SUSPENDED
    )
    s4 = seller_at(None, kind=Seller.Kind.COOPERATIVE)
    fruit = CategoryFactory(is_agricultural=True)
    sauce = CategoryFactory(is_agricultural=False)

    p1, v1 = product_of(s1, fruit, origin_verified=True)
    p2, v2 = product_of(s1, fruit, stock=5, allocated=5)
    p3, v3 = product_of(s2, sauce)
    p4, v4 = product_of(s2, fruit, is_published=False, origin_verified=True)
    p5, v5 = product_of(s3, fruit, origin_verified=True)
    p6, v6 = product_of(s2, fruit, origin_verified=True)

    group = OcopCertificate.ProductGroup
    c1 = certificate_of(p1, 4, group.FOOD)
    OcopCertificateFactory(
        product=p1,
        stars=5,
        product_group=group.BEVERAGES,
        issued_on=date(2022, 1, 1),
        expires_on=date(2025, 1, 1),
    )
    c2 = certificate_of(p2, 3, group.BEVERAGES)
    c3 = certificate_of(p3, 5, group.FOOD)
    c4 = certificate_of(p4, 4, group.FOOD)
    c5 = certificate_of(p5, 3, group.FOOD)

    matched = {
        "match_status": RegistryEntry.MatchStatus.MATCHED,
        "match_method": "certificate_number",
    }
    entries = {
        "E1": entry("E1", PHUOC_HAU, NINH_PHUOC, 4, group.FOOD, certificate=c1, **matched),
        "E2": entry("E2", PHUOC_HAU, NINH_PHUOC, 3, group.BEVERAGES, certificate=c2, **matched),
        "E3": entry("E3", PHAN_RANG, PHAN_RANG_DISTRICT, 5, group.FOOD, certificate=c3, **matched),
        "E4": entry("E4", PHAN_RANG, PHAN_RANG_DISTRICT, 4, group.FOOD, certificate=c4, **matched),
        "E5": entry("E5", PHUOC_HAU, NINH_PHUOC, 3, group.FOOD, certificate=c5, **matched),
        "E6": entry("E6", PHUOC_HAU, NINH_PHUOC, 3, group.HERBS, expires_on=date(2027, 2, 1)),
        "E7": entry(
            "E7",
            PHAN_RANG,
            PHAN_RANG_DISTRICT,
            4,
            group.HANDICRAFTS,
            expires_on=date(2027, 1, 20),
            certificate=c3,
            match_status=RegistryEntry.MatchStatus.SUGGESTED,
            match_score=70,
        ),
        "E8": entry(
            "E8",
            PHUOC_HAU,
            NINH_PHUOC,
            3,
            group.FOOD,
            issued_on=date(2023, 1, 1),
            expires_on=date(2026, 1, 1),
        ),
        "E9": entry(
            "E9",
            PHUOC_HAU,
            NINH_PHUOC,
            3,
            group.FOOD,
            issued_on=date(2027, 1, 1),
            expires_on=date(2030, 1, 1),
        ),
    }

    # Growing areas: A1 active, A2 suspended 2026-12-05, A3 active again (suspended
    # 2026-11-30 23:30 local: November), A4 suspended 2026-12-01 00:10 local (December,
    # though 2026-11-30 in UTC); a packing house, which is not a growing area.
    a1 = GrowingAreaFactory(seller=s1, ward=PHUOC_HAU, former_district=NINH_PHUOC)
    a2 = GrowingAreaFactory(
        seller=s1, ward=PHUOC_HAU, former_district=NINH_PHUOC, status=Site.Status.SUSPENDED
    )
    a3 = GrowingAreaFactory(seller=s2, ward=PHAN_RANG, former_district=PHAN_RANG_DISTRICT)
    a4 = GrowingAreaFactory(
        seller=s2, ward=PHAN_RANG, former_district=PHAN_RANG_DISTRICT, status=Site.Status.SUSPENDED
    )
    house = PackingHouseFactory(seller=s1, ward=PHUOC_HAU, status=Site.Status.SUSPENDED)
    status_change(a2, Site.Status.SUSPENDED, local(2026, 12, 5, 9, 0))
    status_change(a3, Site.Status.SUSPENDED, local(2026, 11, 30, 23, 30))
    status_change(a4, Site.Status.SUSPENDED, local(2026, 12, 1, 0, 10))
    status_change(house, Site.Status.SUSPENDED, local(2026, 12, 6, 9, 0))

    # Lots with open violations: L1 (its own), L2 (its area's, A2, as a whole); L3's is
    # closed; L4 has none.
    l1 = LotFactory(growing_area=a1, product=p1)
    l2 = LotFactory(growing_area=a2, product=p2)
    l3 = LotFactory(growing_area=a3, product=p6)
    LotFactory(growing_area=a1, product=p1)
    kind = Violation.Kind.FAILED_INSPECTION
    Violation.objects.create(site=a1, lot=l1, kind=kind)
    Violation.objects.create(site=a2, kind=kind)
    Violation.objects.create(
        site=a3, lot=l3, kind=kind, status=Violation.Status.CLOSED, closed_at=local(2026, 12, 2)
    )
    assert l2.growing_area_id == a2.pk

    paid, unpaid, refunded = (
        Order.PaymentStatus.PAID,
        Order.PaymentStatus.UNPAID,
        Order.PaymentStatus.REFUNDED,
    )
    placed, closed = Order.Status.PLACED, Order.Status.CLOSED
    orders = {
        # 2026-12-01 00:30 local is 2026-11-30 17:30 UTC: a December order.
        "O1": order_with_parts(
            "O1",
            local(2026, 12, 1, 0, 30),
            status=placed,
            method="vnpay",
            payment_status=paid,
            parts=[(s1, v1, 200_000), (s2, v3, 100_000)],
        ),
        "O2": order_with_parts(
            "O2",
            local(2026, 12, 10, 10),
            status=closed,
            method="cod",
            payment_status=paid,
            parts=[(s1, v2, 150_000)],
        ),
        # Cash not collected yet: placed, not paid.
        "O3": order_with_parts(
            "O3",
            local(2026, 12, 31, 23, 59),
            status=placed,
            method="cod",
            payment_status=unpaid,
            parts=[(s2, v6, 50_000)],
        ),
        # 2026-11-30 23:59 local: November.
        "O4": order_with_parts(
            "O4",
            local(2026, 11, 30, 23, 59),
            status=placed,
            method="momo",
            payment_status=paid,
            parts=[(s1, v1, 80_000)],
        ),
        # Cancelled (and refunded): not an order placed.
        "O5": order_with_parts(
            "O5",
            local(2026, 12, 12, 8),
            status=Order.Status.CANCELLED,
            method="stripe",
            payment_status=refunded,
            parts=[(s2, v3, 500_000)],
        ),
        # Still awaiting its online payment: not placed.
        "O6": order_with_parts(
            "O6",
            local(2026, 12, 3, 8),
            status=Order.Status.UNPAID,
            method="vnpay",
            payment_status=unpaid,
            parts=[(s1, v1, 70_000)],
        ),
        # Paid by VietQR, then refunded: placed, and paid.
        "O7": order_with_parts(
            "O7",
            local(2026, 12, 20, 15),
            status=closed,
            method="vietqr",
            payment_status=refunded,
            parts=[(s2, v6, 40_000)],
        ),
    }
    refund_of(orders["O5"], 500_000, local(2026, 12, 13, 9))
    refund_of(orders["O7"], 40_000, local(2026, 12, 21, 9))
    refund_of(orders["O4"], 30_000, local(2026, 11, 30, 12))

    return World(
        sellers={"S1": s1, "S2": s2, "S3": s3, "S4": s4},
        products={"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5, "P6": p6},
        variants={"V1": v1, "V2": v2, "V3": v3, "V4": v4, "V5": v5, "V6": v6},
        certificates={"C1": c1, "C2": c2, "C3": c3, "C4": c4, "C5": c5},
        entries=entries,
        orders=orders,
    )


def record_november() -> None:
    """What the nightly record kept for November: on sale 2 of 4, verified 2 of 6."""
    recorded_at = local(2026, 11, 30, 23, 50)
    november = date(2026, 11, 1)
    MonthlyFigures.objects.create(
        month=november,
        ward=PHUOC_HAU,
        former_district=NINH_PHUOC,
        product_group="food",
        stars=4,
        seller_kind="cooperative",
        registry_current=4,
        registry_listed=3,
        registry_on_sale=2,
        agricultural_published=5,
        origin_verified=1,
        recorded_at=recorded_at,
    )
    MonthlyFigures.objects.create(
        month=november,
        ward=PHAN_RANG,
        former_district=PHAN_RANG_DISTRICT,
        seller_kind="household",
        agricultural_published=1,
        origin_verified=1,
        recorded_at=recorded_at,
    )


def one_more_ward(name: str, *, day: date = TODAY - timedelta(days=3)) -> None:
    """A seller in another ward with a live agricultural product, a registry entry and a
    paid order: one more row in every grouped figure."""
    seller = seller_at(name, "Ninh Sơn", kind=Seller.Kind.HOUSEHOLD)
    product, variant = product_of(seller, CategoryFactory(is_agricultural=True))
    certificate = certificate_of(product, 3, OcopCertificate.ProductGroup.FOOD)
    entry(
        f"W-{name}",
        name,
        "Ninh Sơn",
        3,
        "food",
        certificate=certificate,
        match_status=RegistryEntry.MatchStatus.MATCHED,
    )
    order_with_parts(
        f"W{uuid.uuid4().hex[:8]}",
        datetime(day.year, day.month, day.day, 10, tzinfo=LOCAL),
        status=Order.Status.PLACED,
        method="momo",
        payment_status=Order.PaymentStatus.PAID,
        parts=[(seller, variant, 10_000)],
    )
