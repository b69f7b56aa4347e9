"""QR codes of lots and printable A4 sheets of labels, from plain data.

The QR code holds the lot's GS1 Digital Link (or its page on the resolver when it has no
GTIN); segno makes it. The sheet is made by fpdf2 with DejaVu Sans embedded (vendored in
``traceability/fonts`` with its licence), which has every Vietnamese letter precomposed,
so names print with their diacritics on any machine.
"""

import datetime
import io
import logging
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import segno
from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF

# fontTools logs every step of subsetting the font at INFO, a screenful per sheet.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR_FONT = FONTS / "DejaVuSans.ttf"
BOLD_FONT = FONTS / "DejaVuSans-Bold.ttf"
_FAMILY = "DejaVuSans"

# Medium error correction (15 %) survives a label that is a little scuffed; segno raises
# it further when the data leaves room in the same symbol size.
QR_ERROR_LEVEL = "m"
# The quiet zone the QR specification asks for, in modules.
QR_BORDER = 4
MAX_STARS = 5

A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0
PAGE_MARGIN_MM = 6.0
LABEL_PADDING_MM = 3.0
LABEL_FIELDS = ("product_name", "seller_name", "lot_code", "harvest_date", "ocop_stars", "uri")


def _qr(uri: str) -> segno.QRCode:
    if not isinstance(uri, str) or not uri:
        raise ValueError("A QR code needs the URI it holds.")
    return segno.make(uri, error=QR_ERROR_LEVEL, micro=False)


def qr_png(uri: str, *, scale: int = 8, border: int = QR_BORDER) -> bytes:
    """A PNG of the QR code of ``uri``, ``scale`` pixels per module, black on white."""
    buffer = io.BytesIO()
    _qr(uri).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(uri: str, *, scale: int = 4, border: int = QR_BORDER) -> str:
    """An SVG document of the QR code of ``uri``, ``scale`` user units per module."""
    buffer = io.BytesIO()
    _qr(uri).save(buffer, kind="svg", scale=scale, border=border)
    return buffer.getvalue().decode("utf-8")


def _text(value: Any) -> str:
    # Precomposed letters (NFC) are the glyphs the font has: "ạ", not "a" + U+0323.
    return unicodedata.normalize("NFC", str(value)).strip()


def _label(data: Mapping[str, Any], position: int) -> dict[str, Any]:
    missing = [name for name in LABEL_FIELDS if name not in data]
    if missing:
        raise ValueError(f"Label {position} lacks {', '.join(missing)}.")
    stars = data["ocop_stars"]
    if isinstance(stars, bool) or not isinstance(stars, int) or not 0 <= stars <= MAX_STARS:
        raise ValueError(f"Label {position}: OCOP stars are a whole number from 0 to 5.")
    harvest_date = data["harvest_date"]
    if isinstance(harvest_date, datetime.datetime) or not isinstance(
        harvest_date, datetime.date | None
    ):
        raise ValueError(f"Label {position}: the harvest date is a date (or None).")
    return {**data, "ocop_stars": stars}


class _Sheet(FPDF):
    def __init__(self):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(auto=False)
        self.set_margins(0, 0, 0)
        self.add_font(_FAMILY, "", str(REGULAR_FONT))
        self.add_font(_FAMILY, "B", str(BOLD_FONT))
        self.set_creator("Sàn OCOP Ninh Thuận")

    def fitted_lines(self, text: str, width: float, line_height: float, limit: int) -> list[str]:
        """``text`` wrapped to ``width``, at most ``limit`` lines, the last cut with "…"."""
        lines = self.multi_cell(width, line_height, text, dry_run=True, output="LINES")
        if len(lines) <= limit:
            return lines
        kept = lines[:limit]
        last = kept[-1]
        while last and self.get_string_width(last + "…") > width:
            last = last[:-1]
        kept[-1] = last.rstrip() + "…"
        return kept


def _draw_label(
    sheet: _Sheet, label: dict[str, Any], x: float, y: float, width: float, height: float
) -> None:
    sheet.set_draw_color(190, 190, 190)
    sheet.set_line_width(0.2)
    sheet.rect(x, y, width, height)
    inner_height = height - 2 * LABEL_PADDING_MM
    qr_size = min(inner_height, width * 0.42)
    qr_top = y + (height - qr_size) / 2
    sheet.image(io.BytesIO(qr_png(label["uri"])), x + LABEL_PADDING_MM, qr_top, qr_size, qr_size)

    left = x + 2 * LABEL_PADDING_MM + qr_size
    text_width = x + width - LABEL_PADDING_MM - left
    top = y + LABEL_PADDING_MM
    bottom = y + height - LABEL_PADDING_MM

    def line(text: str, size: float, style: str = "", limit: int = 1) -> None:
        nonlocal top
        line_height = size * 0.42
        sheet.set_font(_FAMILY, style, size)
        for part in sheet.fitted_lines(text, text_width, line_height, limit):
            if top + line_height > bottom:
                return
            sheet.set_xy(left, top)
            sheet.cell(text_width, line_height, part)
            top += line_height

    sheet.set_text_color(0, 0, 0)
    line(_text(label["product_name"]), 10.5, "B", limit=3)
    line(_text(label["seller_name"]), 7.5, limit=2)
    top += 1.0
    line(_("Lot: %(code)s") % {"code": _text(label["lot_code"])}, 8.5, "B")
    if label["harvest_date"] is not None:
        harvested = formats.date_format(label["harvest_date"], "SHORT_DATE_FORMAT")
        line(_("Harvested: %(date)s") % {"date": harvested}, 8)
    stars = label["ocop_stars"]
    if stars:
        line(_("OCOP %(stars)s") % {"stars": "★" * stars + "☆" * (MAX_STARS - stars)}, 9)
    sheet.set_text_color(90, 90, 90)
    line(_("Scan the code to see where it grew."), 6.5, limit=2)


def labels_pdf(
    labels: Iterable[Mapping[str, Any]],
    *,
    columns: int = 2,
    rows: int = 5,
    title: str = "",
) -> bytes:
    """An A4 PDF of labels, ``columns`` by ``rows`` to a page, in reading order.

    Each label is a mapping with ``product_name``, ``seller_name``, ``lot_code``,
    ``harvest_date`` (a date, or None), ``ocop_stars`` (0 to 5; 0 prints none) and ``uri``
    (what its QR code holds). Labels are drawn with light cut lines around them."""
    if columns < 1 or rows < 1:
        raise ValueError("A sheet has at least one column and one row of labels.")
    checked = [_label(data, position) for position, data in enumerate(labels, start=1)]
    if not checked:
        raise ValueError("A sheet needs at least one label.")
    sheet = _Sheet()
    if title:
        sheet.set_title(_text(title))
    width = (A4_WIDTH_MM - 2 * PAGE_MARGIN_MM) / columns
    height = (A4_HEIGHT_MM - 2 * PAGE_MARGIN_MM) / rows
    per_page = columns * rows
    for position, label in enumerate(checked):
        slot = position % per_page
        if slot == 0:
            sheet.add_page()
        row, column = divmod(slot, columns)
        _draw_label(
            sheet,
            label,
            PAGE_MARGIN_MM + column * width,
            PAGE_MARGIN_MM + row * height,
            width,
            height,
        )
    return bytes(sheet.output())
