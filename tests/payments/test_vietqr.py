"""The VietQR (EMVCo, NAPAS 247) payload, its parser and its QR code, without models."""

import io

import pytest
import zxingcpp
from PIL import Image

from payments.protocols import vietqr

# shared/DOMAIN.md, "VietQR": Vietcombank account 0011001234567, 150,000 VND.
EXAMPLE = (
    "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA"
    "530370454061500005802VN62280824OCOP20250101001 Nho xanh63045785"
)
VIETCOMBANK = "970436"
ACCOUNT = "0011001234567"
PURPOSE = "OCOP20250101001 Nho xanh"


def with_crc(body: str) -> str:
    """``body`` (ending with 6304) completed with its own CRC."""
    return body + vietqr.crc16_ccitt_false(body)


def test_the_payload_is_domain_mds_example_exactly():
    assert vietqr.build_payload(VIETCOMBANK, ACCOUNT, 150_000, PURPOSE) == EXAMPLE


def test_the_crc_is_crc16_ccitt_false():
    assert vietqr.crc16_ccitt_false("123456789") == "29B1"
    assert vietqr.crc16_ccitt_false(EXAMPLE[:-4]) == "5785"


def test_the_example_parses_into_its_fields():
    assert vietqr.parse_payload(EXAMPLE) == vietqr.TransferRequest(
        bank_bin=VIETCOMBANK,
        account_number=ACCOUNT,
        amount=150_000,
        purpose=PURPOSE,
        service=vietqr.TO_ACCOUNT,
        point_of_initiation=vietqr.DYNAMIC,
    )


@pytest.mark.parametrize(
    ("bank_bin", "account", "amount", "purpose", "service"),
    [
        ("970422", "1", 1, "OCOP2026000123", vietqr.TO_ACCOUNT),
        ("970415", "9" * 19, 499_999_999, "A" * 25, vietqr.TO_ACCOUNT),
        ("970418", "9704180000000001", 25_000, "OCOP2026000123 Muoi", vietqr.TO_CARD),
    ],
)
def test_a_built_payload_reads_back(bank_bin, account, amount, purpose, service):
    payload = vietqr.build_payload(bank_bin, account, amount, purpose, service=service)

    parsed = vietqr.parse_payload(payload)

    assert (parsed.bank_bin, parsed.account_number, parsed.amount) == (bank_bin, account, amount)
    assert (parsed.purpose, parsed.service) == (purpose, service)
    assert parsed.point_of_initiation == vietqr.DYNAMIC


def test_a_lowercase_crc_from_another_generator_is_read():
    assert vietqr.parse_payload(EXAMPLE[:-4] + "5785".lower()).amount == 150_000


def test_a_static_payload_without_amount_or_purpose_is_read():
    payload = with_crc(
        "00020101021138540010A00000072701240006970422011012345678900208QRIBFTTA53037045802VN6304"
    )

    parsed = vietqr.parse_payload(payload)

    assert (parsed.amount, parsed.purpose, parsed.point_of_initiation) == (None, "", "11")
    assert parsed.account_number == "1234567890"


@pytest.mark.parametrize(
    "corrupted",
    [
        EXAMPLE.replace("5406150000", "5406950000"),  # the amount, CRC left as it was
        EXAMPLE.replace("OCOP20250101001", "OCOP20250101002"),
        EXAMPLE[:-1] + "6",
        EXAMPLE[:-4] + "57G5",
        EXAMPLE[1:],
        EXAMPLE[:-8],
        EXAMPLE + " ",
        "",
    ],
)
def test_a_corrupted_payload_is_refused(corrupted):
    with pytest.raises(vietqr.VietQRError) as caught:
        vietqr.parse_payload(corrupted)

    assert caught.value.code in {vietqr.INVALID_CRC, vietqr.INVALID_PAYLOAD}
    assert caught.value.message


def test_a_changed_amount_is_a_crc_error():
    with pytest.raises(vietqr.VietQRError) as caught:
        vietqr.parse_payload(EXAMPLE.replace("5406150000", "5406950000"))

    assert caught.value.code == vietqr.INVALID_CRC


@pytest.mark.parametrize(
    "body",
    [
        # Well-formed CRC, broken structure.
        "000201010212385700"
        "10A00000072801270006970436011300110012345670208QRIBFTTA530370454061500005802VN6304",
        "000201010212385700"
        "10A00000072701270006970436011300110012345670208QRIBFTTX530370454061500005802VN6304",
        "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA"
        "530384054061500005802VN6304",
        "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA"
        "530370454061500005802US6304",
        "000202010212385700"
        "10A00000072701270006970436011300110012345670208QRIBFTTA530370454061500005802VN6304",
        "010212000201385700"
        "10A00000072701270006970436011300110012345670208QRIBFTTA530370454061500005802VN6304",
        "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA"
        "53037045406150000540615000058 2VN6304",
        "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA"
        "5303704540615000A5802VN6304",
        "000201010212530370454061500005802VN6304",
        "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA"
        "53037045409500000000"
        "5802VN6304",
        "00020101021238990010A00000072701270006970436011300110012345670208QRIBFTTA6304",
    ],
)
def test_a_payload_with_a_valid_crc_but_a_wrong_structure_is_refused(body):
    with pytest.raises(vietqr.VietQRError) as caught:
        vietqr.parse_payload(with_crc(body))

    assert caught.value.code != vietqr.INVALID_CRC


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": 0}, vietqr.INVALID_AMOUNT),
        ({"amount": -150_000}, vietqr.INVALID_AMOUNT),
        ({"amount": 500_000_000}, vietqr.INVALID_AMOUNT),
        ({"amount": True}, vietqr.INVALID_AMOUNT),
        ({"amount": 150_000.0}, vietqr.INVALID_AMOUNT),
        ({"amount": "150000"}, vietqr.INVALID_AMOUNT),
        ({"bank_bin": "97043"}, vietqr.INVALID_BANK_BIN),
        ({"bank_bin": "9704366"}, vietqr.INVALID_BANK_BIN),
        ({"bank_bin": "97043A"}, vietqr.INVALID_BANK_BIN),
        ({"bank_bin": "٩٧٠٤٣٦"}, vietqr.INVALID_BANK_BIN),  # Arabic-Indic digits
        ({"account_number": ""}, vietqr.INVALID_ACCOUNT),
        ({"account_number": "0011-001234567"}, vietqr.INVALID_ACCOUNT),
        ({"account_number": "1" * 20}, vietqr.INVALID_ACCOUNT),
        ({"purpose": ""}, vietqr.INVALID_PURPOSE),
        ({"purpose": "A" * 26}, vietqr.INVALID_PURPOSE),
        ({"purpose": "OCOP2026000123 Nho xanh Ninh"}, vietqr.INVALID_PURPOSE),
        ({"purpose": "OCOP-2026-000123"}, vietqr.INVALID_PURPOSE),
        ({"purpose": "OCOP2026000123 Nhô xanh"}, vietqr.INVALID_PURPOSE),
        ({"purpose": "OCOP2026000123  Nho"}, vietqr.INVALID_PURPOSE),
        ({"purpose": " OCOP2026000123"}, vietqr.INVALID_PURPOSE),
        ({"service": "QRPUSH"}, vietqr.INVALID_SERVICE),
    ],
)
def test_a_value_that_cannot_go_in_a_payload_is_refused(changes, code):
    arguments = {
        "bank_bin": VIETCOMBANK,
        "account_number": ACCOUNT,
        "amount": 150_000,
        "purpose": PURPOSE,
        **changes,
    }
    service = arguments.pop("service", vietqr.TO_ACCOUNT)

    with pytest.raises(vietqr.VietQRError) as caught:
        vietqr.build_payload(**arguments, service=service)

    assert caught.value.code == code
    assert caught.value.message


# ---------------------------------------------------------------- the QR code


def test_the_png_decodes_to_the_payload():
    png = vietqr.qr_png(EXAMPLE)

    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))

    assert png.startswith(b"\x89PNG")
    assert decoded.text == EXAMPLE
    assert decoded.format == zxingcpp.BarcodeFormat.QRCode


def test_the_svg_is_an_svg_document():
    svg = vietqr.qr_svg(EXAMPLE)

    assert "<svg" in svg
    assert svg.rstrip().endswith("</svg>")


def test_a_damaged_payload_is_not_drawn():
    with pytest.raises(vietqr.VietQRError):
        vietqr.qr_png(EXAMPLE[:-1] + "6")
    with pytest.raises(vietqr.VietQRError):
        vietqr.qr_svg("")
