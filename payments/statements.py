"""A seller's statement for a period as files: CSV and XLSX from one table definition.

The figures are ``payments.ledger``'s (``Statement.every_line`` and ``totals``), the
rows and the function the GraphQL query reads too, so the three cannot disagree. The
headers are Vietnamese (the files are data for the sellers and the department, whatever
the language of the request), money is whole VND as integers, times are Vietnam time
(``+07:00`` in CSV, a local date-time cell in XLSX, which has no time zones). The last
row holds the totals. Text cells are neutralised against spreadsheet formula injection by
``traceability.exports``' writers (a seller's name is the seller's own text).

The CSV is the table alone (one header row, a row per seller order, the totals), so that
a spreadsheet or a script reads it as it is; the XLSX adds a sheet naming the seller, the
period and the commission rate.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from market.orders.models import SellerOrder
from market.sellers.models import Seller
from payments.ledger import BASIS_POINTS, VIETNAM, Line, Statement
from traceability.exports import csv_text, xlsx_value

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOTALS_LABEL = "Tổng cộng"
LINES_SHEET = "Sao kê"
ABOUT_SHEET = "Thông tin"
MONEY_FORMAT = "#,##0"
TIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
DATE_FORMAT = "dd/mm/yyyy"
ROWS_PER_WRITE = 200


@dataclass(frozen=True)
class Column:
    header: str
    read: Callable[[Line], Any]
    number_format: str | None = None
    # The ``payments.ledger.Totals`` field summing this column, for a money column.
    total: str | None = None
    width: int = 18


def _money(figure: str, header: str) -> Column:
    return Column(
        header,
        lambda line: getattr(line, figure),
        total=figure,
        number_format=MONEY_FORMAT,
    )


COLUMNS = (
    Column("Mã đơn người bán", lambda line: line.seller_order.number, width=22),
    Column("Mã đơn hàng", lambda line: line.seller_order.order.number, width=20),
    Column("Thời điểm thanh toán", lambda line: line.paid_at, TIME_FORMAT, width=22),
    Column("Hình thức thanh toán", lambda line: line.seller_order.order.payment_method),
    Column("Trạng thái", lambda line: SellerOrder.Status(line.seller_order.status).label),
    _money("goods", "Tiền hàng (VND)"),
    _money("shipping", "Phí vận chuyển (VND)"),
    _money("paid", "Đã thanh toán (VND)"),
    _money("refunded", "Hoàn tiền (VND)"),
    _money("commission", "Hoa hồng sàn (VND)"),
    _money("owed", "Phải trả người bán (VND)"),
    _money("cash", "Tiền mặt người bán đã thu (VND)"),
    _money("payout", "Sàn chuyển cho người bán (VND)"),
)
HEADERS = [column.header for column in COLUMNS]


def line_rows(statement: Statement) -> Iterator[list]:
    """A row of Python values per line of the statement."""
    for line in statement.every_line:
        yield [column.read(line) for column in COLUMNS]


def totals_row(statement: Statement) -> list:
    """The last row: its label, then the total of each money column."""
    totals = statement.totals
    return [
        TOTALS_LABEL if index == 0 else (getattr(totals, column.total) if column.total else None)
        for index, column in enumerate(COLUMNS)
    ]


def filename(statement: Statement, extension: str) -> str:
    """``sao-ke-<seller slug>-<first day>-<last day>.<extension>``: a statement's file."""
    first, last = statement.period.first, statement.period.last
    return f"sao-ke-{statement.seller.slug}-{first:%Y%m%d}-{last:%Y%m%d}.{extension}"


class _Echo:
    """A file that hands back what is written, so ``csv.writer`` can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(statement: Statement) -> Iterator[str]:
    """The CSV (RFC 4180, CRLF) in chunks, after a UTF-8 byte order mark so that Excel
    reads the Vietnamese as UTF-8."""
    writer = csv.writer(_Echo())
    chunk = ["\ufeff", writer.writerow(HEADERS)]
    for row in line_rows(statement):
        chunk.append(writer.writerow([csv_text(value) for value in row]))
        if len(chunk) >= ROWS_PER_WRITE:
            yield "".join(chunk)
            chunk = []
    chunk.append(writer.writerow([csv_text(value) for value in totals_row(statement)]))
    yield "".join(chunk)


def _cell(sheet, value, *, bold: bool = False, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=xlsx_value(value))
    if bold:
        cell.font = Font(bold=True)
    if number_format:
        cell.number_format = number_format
    return cell


def _about_rows(statement: Statement) -> list[tuple[str, Any, str | None]]:
    seller = statement.seller
    rate = statement.commission_rate
    return [
        ("Người bán", seller.name, None),
        ("Mã số thuế", seller.tax_code, None),
        ("Loại người bán", Seller.Kind(seller.kind).label, None),
        ("Từ ngày", statement.period.first, DATE_FORMAT),
        ("Đến ngày", statement.period.last, DATE_FORMAT),
        ("Tỷ lệ hoa hồng (điểm cơ bản)", rate, None),
        ("Tỷ lệ hoa hồng", Decimal(rate) / BASIS_POINTS, "0.00%"),
        ("Múi giờ", "Asia/Ho_Chi_Minh (UTC+07:00)", None),
        ("Lập lúc", timezone.now().astimezone(VIETNAM), TIME_FORMAT),
    ]


def xlsx_write(statement: Statement, file: IO[bytes]) -> None:
    """The workbook in ``file``: the table on its first sheet, what it is about on the
    second. Write-only mode streams the rows to ``file`` as they come."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(LINES_SHEET)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([_cell(sheet, header, bold=True) for header in HEADERS])
    for row in line_rows(statement):
        sheet.append(
            [
                _cell(sheet, value, number_format=column.number_format)
                for value, column in zip(row, COLUMNS, strict=True)
            ]
        )
    sheet.append(
        [
            _cell(sheet, value, bold=True, number_format=column.number_format)
            for value, column in zip(totals_row(statement), COLUMNS, strict=True)
        ]
    )
    about = workbook.create_sheet(ABOUT_SHEET)
    about.column_dimensions["A"].width = 30
    about.column_dimensions["B"].width = 40
    for label, value, fmt in _about_rows(statement):
        about.append([_cell(about, label, bold=True), _cell(about, value, number_format=fmt)])
    workbook.save(file)
