"""GS1 Digital Link URIs of lots: strict parsing for the resolver, building for QR codes."""

import datetime
import string

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from traceability import digital_link as dl
from traceability.digital_link import DigitalLinkError

GTIN = "08934567890120"  # DOMAIN.md's example: GS1 Vietnam prefix 893, check digit 0
BASE = "https://ocop.ninhthuan.gov.vn"
# GS1 AI encodable character set 82.
SET_82 = string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_"


def test_parses_a_full_uri_with_expiry():
    link = dl.parse(f"https://id.gs1.org/01/{GTIN}/10/NT2501A?17=251231")
    assert link.gtin == GTIN
    assert link.lot == "NT2501A"
    assert link.expiry == datetime.date(2025, 12, 31)
    assert link.origin == "https://id.gs1.org"
    assert link.stem == ""
    assert link.serial is None
    assert link.variant is None
    assert link.attributes == {"17": "251231"}
    assert link.params == {}


def test_parses_a_stem_variant_serial_and_the_path_alone():
    link = dl.parse(f"{BASE}/trace/dl/01/{GTIN}/22/V1/10/NT2501A/21/S-0001")
    assert (link.stem, link.variant, link.lot, link.serial) == (
        "/trace/dl",
        "V1",
        "NT2501A",
        "S-0001",
    )
    link = dl.parse(f"/01/{GTIN}/10/NT2501A")
    assert (link.origin, link.stem, link.gtin, link.lot, link.expiry) == (
        "",
        "",
        GTIN,
        "NT2501A",
        None,
    )


def test_percent_decoding_and_the_plus_rule():
    # In the path "+" is a plus and %2F a "/" inside the lot; in the query "+" is a space.
    link = dl.parse(f"/01/{GTIN}/10/NT%2F25+A%25?note=giao+h%C3%A0ng&linkType=gs1:pip")
    assert link.lot == "NT/25+A%"
    assert link.params == {"note": "giao hàng", "linkType": "gs1:pip"}


def test_non_ai_parameters_are_returned_but_not_interpreted():
    link = dl.parse(f"/01/{GTIN}/10/A?linkType=all&linkType=gs1:pip&17=260615&lang=vi")
    assert link.params == {"linkType": "all", "lang": "vi"}  # a repeat keeps the first
    assert link.expiry == datetime.date(2026, 6, 15)
    assert link.attributes == {"17": "260615"}


def test_other_data_attributes_are_checked_and_kept():
    link = dl.parse(f"/01/{GTIN}/10/A?3103=000195&15=251231")
    assert link.attributes == {"3103": "000195", "15": "251231"}
    with pytest.raises(DigitalLinkError) as caught:
        dl.parse(f"/01/{GTIN}/10/A?3103=12")
    assert caught.value.code == dl.INVALID_SYNTAX


@pytest.mark.parametrize(
    ("expiry", "date"),
    [
        ("250200", datetime.date(2025, 2, 28)),  # day 00: the last day of the month (GS1)
        ("240200", datetime.date(2024, 2, 29)),
        ("251100", datetime.date(2025, 11, 30)),
        ("250101", datetime.date(2025, 1, 1)),
    ],
)
def test_expiry_day_zero_is_the_last_day_of_the_month(expiry, date):
    assert dl.parse(f"/01/{GTIN}/10/A?17={expiry}").expiry == date


MALFORMED = [
    # A key qualifier (or the key itself) in the query string.
    (f"/01/{GTIN}?10=NT2501A", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?10=B", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?21=S1", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?22=V1", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?01={GTIN}", dl.INVALID_SYNTAX),
    # A duplicate AI, in the path or the query.
    (f"/01/{GTIN}/10/A/10/B", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/01/{GTIN}/10/A", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?17=251231&17=251130", dl.INVALID_SYNTAX),
    # An unknown numeric AI.
    (f"/01/{GTIN}/10/A?9999=1", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?1=1", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A/999/1", dl.INVALID_SYNTAX),
    # A non-numeric key in the path (old short names are not read).
    (f"/01/{GTIN}/lot/A", dl.INVALID_SYNTAX),
    # A data attribute in the path.
    (f"/01/{GTIN}/10/A/17/251231", dl.INVALID_SYNTAX),
    # A trailing slash, an empty segment.
    (f"/01/{GTIN}/10/A/", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}//10/A", dl.INVALID_SYNTAX),
    (f"/trace//01/{GTIN}/10/A", dl.INVALID_SYNTAX),
    (f"https://id.gs1.org/01/{GTIN}/10/", dl.INVALID_SYNTAX),
    # Qualifiers out of order.
    (f"/01/{GTIN}/10/A/22/V", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/21/S/10/A", dl.INVALID_SYNTAX),
    # An AI with no value, no GTIN, not a Digital Link.
    (f"/01/{GTIN}/10", dl.INVALID_SYNTAX),
    ("/lots/NT2501A", dl.INVALID_SYNTAX),
    (f"ftp://id.gs1.org/01/{GTIN}/10/A", dl.INVALID_SYNTAX),
    (f"https:///01/{GTIN}/10/A", dl.INVALID_SYNTAX),
    (f"01/{GTIN}/10/A", dl.INVALID_SYNTAX),
    ("", dl.INVALID_SYNTAX),
    # Bad percent-encoding, raw characters a URI cannot hold, bytes that are not UTF-8.
    (f"/01/{GTIN}/10/A%G1", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A%2", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A B", dl.INVALID_SYNTAX),
    (f'/01/{GTIN}/10/A"B', dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/Nhó", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A%FF", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?note=%ZZ", dl.INVALID_SYNTAX),
    (f"/01/{GTIN}/10/A?note=a b", dl.INVALID_SYNTAX),
    # The GTIN: not 14 digits, or a wrong check digit.
    ("/01/8934567890120/10/A", dl.INVALID_GTIN),
    ("/01/008934567890120/10/A", dl.INVALID_GTIN),
    ("/01/08934567890121/10/A", dl.INVALID_GTIN),
    ("/01/0893456789012X/10/A", dl.INVALID_GTIN),
    ("/01/٠٨٩٣٤٥٦٧٨٩٠١٢٠/10/A", dl.INVALID_SYNTAX),  # Arabic-Indic digits: not in a URI raw
    (
        "/01/%D9%A0%D9%A8%D9%A9%D9%A3%D9%A4%D9%A5%D9%A6%D9%A7%D9%A8%D9%A9%D9%A0%D9%A1%D9%A2%D9%A0"
        "/10/A",
        dl.INVALID_GTIN,
    ),
    # The lot: missing, longer than 20, outside set 82.
    (f"/01/{GTIN}", dl.INVALID_LOT),
    (f"/01/{GTIN}/21/S1", dl.INVALID_LOT),
    (f"/01/{GTIN}/10/{'A' * 21}", dl.INVALID_LOT),
    (f"/01/{GTIN}/10/A%20B", dl.INVALID_LOT),
    (f"/01/{GTIN}/10/A%23B", dl.INVALID_LOT),  # "#"
    (f"/01/{GTIN}/10/Nh%C3%B3", dl.INVALID_LOT),  # "ó"
    (f"/01/{GTIN}/10/A~B", dl.INVALID_LOT),
    (f"/01/{GTIN}/10/A%5BB", dl.INVALID_LOT),  # "["
    # The serial and the variant follow the same rules.
    (f"/01/{GTIN}/10/A/21/{'S' * 21}", dl.INVALID_SERIAL),
    (f"/01/{GTIN}/10/A/21/S%20", dl.INVALID_SERIAL),
    (f"/01/{GTIN}/22/V%7C/10/A", dl.INVALID_VARIANT),
    # The expiry: not YYMMDD, or not a date.
    (f"/01/{GTIN}/10/A?17=251301", dl.INVALID_EXPIRY),
    (f"/01/{GTIN}/10/A?17=250230", dl.INVALID_EXPIRY),
    (f"/01/{GTIN}/10/A?17=250001", dl.INVALID_EXPIRY),
    (f"/01/{GTIN}/10/A?17=25123", dl.INVALID_EXPIRY),
    (f"/01/{GTIN}/10/A?17=2512311", dl.INVALID_EXPIRY),
    (f"/01/{GTIN}/10/A?17=25-12-31", dl.INVALID_EXPIRY),
    (f"/01/{GTIN}/10/A?17=", dl.INVALID_EXPIRY),
]


@pytest.mark.parametrize(("uri", "code"), MALFORMED)
def test_malformed_links_are_refused_with_a_code_and_a_message(uri, code):
    with pytest.raises(DigitalLinkError) as caught:
        dl.parse(uri)
    assert caught.value.code == code
    assert caught.value.message
    assert "%(" not in caught.value.message


def test_an_overlong_uri_is_refused_before_it_is_read():
    with pytest.raises(DigitalLinkError) as caught:
        dl.parse(f"/01/{GTIN}/10/A?" + "x=1&" * 600)
    assert caught.value.code == dl.INVALID_SYNTAX


def test_a_non_string_is_refused():
    with pytest.raises(DigitalLinkError):
        dl.parse(None)


def test_messages_are_english_in_code_and_follow_the_language():
    with translation.override("en"), pytest.raises(DigitalLinkError) as caught:
        dl.parse(f"/01/{GTIN}/10/A/")
    assert caught.value.message == "The path of the link must not end with /."


def test_build_encodes_the_lot_and_writes_the_expiry():
    uri = dl.build(BASE + "/", GTIN, "NT/25+A%", datetime.date(2025, 12, 31))
    assert uri == f"{BASE}/01/{GTIN}/10/NT%2F25%2BA%25?17=251231"


def test_build_then_parse_round_trips_every_character_of_set_82():
    for start in range(0, len(SET_82), 20):
        lot = SET_82[start : start + 20]
        link = dl.parse(dl.build(BASE, GTIN, lot, datetime.date(2026, 2, 28)))
        assert (link.gtin, link.lot, link.expiry) == (GTIN, lot, datetime.date(2026, 2, 28))


@given(st.text(alphabet=SET_82, min_size=1, max_size=20))
def test_any_lot_of_set_82_round_trips(lot):
    assert dl.parse(dl.build(BASE, GTIN, lot)).lot == lot


@pytest.mark.parametrize(
    ("gtin", "lot", "expiry", "code"),
    [
        ("08934567890121", "A", None, dl.INVALID_GTIN),
        ("8934567890120", "A", None, dl.INVALID_GTIN),
        (GTIN, "", None, dl.INVALID_LOT),
        (GTIN, "A" * 21, None, dl.INVALID_LOT),
        (GTIN, "Nhó", None, dl.INVALID_LOT),
        # Outside GS1's window of two-digit years around today: read back as another century.
        (GTIN, "A", datetime.date(1960, 1, 1), dl.INVALID_EXPIRY),
    ],
)
def test_build_refuses_what_a_link_cannot_hold(gtin, lot, expiry, code):
    with pytest.raises(DigitalLinkError) as caught:
        dl.build(BASE, gtin, lot, expiry)
    assert caught.value.code == code


@pytest.mark.parametrize("base", ["ocop.ninhthuan.gov.vn", "ftp://host", "https://host/?a=1"])
def test_build_refuses_a_resolver_base_that_is_not_a_url(base):
    with pytest.raises(ValueError, match="resolver base"):
        dl.build(base, GTIN, "A")


def test_gtin_valid():
    assert dl.gtin_valid(GTIN)
    assert dl.gtin_valid("00000000000000")
    assert not dl.gtin_valid("08934567890121")
    assert not dl.gtin_valid("8934567890120")  # a GTIN-13 not written in 14 digits
    assert not dl.gtin_valid("٠٨٩٣٤٥٦٧٨٩٠١٢٠")
    assert not dl.gtin_valid(" 8934567890120")
    assert not dl.gtin_valid(None)


@given(st.text(alphabet=string.digits, min_size=13, max_size=13))
def test_gtin_valid_agrees_with_python_stdnum(payload):
    # Two libraries, one rule: exactly one last digit makes a valid GTIN-14.
    check = ean.calc_check_digit(payload)
    for digit in string.digits:
        assert dl.gtin_valid(payload + digit) == (digit == check)


def test_lot_page_path_and_uri():
    assert dl.lot_page_path("NT2501A") == "/lots/NT2501A"
    assert dl.lot_page_path("NT/25+A") == "/lots/NT%2F25%2BA"
    assert dl.lot_page_uri(BASE + "/", "NT2501A") == f"{BASE}/lots/NT2501A"
    with pytest.raises(DigitalLinkError) as caught:
        dl.lot_page_path("Lô 1")
    assert caught.value.code == dl.INVALID_LOT
