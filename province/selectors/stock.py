"""Stock figures by combination of the dashboard's filters: what ``MonthlyFigures`` keeps.

How many registry entries are current, listed and on sale, and how many agricultural
products are listed and of verified origin, cannot be recomputed for a past day: they
are states, not events. So the same function gives today's rows (live) and what the
nightly record writes, and a past month reads the rows recorded then. Either way a
reader gets ``StockRow`` values and narrows them with ``rows_matching``.

The columns of a row mean what the filters mean for each subject: for registry counts
the entry's own ward, former district, group and stars (and the seller kind of the
matched product's seller, blank when unmatched); for product counts the seller's
address and kind, and the group and stars of the product's current certificate (the
catalog's rule: the most stars among current certificates; the group is that
certificate's). Blank (or None stars) is "none".
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from catalog.models import OcopCertificate, Product
from province.figures import Filters
from province.models import MonthlyFigures, RegistryEntry

KEY_FIELDS = ("ward", "former_district", "product_group", "stars", "seller_kind")
COUNT_FIELDS = (
    "registry_current",
    "registry_listed",
    "registry_on_sale",
    "agricultural_published",
    "origin_verified",
)


@dataclass(frozen=True)
class StockRow:
    ward: str = ""
    former_district: str = ""
    product_group: str = ""
    stars: int | None = None
    seller_kind: str = ""
    registry_current: int = 0
    registry_listed: int = 0
    registry_on_sale: int = 0
    agricultural_published: int = 0
    origin_verified: int = 0

    @property
    def key(self) -> tuple:
        return tuple(getattr(self, name) for name in KEY_FIELDS)

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in COUNT_FIELDS)


def add_rows(rows: Iterable[StockRow], **key) -> StockRow:
    """The sum of ``rows``' counts, under the key given."""
    totals = dict.fromkeys(COUNT_FIELDS, 0)
    for row in rows:
        for name in COUNT_FIELDS:
            totals[name] += getattr(row, name)
    return StockRow(**key, **totals)


def with_certificate_columns(products, *, today: date):
    """``products`` with ``ocop_stars`` (the catalog's current stars) and ``ocop_group``
    (the group of that current certificate), each null without a current certificate."""
    top_current = (
        OcopCertificate.objects.current(today)
        .filter(product=OuterRef("pk"))
        .order_by("-stars", "-expires_on", "-pk")
        .values("product_group")[:1]
    )
    return products.with_current_ocop_stars("ocop_stars", today=today).annotate(
        ocop_group=Subquery(top_current, output_field=CharField())
    )


def products_matching_certificate(products, filters: Filters, *, today: date):
    """``products`` narrowed by the filters' group and stars, read from each product's
    current certificate (``with_certificate_columns``)."""
    if not filters.product_group and filters.stars is None:
        return products
    products = with_certificate_columns(products, today=today)
    if filters.product_group:
        products = products.filter(ocop_group=filters.product_group)
    if filters.stars is not None:
        products = products.filter(ocop_stars=filters.stars)
    return products


def live_stock_rows(*, today: date) -> list[StockRow]:
    """Today's rows for every non-empty combination: three grouped queries."""
    rows: dict[tuple, StockRow] = {}

    def merge(key: tuple, **counts: int) -> None:
        row = rows.get(key) or StockRow(**dict(zip(KEY_FIELDS, key, strict=True)))
        rows[key] = replace(row, **{name: getattr(row, name) + n for name, n in counts.items()})

    for entry in _registry_rows(today):
        key = tuple(entry[name] for name in KEY_FIELDS)
        merge(
            key,
            registry_current=entry["current"],
            registry_listed=entry["listed"],
            registry_on_sale=entry["on_sale"],
        )
    agricultural = Product.objects.live().agricultural()
    for name, products in (
        ("agricultural_published", agricultural),
        ("origin_verified", agricultural.origin_verified()),
    ):
        for product in _product_rows(products, today):
            key = tuple(product[field] for field in KEY_FIELDS)
            merge(key, **{name: product["count"]})
    return [row for row in rows.values() if not row.is_empty()]


def _registry_rows(today: date):
    """Registry entries current ``today``, counted by their own columns."""
    matched = RegistryEntry.MatchStatus.MATCHED
    live_ids = Product.objects.live().values("pk")
    on_sale_ids = Product.objects.live().in_stock().values("pk")
    return (
        RegistryEntry.objects.filter(issued_on__lte=today, expires_on__gte=today)
        .annotate(
            seller_kind=Case(
                When(match_status=matched, then=F("certificate__product__seller__kind")),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .values(*KEY_FIELDS)
        .annotate(
            current=Count("pk"),
            listed=Count("pk", filter=_matched_to(live_ids)),
            on_sale=Count("pk", filter=_matched_to(on_sale_ids)),
        )
        .order_by()
    )


def _matched_to(product_ids) -> Q:
    return Q(
        match_status=RegistryEntry.MatchStatus.MATCHED, certificate__product_id__in=product_ids
    )


def _product_rows(products, today: date):
    """``products`` counted by their seller's address and kind and current certificate."""
    return (
        with_certificate_columns(products, today=today)
        .values(
            ward=Coalesce(F("seller__address__ward"), Value("")),
            former_district=Coalesce(F("seller__address__former_district"), Value("")),
            product_group=Coalesce(F("ocop_group"), Value("")),
            stars=F("ocop_stars"),
            seller_kind=F("seller__kind"),
        )
        .annotate(count=Count("pk"))
        .order_by()
    )


def recorded_stock_rows(month: date) -> list[StockRow]:
    """The rows the nightly record kept for ``month`` (its first day); empty if none."""
    values = MonthlyFigures.objects.filter(month=month).values(*KEY_FIELDS, *COUNT_FIELDS)
    return [StockRow(**row) for row in values]


def rows_matching(rows: Iterable[StockRow], filters: Filters) -> list[StockRow]:
    """The rows a dashboard's filters keep (blank filters keep all)."""
    wanted = {
        name: getattr(filters, name)
        for name in KEY_FIELDS
        if getattr(filters, name) not in ("", None)
    }
    return [
        row for row in rows if all(getattr(row, name) == value for name, value in wanted.items())
    ]


def filters_condition(filters: Filters) -> Q:
    """The same narrowing as ``rows_matching``, on ``MonthlyFigures`` in SQL."""
    return Q(
        **{
            name: getattr(filters, name)
            for name in KEY_FIELDS
            if getattr(filters, name) not in ("", None)
        }
    )
