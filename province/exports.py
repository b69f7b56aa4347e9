"""The dashboard's monthly figures as files, CSV and XLSX, from one table definition.

One row per month of the period, one column per figure (each share as its part, its whole
and the percentage): the shape of the table a report shows, so that a civil servant
pastes it whole, and a script reads one line per month. A month without a record of the
stock figures (on sale, verified origin) has those cells empty, never 0; a share of
nothing has an empty percentage.

Headers are in the request's language. Money is whole VND; shares are a percentage with
one decimal in CSV (a dot, machine-readable) and a real ratio with a percent format in
XLSX. The CSV is UTF-8 with a byte order mark so that Excel reads the Vietnamese; its text
cells, like the XLSX's, are neutralised against formula injection by ``traceability.exports``'
writers (``csv_text``, ``xlsx_value``), the project's one rule for it. The XLSX adds a sheet
saying what the table is about: the period, the filters, when it was computed.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from province.figures import Dashboard, MonthFigures
from province.forms import PRODUCT_GROUP_LABELS, SELLER_KIND_LABELS, label_of
from traceability.exports import csv_text, xlsx_value

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
MONTH_FORMAT = "mm/yyyy"
DATE_FORMAT = "dd/mm/yyyy"
TIME_FORMAT = "dd/mm/yyyy hh:mm:ss"


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translation, read in the request's language
    read: Callable[[MonthFigures], Any]  # a Python value: int, a ratio, None, text
    kind: str = "count"  # count, share (a ratio 0 to 1), money, month
    width: int = 16


def _part(name: str):
    return lambda month: None if (share := getattr(month, name)) is None else share.part


def _whole(name: str):
    return lambda month: None if (share := getattr(month, name)) is None else share.whole


def _ratio(name: str):
    return lambda month: None if (share := getattr(month, name)) is None else share.ratio


COLUMNS = (
    Column(gettext_lazy("Month"), lambda month: month.month, kind="month", width=10),
    Column(gettext_lazy("OCOP products on sale"), _part("on_sale_share")),
    Column(gettext_lazy("OCOP products in the registry"), _whole("on_sale_share")),
    Column(gettext_lazy("Share on sale (%)"), _ratio("on_sale_share"), kind="share"),
    Column(gettext_lazy("Products of verified origin"), _part("verified_share")),
    Column(gettext_lazy("Agricultural products published"), _whole("verified_share")),
    Column(gettext_lazy("Verified origin share (%)"), _ratio("verified_share"), kind="share"),
    Column(gettext_lazy("Orders paid cashless"), _part("cashless_count_share")),
    Column(gettext_lazy("Paid orders"), _whole("cashless_count_share")),
    Column(
        gettext_lazy("Cashless share of orders (%)"), _ratio("cashless_count_share"), kind="share"
    ),
    Column(
        gettext_lazy("Value paid cashless (VND)"),
        _part("cashless_value_share"),
        kind="money",
        width=20,
    ),
    Column(
        gettext_lazy("Value of paid orders (VND)"),
        _whole("cashless_value_share"),
        kind="money",
        width=20,
    ),
    Column(
        gettext_lazy("Cashless share of value (%)"), _ratio("cashless_value_share"), kind="share"
    ),
)


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def month_rows(dashboard: Dashboard) -> Iterator[list]:
    """A row of Python values per month of the trend, oldest first."""
    for month in dashboard.trend:
        yield [column.read(month) for column in COLUMNS]


def percentage(ratio: float | None) -> Decimal | None:
    """A ratio as a percentage with one decimal, rounded half up (0.4567 → 45.7)."""
    if ratio is None:
        return None
    return (Decimal(str(ratio)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _csv_value(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "month":
        return f"{value:%Y-%m}"
    if column.kind == "share":
        return csv_text(percentage(value))
    return csv_text(value)


def filename(dashboard: Dashboard, extension: str) -> str:
    """``so-lieu-ocop-<first month>-<last month>.<extension>``."""
    period = dashboard.period
    return f"so-lieu-ocop-{period.start:%Y%m}-{period.end:%Y%m}.{extension}"


class _Echo:
    """A file that hands back what is written, so ``csv.writer`` returns each line."""

    def write(self, value: str) -> str:
        return value


def csv_text_of(dashboard: Dashboard) -> str:
    """The CSV (RFC 4180, CRLF): a byte order mark, the header row, a row per month.

    At most a few dozen rows (the form caps a period), so it is built whole."""
    writer = csv.writer(_Echo())
    lines = ["\ufeff", writer.writerow([csv_text(header) for header in headers()])]
    for row in month_rows(dashboard):
        lines.append(
            writer.writerow(
                [_csv_value(value, column) for value, column in zip(row, COLUMNS, strict=True)]
            )
        )
    return "".join(lines)


_XLSX_FORMATS = {
    "count": COUNT_FORMAT,
    "money": COUNT_FORMAT,
    "share": SHARE_FORMAT,
    "month": MONTH_FORMAT,
}


def _cell(sheet, value, *, bold: bool = False, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=xlsx_value(value))
    if bold:
        cell.font = Font(bold=True)
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _xlsx_share(value: float | None) -> Decimal | None:
    # Rounded to the shown precision's ten thousandths: the cell holds a ratio, not a float
    # whose last digits differ between two readers.
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _about_rows(dashboard: Dashboard) -> list[tuple[str, Any, str | None]]:
    filters = dashboard.filters
    everything = _("All")
    return [
        (_("From"), dashboard.period.start, DATE_FORMAT),
        (_("To"), dashboard.period.end, DATE_FORMAT),
        (_("Ward or commune"), filters.ward or everything, None),
        (_("Former district"), filters.former_district or everything, None),
        (
            _("Product group"),
            label_of(PRODUCT_GROUP_LABELS, filters.product_group)
            if filters.product_group
            else everything,
            None,
        ),
        (_("Stars"), filters.stars if filters.stars is not None else everything, None),
        (
            _("Seller kind"),
            label_of(SELLER_KIND_LABELS, filters.seller_kind)
            if filters.seller_kind
            else everything,
            None,
        ),
        (_("Time zone"), "Asia/Ho_Chi_Minh (UTC+07:00)", None),
        (_("Computed at"), dashboard.computed_at, TIME_FORMAT),
    ]


def xlsx_write(dashboard: Dashboard, file: IO[bytes]) -> None:
    """The workbook in ``file``: the monthly table first, then what it is about."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Monthly figures")[:31])
    sheet.freeze_panes = "B2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([_cell(sheet, header, bold=True) for header in headers()])
    for row in month_rows(dashboard):
        sheet.append(
            [
                _cell(
                    sheet,
                    _xlsx_share(value) if column.kind == "share" else value,
                    number_format=_XLSX_FORMATS[column.kind],
                )
                for value, column in zip(row, COLUMNS, strict=True)
            ]
        )
    about = workbook.create_sheet(_("About")[:31])
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 40
    for label, value, number_format in _about_rows(dashboard):
        about.append(
            [_cell(about, label, bold=True), _cell(about, value, number_format=number_format)]
        )
    workbook.save(file)
