"""The monthly trend and the table by ward: a fixed number of grouped queries each, however
many months or wards they show (months grouped in local time, wards by the seller's or
the entry's own ward)."""

from collections import defaultdict
from datetime import date

from django.db.models import Sum

from province.figures import Filters, MonthFigures, Period, Share, WardRow
from province.models import MonthlyFigures
from province.selectors.figures import PAID_STATUSES, cashless_shares, is_live_month, target
from province.selectors.sales import SalesRow, paid_by_method, sales_rows
from province.selectors.stock import (
    StockRow,
    add_rows,
    filters_condition,
    live_stock_rows,
    rows_matching,
)


def _stock_shares(total: StockRow) -> tuple[Share, Share]:
    return (
        Share(total.registry_on_sale, total.registry_current, target("ocop_on_sale")),
        Share(total.origin_verified, total.agricultural_published, target("origin_verified")),
    )


def month_figures(
    period: Period,
    filters: Filters,
    *,
    today: date,
    live_stock: list[StockRow] | None = None,
    sales: list[SalesRow] | None = None,
) -> list[MonthFigures]:
    """One ``MonthFigures`` per month of the period, oldest first.

    Stock shares of a past month come from its record (None when none was kept), of the
    current month from today's rows (``live_stock`` when the caller has them), of a later
    month None. Cashless shares are of the orders placed in each month (of the period's
    days), grouped by month in local time (``sales_rows``, or ``sales`` when the caller has
    them). At most three queries (none for the sales given), three more when today's rows
    must be read.
    """
    months = period.months()
    past = [month for month in months if not is_live_month(month, today)]
    recorded: dict[date, StockRow] = {}
    if past:
        condition = filters_condition(filters)
        sums = {
            name: Sum(name, filter=condition, default=0)
            for name in (
                "registry_current",
                "registry_listed",
                "registry_on_sale",
                "agricultural_published",
                "origin_verified",
            )
        }
        for row in (
            MonthlyFigures.objects.filter(month__in=past).values("month").annotate(**sums)
        ).order_by():
            month = row.pop("month")
            recorded[month] = StockRow(**row)
    this_month = today.replace(day=1)
    if this_month in months:
        if live_stock is None:
            live_stock = live_stock_rows(today=today)
        recorded[this_month] = add_rows(rows_matching(live_stock, filters))

    rows = sales_rows(period, filters, today=today) if sales is None else sales
    by_month: dict[date, list[SalesRow]] = defaultdict(list)
    for row in rows:
        by_month[row.month].append(row)

    trend = []
    for month in months:
        stock = recorded.get(month)
        on_sale, verified = _stock_shares(stock) if stock is not None else (None, None)
        count_share, value_share = cashless_shares(paid_by_method(by_month.get(month, [])))
        trend.append(
            MonthFigures(
                month=month,
                on_sale_share=on_sale,
                verified_share=verified,
                cashless_count_share=count_share,
                cashless_value_share=value_share,
            )
        )
    return trend


def ward_rows(
    period: Period,
    filters: Filters,
    *,
    today: date,
    stock: list[StockRow],
    sellers: list[tuple[str, str, str, int, int]],
    sales: list[SalesRow] | None = None,
) -> list[WardRow]:
    """One row per ward seen among sellers, registry entries, products and paid parts;
    no query beside the rows given (``sales``, else ``sales_rows``'). Sellers, products and
    sales are by the seller's address, registry entries by their own ward; a blank ward
    (a seller without an address) is a row of its own, last."""
    districts: dict[str, str] = {}
    active: dict[str, int] = defaultdict(int)
    for _kind, ward, district, count, _without in sellers:
        ward = ward or ""
        active[ward] += count
        districts.setdefault(ward, district or "")
    by_ward: dict[str, list[StockRow]] = defaultdict(list)
    for row in rows_matching(stock, filters):
        by_ward[row.ward].append(row)
        if row.former_district and not districts.get(row.ward):
            districts[row.ward] = row.former_district
    # The ward table shows paid orders and the cashless share of their count: no values.
    paid: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in sales_rows(period, filters, today=today) if sales is None else sales:
        if row.payment_status in PAID_STATUSES:
            for ward, orders in row.orders_by_ward.items():
                counted, _ = paid[ward].get(row.method, (0, 0))
                paid[ward][row.method] = (counted + orders, 0)

    wards = sorted(set(active) | set(by_ward) | set(paid), key=lambda ward: (ward == "", ward))
    rows = []
    for ward in wards:
        total = add_rows(by_ward.get(ward, []))
        on_sale, verified = _stock_shares(total)
        count_share, _value_share = cashless_shares(paid.get(ward, {}))
        rows.append(
            WardRow(
                ward=ward,
                former_district=districts.get(ward, ""),
                active_sellers=active.get(ward, 0),
                in_registry=total.registry_current,
                on_sale=total.registry_on_sale,
                on_sale_share=on_sale,
                verified_share=verified,
                paid_orders=count_share.whole,
                cashless_count_share=count_share,
            )
        )
    return rows
