"""The shapes of the dashboard's figures: what selectors return and the page, GraphQL and
exports show. Plain frozen dataclasses, so each reader formats the same numbers.

A ``Share`` keeps its part and whole, never only the ratio: a share of nothing is
"no figure" (``ratio`` is None), not 0 %, and a reader can show "12 / 40".
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    """Whole local days (Asia/Ho_Chi_Minh), both ends included."""

    start: date
    end: date

    def months(self) -> list[date]:
        """The first day of each month the period touches, oldest first."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = date.fromordinal(month_end(month).toordinal() + 1)
        return months


@dataclass(frozen=True)
class Filters:
    """Blank (or None) is "all". ``ward`` is a ward or commune after the 2025 reform;
    ``former_district`` one of the districts older records and reports use."""

    ward: str = ""
    former_district: str = ""
    product_group: str = ""
    stars: int | None = None
    seller_kind: str = ""


@dataclass(frozen=True)
class Share:
    part: int
    whole: int
    target: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio >= self.target


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class OcopGroupCount:
    """One star level ("3", "4", "5") or product group of the registry."""

    key: str
    in_registry: int
    listed: int
    on_sale: int


@dataclass(frozen=True)
class OcopFigures:
    in_registry: int
    listed: int
    on_sale: int
    on_sale_share: Share
    by_stars: list[OcopGroupCount]
    by_group: list[OcopGroupCount]
    expiring_soon: int  # registry certificates expiring in the next 90 days
    unmatched: int  # registry entries not (yet) matched to a marketplace certificate


@dataclass(frozen=True)
class TraceabilityFigures:
    agricultural_published: int
    origin_verified: int
    verified_share: Share
    areas_by_status: list[Count]
    lots_with_open_violations: int
    areas_suspended_in_period: int


@dataclass(frozen=True)
class SalesByKey:
    key: str
    orders: int
    value: int  # whole VND


@dataclass(frozen=True)
class SalesFigures:
    orders: int
    value: int
    by_seller_kind: list[SalesByKey]
    paid_orders: int
    paid_value: int
    cashless_count_share: Share
    cashless_value_share: Share
    by_method: list[SalesByKey]  # vnpay, momo, vietqr, card, cod
    refunds: int
    refunded_value: int


@dataclass(frozen=True)
class SellerFigures:
    active: int
    active_by_kind: list[Count]
    active_by_ward: list[Count]
    without_product_on_sale: int


@dataclass(frozen=True)
class MonthFigures:
    """One month of the trend. A stock share is None for a month with no record."""

    month: date
    on_sale_share: Share | None
    verified_share: Share | None
    cashless_count_share: Share
    cashless_value_share: Share


@dataclass(frozen=True)
class WardRow:
    ward: str
    former_district: str
    active_sellers: int
    in_registry: int
    on_sale: int
    on_sale_share: Share
    verified_share: Share
    paid_orders: int
    cashless_count_share: Share


@dataclass(frozen=True)
class Dashboard:
    period: Period
    filters: Filters
    computed_at: datetime
    ocop: OcopFigures
    traceability: TraceabilityFigures
    sales: SalesFigures
    sellers: SellerFigures
    trend: list[MonthFigures] = field(default_factory=list)
    wards: list[WardRow] = field(default_factory=list)
