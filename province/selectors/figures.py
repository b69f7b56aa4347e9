"""One function per section of the dashboard, each from the shop's own rules.

"Listed" is ``Product.objects.live()``, "on sale" ``.live().in_stock()``, "verified
origin" ``.origin_verified()``, "agricultural" ``.agricultural()``, a product's group and
stars its current certificate's (``OcopCertificate.objects.current``), a lot's open
violations traceability's ``lots_with_open_violations``: nothing here re-writes them.

A period is whole local days (``settings.TIME_ZONE``, Asia/Ho_Chi_Minh), compared with
the UTC times stored as the half-open range [first day 00:00, day after the last 00:00).
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, DateTimeField, Exists, Expression, OuterRef, Q
from django.utils import timezone

from catalog.models import OcopCertificate, Product
from market.orders.models import Order, OrderLine, SellerOrder
from market.sellers.models import Seller
from province.figures import (
    Count as KeyCount,
)
from province.figures import (
    Filters,
    OcopFigures,
    OcopGroupCount,
    Period,
    SellerFigures,
    Share,
    TraceabilityFigures,
)
from province.models import RegistryEntry
from province.selectors.stock import (
    StockRow,
    add_rows,
    live_stock_rows,
    products_matching_certificate,
    recorded_stock_rows,
    rows_matching,
)
from traceability import selectors as traceability
from traceability.models import Lot, Site, SiteStatusChange

EXPIRING_WITHIN_DAYS = 90
STAR_LEVELS = (3, 4, 5)
# Orders that went to the sellers: not those still awaiting, or never given, an online
# payment (unpaid, expired), nor cancelled ones.
PLACED_ORDER_STATUSES = (Order.Status.PLACED, Order.Status.CLOSED)
# The money came in: a later refund does not change how the order was paid.
PAID_STATUSES = (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUNDED)
# Order.payment_method → the dashboard's key; every one but cash is cashless.
METHOD_KEYS = {"vnpay": "vnpay", "momo": "momo", "vietqr": "vietqr", "stripe": "card", "cod": "cod"}
CASHLESS_METHODS = ("vnpay", "momo", "vietqr", "stripe")


# ---------------------------------------------------------------- shared pieces


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in local time, as aware datetimes."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


class PlannedMoment(Expression):
    """A moment written into the SQL as a literal rather than sent as a parameter.

    A period's bounds decide whether a handful of orders are read or half of them. As
    parameters of a prepared statement (``DATABASE_PREPARED_STATEMENTS``), PostgreSQL soon
    plans the query once for any bounds, guesses a tiny range and joins the seller orders
    one order at a time: twice as slow at the province's size. Written into the text, the
    bounds are planned for what they are. The literal is formatted here from a datetime,
    never from a reader's text.
    """

    output_field = DateTimeField()

    def __init__(self, moment: datetime):
        if not isinstance(moment, datetime):
            raise TypeError("a planned moment is a datetime, never text")
        super().__init__()
        self.moment = moment

    def as_sql(self, compiler, connection):
        # As the backend stores it (SQLite: naive UTC text, compared as text).
        return f"'{connection.ops.adapt_datetimefield_value(self.moment)}'", []

    def as_postgresql(self, compiler, connection):
        return f"'{self.moment.astimezone(UTC).isoformat()}'::timestamptz", []


def target(name: str) -> float | None:
    """A share's target from ``settings.PROVINCE_TARGETS`` (basis points), read now."""
    basis_points = settings.PROVINCE_TARGETS.get(name)
    return None if basis_points is None else basis_points / 10_000


def is_live_month(month: date, today: date) -> bool:
    """The current month (or a later one) is read live; a past one from its record."""
    return (month.year, month.month) >= (today.year, today.month)


def stock_rows_for(period: Period, *, today: date) -> list[StockRow]:
    """The stock rows the period's end stands for: today's while the period ends this
    month or later, else what was recorded for the month it ends in."""
    month = period.end.replace(day=1)
    if is_live_month(month, today):
        return live_stock_rows(today=today)
    return recorded_stock_rows(month)


def _given_or_read(stock: list[StockRow] | None, period: Period, today: date) -> list[StockRow]:
    return stock if stock is not None else stock_rows_for(period, today=today)


def seller_condition(filters: Filters, prefix: str = "") -> Q:
    """The filters that are the seller's: its address's ward and former district, its kind."""
    condition = Q()
    if filters.ward:
        condition &= Q(**{f"{prefix}address__ward": filters.ward})
    if filters.former_district:
        condition &= Q(**{f"{prefix}address__former_district": filters.former_district})
    if filters.seller_kind:
        condition &= Q(**{f"{prefix}kind": filters.seller_kind})
    return condition


def registry_condition(filters: Filters) -> Q:
    """The filters on registry entries: their own ward, district, group and stars; the
    seller kind of the matched product's seller (an unmatched entry has none)."""
    condition = Q()
    if filters.ward:
        condition &= Q(ward=filters.ward)
    if filters.former_district:
        condition &= Q(former_district=filters.former_district)
    if filters.product_group:
        condition &= Q(product_group=filters.product_group)
    if filters.stars is not None:
        condition &= Q(stars=filters.stars)
    if filters.seller_kind:
        condition &= Q(
            match_status=RegistryEntry.MatchStatus.MATCHED,
            certificate__product__seller__kind=filters.seller_kind,
        )
    return condition


def parts_matching(filters: Filters, *, today: date):
    """Seller orders the filters keep: the seller's address and kind, and (for group and
    stars) a line of a product whose current certificate is of that group or stars."""
    parts = SellerOrder.objects.filter(seller_condition(filters, "seller__"))
    if filters.product_group or filters.stars is not None:
        products = products_matching_certificate(Product.objects.all(), filters, today=today)
        parts = parts.filter(
            Exists(
                OrderLine.objects.filter(
                    seller_order=OuterRef("pk"), variant__product__in=products.values("pk")
                )
            )
        )
    return parts


def cashless_shares(by_method: dict[str, tuple[int, int]]) -> tuple[Share, Share]:
    """Count and value shares of cashless among ``{method: (orders, value)}``."""
    whole_count = sum(count for count, _ in by_method.values())
    whole_value = sum(value for _, value in by_method.values())
    part_count = sum(by_method.get(method, (0, 0))[0] for method in CASHLESS_METHODS)
    part_value = sum(by_method.get(method, (0, 0))[1] for method in CASHLESS_METHODS)
    goal = target("cashless")
    return Share(part_count, whole_count, goal), Share(part_value, whole_value, goal)


# ---------------------------------------------------------------- OCOP registry


def ocop_figures(
    period: Period, filters: Filters, *, today: date, stock: list[StockRow] | None = None
) -> OcopFigures:
    """The registry against the marketplace (two queries, or one given ``stock``)."""
    rows = rows_matching(_given_or_read(stock, period, today), filters)
    total = add_rows(rows)
    by_stars = [
        _ocop_count(str(stars), [row for row in rows if row.stars == stars])
        for stars in STAR_LEVELS
    ]
    by_group = [
        _ocop_count(group, [row for row in rows if row.product_group == group])
        for group in OcopCertificate.ProductGroup.values
    ]
    worklist = (
        RegistryEntry.objects.filter(issued_on__lte=today, expires_on__gte=today)
        .filter(registry_condition(filters))
        .aggregate(
            expiring=Count(
                "pk", filter=Q(expires_on__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS))
            ),
            unmatched=Count("pk", filter=~Q(match_status=RegistryEntry.MatchStatus.MATCHED)),
        )
    )
    return OcopFigures(
        in_registry=total.registry_current,
        listed=total.registry_listed,
        on_sale=total.registry_on_sale,
        on_sale_share=Share(total.registry_on_sale, total.registry_current, target("ocop_on_sale")),
        by_stars=by_stars,
        by_group=by_group,
        expiring_soon=worklist["expiring"],
        unmatched=worklist["unmatched"],
    )


def _ocop_count(key: str, rows: list[StockRow]) -> OcopGroupCount:
    total = add_rows(rows)
    return OcopGroupCount(
        key=key,
        in_registry=total.registry_current,
        listed=total.registry_listed,
        on_sale=total.registry_on_sale,
    )


# ---------------------------------------------------------------- traceability


def traceability_figures(
    period: Period, filters: Filters, *, today: date, stock: list[StockRow] | None = None
) -> TraceabilityFigures:
    """Verified origin, growing areas, lots with open violations (three queries, and the
    stock rows' unless given). Areas are narrowed by their own ward and district and
    their seller's kind; group and stars do not apply to an area."""
    rows = rows_matching(_given_or_read(stock, period, today), filters)
    total = add_rows(rows)
    areas = Site.objects.filter(kind=Site.Kind.GROWING_AREA)
    if filters.ward:
        areas = areas.filter(ward=filters.ward)
    if filters.former_district:
        areas = areas.filter(former_district=filters.former_district)
    if filters.seller_kind:
        areas = areas.filter(seller__kind=filters.seller_kind)
    by_status = dict(areas.values_list("status").annotate(count=Count("pk")).order_by())
    start, end = local_bounds(period.start, period.end)
    suspended = SiteStatusChange.objects.filter(
        site=OuterRef("pk"),
        to_status=Site.Status.SUSPENDED,
        changed_at__gte=start,
        changed_at__lt=end,
    )
    lots = Lot.objects.filter(seller_condition(filters, "seller__"))
    if filters.product_group or filters.stars is not None:
        products = products_matching_certificate(Product.objects.all(), filters, today=today)
        lots = lots.filter(product__in=products.values("pk"))
    return TraceabilityFigures(
        agricultural_published=total.agricultural_published,
        origin_verified=total.origin_verified,
        verified_share=Share(
            total.origin_verified, total.agricultural_published, target("origin_verified")
        ),
        areas_by_status=[
            KeyCount(status, by_status.get(status, 0)) for status in Site.Status.values
        ],
        lots_with_open_violations=traceability.lots_with_open_violations(lots).count(),
        areas_suspended_in_period=areas.filter(Exists(suspended)).count(),
    )


# ---------------------------------------------------------------- sellers


def seller_rows(filters: Filters) -> list[tuple[str, str, str, int, int]]:
    """Active sellers by (kind, ward, former district): how many, and how many of them
    have no product on sale. One query."""
    on_sale = Product.objects.live().in_stock().filter(seller=OuterRef("pk"))
    return list(
        Seller.objects.filter(status=Seller.Status.ACTIVE)
        .filter(seller_condition(filters))
        .annotate(has_product_on_sale=Exists(on_sale))
        .values_list("kind", "address__ward", "address__former_district")
        .annotate(
            active=Count("pk"),
            without=Count("pk", filter=Q(has_product_on_sale=False)),
        )
        .order_by()
    )


def seller_figures(period: Period, filters: Filters, *, rows: list | None = None) -> SellerFigures:
    """Sellers active now (a seller has no history of its status), narrowed by their
    address and kind; group and stars do not apply to a seller."""
    rows = seller_rows(filters) if rows is None else rows
    by_kind: dict[str, int] = defaultdict(int)
    by_ward: dict[str, int] = defaultdict(int)
    for kind, ward, _district, active, _without in rows:
        by_kind[kind] += active
        by_ward[ward or ""] += active
    return SellerFigures(
        active=sum(row[3] for row in rows),
        active_by_kind=[KeyCount(kind, by_kind.get(kind, 0)) for kind in Seller.Kind.values],
        active_by_ward=[KeyCount(ward, count) for ward, count in sorted(by_ward.items())],
        without_product_on_sale=sum(row[4] for row in rows),
    )


def named_places() -> tuple[list[str], list[str]]:
    """The wards and the former districts the registry and the sellers' addresses name,
    each sorted: two queries, whatever their number."""
    wards, districts = set(), set()
    for ward, district in RegistryEntry.objects.values_list("ward", "former_district").distinct():
        wards.add(ward)
        districts.add(district)
    for ward, district in (
        Seller.objects.filter(address__isnull=False)
        .values_list("address__ward", "address__former_district")
        .distinct()
    ):
        wards.add(ward)
        districts.add(district)
    return sorted(wards - {""}), sorted(districts - {""})
