"""QR codes (PNG, SVG) that decode back to the lot's link, and A4 label sheets that print
Vietnamese with its diacritics."""

import datetime
import io
import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from traceability import digital_link, labels

URI = digital_link.build(
    "https://ocop.ninhthuan.gov.vn", "08934567890120", "NT25/A+01", datetime.date(2025, 12, 31)
)
LOT_PAGE = digital_link.lot_page_uri("https://ocop.ninhthuan.gov.vn", "HT-2503")


def label(**changes):
    data = {
        "product_name": "Nho xanh Ba Mọi NH01-48",
        "seller_name": "Hợp tác xã Nho Thái An",
        "lot_code": "NT25/A+01",
        "harvest_date": datetime.date(2025, 3, 1),
        "ocop_stars": 4,
        "uri": URI,
    }
    data.update(changes)
    return data


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def svg_modules(svg: str) -> Image.Image:
    """Redraw segno's SVG (one path of horizontal runs, 1 unit per module) as an image."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    width, height = int(root.get("width")), int(root.get("height"))
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    image = Image.new("1", (width, height), 1)
    x = y = 0.0
    for command, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(x), int(x + float(first))):
                image.putpixel((column, int(y)), 0)
            x += float(first)
    return image.resize((width * 8, height * 8), Image.NEAREST)


def test_png_decodes_to_the_digital_link():
    png = labels.qr_png(URI)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert decoded(image) == [URI]
    assert image.size[0] == image.size[1]


def test_png_scale_sets_the_size():
    small = Image.open(io.BytesIO(labels.qr_png(LOT_PAGE, scale=2)))
    large = Image.open(io.BytesIO(labels.qr_png(LOT_PAGE, scale=10)))
    assert large.size == (small.size[0] * 5, small.size[1] * 5)
    assert decoded(large) == [LOT_PAGE]


def test_svg_is_a_document_of_the_same_code():
    svg = labels.qr_svg(URI, scale=1)
    assert svg.startswith("<?xml")
    assert decoded(svg_modules(svg)) == [URI]
    assert 'xmlns="http://www.w3.org/2000/svg"' in labels.qr_svg(URI)


@pytest.mark.parametrize("uri", ["", None])
def test_a_qr_code_needs_a_uri(uri):
    with pytest.raises(ValueError, match="URI"):
        labels.qr_png(uri)


def pdf_text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (10, 1), (11, 2), (23, 3)])
def test_ten_labels_to_an_a4_page(count, pages):
    reader, _texts = pdf_text(labels.labels_pdf([label()] * count))
    assert len(reader.pages) == pages
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def test_the_grid_is_configurable():
    reader, _texts = pdf_text(labels.labels_pdf([label()] * 22, columns=3, rows=7))
    assert len(reader.pages) == 2


def test_the_sheet_prints_vietnamese_with_its_diacritics():
    names = [
        label(product_name="Nho xanh Ba Mọi", seller_name="Hợp tác xã Nho Thái An"),
        label(
            product_name="Hành tím Vĩnh Hải",
            seller_name="Tổ hợp tác Phước Dinh",
            lot_code="HT-2503",
            ocop_stars=3,
            uri=LOT_PAGE,
        ),
        # Decomposed input (a base letter and combining marks) prints as the composed one.
        label(product_name=unicodedata.normalize("NFD", "Tỏi Lý Sơn đặc sản"), ocop_stars=0),
    ]
    with translation.override("en"):
        _reader, [text] = pdf_text(labels.labels_pdf(names))
    for expected in (
        "Nho xanh Ba Mọi",
        "Hợp tác xã Nho Thái An",
        "Hành tím Vĩnh Hải",
        "Tổ hợp tác Phước Dinh",
        "Tỏi Lý Sơn đặc sản",
        "Lot: NT25/A+01",
        "Lot: HT-2503",
        "OCOP ★★★★☆",
        "OCOP ★★★☆☆",
    ):
        assert expected in text
    assert text.count("OCOP") == 2  # no stars, no OCOP line
    assert "Harvested: 03/01/2025" in text


def test_a_long_name_is_cut_to_fit():
    long_name = "Nho xanh NH01-48 " * 12
    _reader, [text] = pdf_text(labels.labels_pdf([label(product_name=long_name)]))
    assert "…" in text
    assert text.count("NH01-48") < 12


def test_the_qr_codes_in_the_pdf_decode_to_each_labels_link():
    reader = PdfReader(io.BytesIO(labels.labels_pdf([label(), label(uri=LOT_PAGE)])))
    found = [text for image in reader.pages[0].images for text in decoded(image.image)]
    assert sorted(found) == sorted([URI, LOT_PAGE])


def test_the_font_is_embedded():
    reader = PdfReader(io.BytesIO(labels.labels_pdf([label()])))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    base_fonts = {str(fonts[name].get_object()["/BaseFont"]) for name in fonts}
    assert any("DejaVuSans" in font for font in base_fonts)
    for font in (labels.REGULAR_FONT, labels.BOLD_FONT):
        assert font.is_file()
    assert "Bitstream Vera" in (labels.FONTS / "LICENSE").read_text()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ocop_stars": 6}, "stars"),
        ({"ocop_stars": -1}, "stars"),
        ({"ocop_stars": True}, "stars"),
        ({"ocop_stars": "4"}, "stars"),
        ({"harvest_date": "2025-03-01"}, "harvest date"),
        ({"harvest_date": datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)}, "harvest date"),
        ({"uri": ""}, "URI"),
    ],
)
def test_bad_label_data_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        labels.labels_pdf([label(), label(**changes)])


def test_missing_fields_and_empty_sheets_are_refused():
    incomplete = label()
    del incomplete["lot_code"]
    with pytest.raises(ValueError, match="lot_code"):
        labels.labels_pdf([incomplete])
    with pytest.raises(ValueError, match="at least one label"):
        labels.labels_pdf([])
    with pytest.raises(ValueError, match="column"):
        labels.labels_pdf([label()], columns=0)


def test_a_harvest_date_may_be_unknown():
    _reader, [text] = pdf_text(labels.labels_pdf([label(harvest_date=None)]))
    assert "Nho xanh Ba Mọi" in text
