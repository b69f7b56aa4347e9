"""Reading the department's OCOP registry spreadsheet (CSV or XLSX) into clean rows.

The file is read here, with its guards: a size cap and a row cap (settings
``PROVINCE_REGISTRY_MAX_BYTES``, ``PROVINCE_REGISTRY_MAX_ROWS``), the file's kind told from
its bytes (an XLSX is a ZIP, checked against a decompression bomb before openpyxl opens
it; an old ``.xls`` or anything binary is refused), CSV only in UTF-8 (with or without the
BOM Excel writes). Headers are the department's Vietnamese ones or English aliases, matched
folded ("Số giấy chứng nhận", "so giay chung nhan" and "Certificate number" are one
column); unknown columns (``STT``) are ignored.

Every text cell goes through the project's hygiene (``market.core.text``): line breaks
and tabs inside a cell become spaces, other control characters are dropped, the rest is
NFC and trimmed, and a bidi override is refused. A cell that a spreadsheet would read as a
formula (``=``, ``+``, ``-``, ``@`` first) is refused too, so what is stored can be
exported again without a formula in it. Problems found here are row errors, reported with
those of ``province.registry_resource`` (which turns cells into values).

This module is pure: no database. ``province.services.registry`` runs the import.
"""

import csv
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.core.errors import DomainError
from market.core.folding import fold
from market.core.text import clean_text

# An XLSX holds its sheets compressed; more than this many bytes unpacked is no registry.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Column:
    field: str
    # The department's own heading, named in messages as it is (not translated: it is
    # what the spreadsheet says).
    header: str
    aliases: tuple[str, ...]
    required: bool = True


COLUMNS = (
    Column(
        "certificate_number",
        "Số giấy chứng nhận",
        ("so gcn", "so chung nhan", "so giay cn", "certificate number", "certificate no"),
    ),
    Column("product_name", "Tên sản phẩm", ("san pham", "product", "product name")),
    Column(
        "producer_name",
        "Chủ thể",
        ("chu the san xuat", "chu the ocop", "producer", "producer name", "owner"),
    ),
    Column("stars", "Hạng sao", ("so sao", "xep hang", "stars", "star rating")),
    Column(
        "product_group",
        "Nhóm sản phẩm",
        ("nhom", "nhom nganh", "group", "product group"),
    ),
    Column(
        "issuing_decision",
        "Quyết định",
        ("so quyet dinh", "quyet dinh cong nhan", "decision", "issuing decision"),
    ),
    Column(
        "issued_on",
        "Ngày cấp",
        ("ngay cong nhan", "ngay quyet dinh", "issued on", "issue date", "date issued"),
    ),
    Column(
        "expires_on",
        "Ngày hết hạn",
        ("han su dung", "hieu luc den", "expires on", "expiry date"),
        required=False,
    ),
    Column(
        "ward",
        "Xã/phường",
        ("xa phuong", "phuong xa", "xa", "phuong", "ward", "commune"),
        required=False,
    ),
    Column(
        "former_district",
        "Huyện (cũ)",
        ("huyen cu", "huyen", "former district", "district"),
        required=False,
    ),
)
COLUMN_OF_FIELD = {column.field: column for column in COLUMNS}
COLUMN_ORDER = {column.field: position for position, column in enumerate(COLUMNS)}


def _header_key(text: str) -> str:
    """A heading as compared: folded, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", fold(str(text)))


_FIELD_OF_HEADER = {
    _header_key(name): column.field
    for column in COLUMNS
    for name in (str(column.header), column.field, *column.aliases)
}


class RegistryFileRefused(DomainError):
    """The file as a whole cannot be read as a registry: nothing is imported or recorded."""

    field = "file"


@dataclass
class RowError:
    row: int  # the spreadsheet's own row number (the header is row 1 when it is first)
    field: str | None
    code: str
    message: str

    def as_dict(self) -> dict:
        column = COLUMN_OF_FIELD.get(self.field)
        return {
            "row": self.row,
            "field": self.field,
            "column": str(column.header) if column else None,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class Sheet:
    file_format: str  # "csv" or "xlsx"
    # (spreadsheet row number, {field: cleaned value}) of each non-blank data row.
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    fields: tuple[str, ...] = ()
    header_row: int = 1


def max_bytes() -> int:
    return settings.PROVINCE_REGISTRY_MAX_BYTES


def refuse_oversized(size: int | None) -> None:
    if size is not None and size > max_bytes():
        raise RegistryFileRefused(
            _("The file is %(size)d bytes; at most %(limit)d are accepted.")
            % {"size": size, "limit": max_bytes()},
            code="FILE_TOO_LARGE",
        )


def read_sheet(content: bytes) -> Sheet:
    """The registry in ``content``, rows cleaned; ``RegistryFileRefused`` when it is not one."""
    refuse_oversized(len(content))
    if not content.strip():
        raise RegistryFileRefused(_("The file is empty."), code="EMPTY_FILE")
    if content.startswith(ZIP_MAGIC):
        return _sheet("xlsx", _xlsx_rows(content))
    if content.startswith(OLE2_MAGIC):
        raise RegistryFileRefused(
            _("This is an old Excel (.xls) file; save it as .xlsx or CSV UTF-8 and try again."),
            code="UNSUPPORTED_FILE",
        )
    return _sheet("csv", _csv_rows(content))


def _not_a_spreadsheet() -> RegistryFileRefused:
    return RegistryFileRefused(
        _("The file is neither a CSV nor an XLSX spreadsheet."), code="UNSUPPORTED_FILE"
    )


def _csv_rows(content: bytes):
    if b"\x00" in content:
        raise _not_a_spreadsheet()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegistryFileRefused(
            _("The CSV file is not UTF-8 text; save it as “CSV UTF-8” and try again."),
            code="INVALID_ENCODING",
        ) from None
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        # A record is a spreadsheet's row, even with line breaks inside its cells.
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise RegistryFileRefused(
            _("The CSV file is malformed near line %(line)d.") % {"line": reader.line_num},
            code="CORRUPT_FILE",
        ) from error


def _corrupt_xlsx() -> RegistryFileRefused:
    return RegistryFileRefused(
        _("The XLSX file is damaged or not a workbook; open it in Excel and save it again."),
        code="CORRUPT_FILE",
    )


def _xlsx_rows(content: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _corrupt_xlsx() from None
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise _corrupt_xlsx()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean the same here
        raise _corrupt_xlsx() from None
    try:
        sheet = workbook.active
        if sheet is None:
            raise _corrupt_xlsx()
        # Read-only sheets yield every row from the first, blank ones included, so the
        # count is the sheet's own row number even when the table starts lower.
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    except RegistryFileRefused:
        raise
    except Exception:
        raise _corrupt_xlsx() from None
    finally:
        workbook.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# The heading row is the first with this many known headings among the first rows (a
# title such as "DANH SÁCH SẢN PHẨM OCOP" often stands above the table).
HEADING_MIN_KNOWN = 3
HEADING_SEARCH_ROWS = 20


def _known_columns(cells) -> list[str | None]:
    return [_FIELD_OF_HEADER.get(_header_key(value or "")) for value in cells]


def _heading(leading: list[tuple[int, list]]) -> tuple[int, list[str | None], list]:
    """The heading row's number and columns, and the rows after it, among ``leading``."""
    for position, (number, cells) in enumerate(leading):
        columns = _known_columns(cells)
        if sum(1 for name in columns if name) >= HEADING_MIN_KNOWN:
            return number, columns, leading[position + 1 :]
    # No row looks like a heading: the first one is taken, to say which columns are missing.
    number, cells = leading[0]
    return number, _known_columns(cells), leading[1:]


def _sheet(file_format: str, numbered_rows) -> Sheet:
    sheet = Sheet(file_format=file_format)
    limit = settings.PROVINCE_REGISTRY_MAX_ROWS
    filled = ((number, cells) for number, cells in numbered_rows if not all(map(_blank, cells)))
    leading = []
    for item in filled:
        leading.append(item)
        if len(leading) == HEADING_SEARCH_ROWS:
            break
    if not leading:
        raise RegistryFileRefused(_("The file is empty."), code="EMPTY_FILE")
    sheet.header_row, columns, first_rows = _heading(leading)
    for number, cells in itertools.chain(first_rows, filled):
        if len(sheet.rows) >= limit:
            raise RegistryFileRefused(
                _("The file holds more than %(limit)d rows; split it and import each part.")
                % {"limit": limit},
                code="TOO_MANY_ROWS",
            )
        values = {}
        for position, name in enumerate(columns):
            if name is None or name in values:
                continue
            raw = cells[position] if position < len(cells) else None
            values[name] = _cleaned_cell(raw, number, name, sheet.errors)
        sheet.rows.append((number, values))
    sheet.fields = tuple(dict.fromkeys(name for name in columns if name))
    for column in COLUMNS:
        if column.required and column.field not in sheet.fields:
            sheet.errors.append(
                RowError(
                    row=sheet.header_row,
                    field=column.field,
                    code="MISSING_COLUMN",
                    message=_("The column “%(column)s” is missing.") % {"column": column.header},
                )
            )
    return sheet


_INNER_WHITESPACE = re.compile(r"\s+")


def clean_cell_text(value: str) -> str:
    """A text cell as stored: one space for each run of whitespace (line breaks in a cell
    included), other control characters dropped, then ``market.core.text.clean_text``
    (NFC, trimmed; a bidi override raises its ``ValidationError``)."""
    value = _INNER_WHITESPACE.sub(" ", value)
    value = "".join(
        character for character in value if unicodedata.category(character) not in ("Cc", "Cs")
    )
    return clean_text(value)


def _cleaned_cell(raw, row: int, name: str, errors: list[RowError]):
    if not isinstance(raw, str):
        return raw
    try:
        value = clean_cell_text(raw)
    except ValidationError as error:
        errors.append(RowError(row, name, "INVALID_TEXT", error.messages[0]))
        return None
    if len(value) > 1 and value.startswith(FORMULA_STARTS):
        errors.append(
            RowError(
                row,
                name,
                "FORMULA",
                _("The cell starts with “%(character)s”, which spreadsheets read as a formula.")
                % {"character": value[0]},
            )
        )
        return None
    return value


def normalised_certificate_number(value: str) -> str:
    """A certificate number as compared and stored: NFC, no whitespace, upper case, so
    "demo-ocop-nt 2024-0101" and "DEMO-OCOP-NT2024-0101" are one number."""
    return _INNER_WHITESPACE.sub("", unicodedata.normalize("NFC", value)).upper()
