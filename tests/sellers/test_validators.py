import pytest
from django.core.exceptions import ValidationError

from market.core.addresses import normalize_phone
from market.sellers.validators import normalize_tax_code


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("0100109106", "0100109106"),
        ("4500200004", "4500200004"),
        ("01.00.109.106", "0100109106"),
        (" 0100233488 ", "0100233488"),
        ("0100109106-001", "0100109106-001"),
        ("0100109106001", "0100109106-001"),
        ("0314409058 - 002", "0314409058-002"),
    ],
)
def test_valid_tax_codes_are_stored_in_printed_form(written, stored):
    assert normalize_tax_code(written) == stored


@pytest.mark.parametrize(
    "written",
    [
        "0100109107",  # wrong check digit
        "0100233480",  # wrong check digit
        "12345",  # too short
        "01001091060",  # 11 digits
        "0100109106-000",  # branch 000 does not exist
        "4500000005",  # sequence 0000000 is never issued
        "01001091O6",  # letter O for zero
        "",
    ],
)
def test_invalid_tax_codes_are_refused(written):
    with pytest.raises(ValidationError) as caught:
        normalize_tax_code(written)

    assert caught.value.code == "INVALID_TAX_CODE"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("+84 912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0399999999", "+84399999999"),
        ("0259 3822 222", "+842593822222"),
        ("(0259) 3822222", "+842593822222"),
        ("+84 259 3822 222", "+842593822222"),
    ],
)
def test_vietnamese_phone_numbers_are_stored_as_e164(written, stored):
    assert normalize_phone(written) == stored


@pytest.mark.parametrize(
    "written",
    [
        "0912345",  # too short
        "091234567890",  # too long
        "0112 345 678",  # no such prefix
        "số điện thoại",
        "+1 650 253 0000",  # valid, but not Vietnamese
        "",
    ],
)
def test_invalid_phone_numbers_are_refused(written):
    with pytest.raises(ValidationError) as caught:
        normalize_phone(written)

    assert caught.value.code == "INVALID_PHONE"
