"""Vietnamese delivery addresses (``market.core.addresses``): the 34 provinces since the 2025
reform, names as people type them, the former Ninh Thuận's wards in one spelling, phones
brought to E.164, every problem reported at once."""

import unicodedata
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from market.core.addresses import (
    ADDRESS_FIELDS,
    address_clean,
    former_district_of,
    normalize_phone,
    normalize_province,
    province_named,
    provinces,
    ward_named,
    wards,
)
from market.core.folding import fold
from market.sellers.services import seller_create, seller_update
from traceability.services.sites import site_register, site_update

GOOD_ADDRESS = {
    "full_name": "Nguyễn Thị Lan",
    "phone": "0905 123 456",
    "street": "12 Đường 16 Tháng 4",
    "ward": "Phường Phan Rang",
    "province": "khanh hoa",
}


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [item.code for item in items] for field, items in error.error_dict.items()}


# ---------------------------------------------------------------- provinces


def test_the_34_provinces_and_cities_are_loaded_once_each():
    names = provinces()
    assert len(names) == 34
    assert len(set(names)) == 34
    assert {"Hà Nội", "Huế", "Thành phố Hồ Chí Minh", "Khánh Hòa", "Lâm Đồng", "An Giang"} <= set(
        names
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Khánh Hòa", "Khánh Hòa"),
        ("khanh hoa", "Khánh Hòa"),
        ("KHÁNH HÒA", "Khánh Hòa"),
        ("Khánh Hoà", "Khánh Hòa"),  # the old tone placement
        ("Tỉnh Khánh Hòa", "Khánh Hòa"),
        ("tinh  khanh   hoa", "Khánh Hòa"),
        ("  Lâm Đồng ", "Lâm Đồng"),
        ("lam dong", "Lâm Đồng"),
        ("Dak Lak", "Đắk Lắk"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("Tp.Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("thanh pho ho chi minh", "Thành phố Hồ Chí Minh"),
        ("Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("tp hcm", "Thành phố Hồ Chí Minh"),
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("HCM", "Thành phố Hồ Chí Minh"),
        ("Thành phố Hà Nội", "Hà Nội"),
        ("TP Hà Nội", "Hà Nội"),
        ("tp. can tho", "Cần Thơ"),
        ("Thành phố Huế", "Huế"),
        ("hue", "Huế"),
    ],
)
def test_a_province_is_found_however_it_is_written(written, canonical):
    assert province_named(written) == canonical
    assert normalize_province(written) == canonical


def test_tphcm_in_one_word_is_ho_chi_minh_city():
    # Regression: "TPHCM", the usual one-word writing, was not recognised.
    assert normalize_province("TPHCM") == "Thành phố Hồ Chí Minh"
    assert normalize_province("tphcm") == "Thành phố Hồ Chí Minh"


def test_ninh_thuan_is_refused_since_it_was_merged_into_khanh_hoa():
    assert province_named("Ninh Thuận") is None
    with pytest.raises(ValidationError) as refused:
        normalize_province("Tỉnh Ninh Thuận")
    assert refused.value.code == "INVALID_PROVINCE"
    assert refused.value.params == {"value": "Tỉnh Ninh Thuận"}


@pytest.mark.parametrize(
    "written", ["", "   ", "Tỉnh", "TP.", "Mars", "Khánh Hòa, Việt Nam", "Bình Thuận", "Phú Yên"]
)
def test_what_names_no_province_is_refused(written):
    assert province_named(written) is None
    with pytest.raises(ValidationError) as refused:
        normalize_province(written)
    assert refused.value.code == "INVALID_PROVINCE"


@pytest.mark.parametrize("value", [None, 27, ["Khánh Hòa"]])
def test_a_province_that_is_not_text_is_refused_not_a_crash(value):
    # Regression: folding a non-string raised a TypeError.
    assert province_named(value) is None
    with pytest.raises(ValidationError) as refused:
        normalize_province(value)
    assert refused.value.code == "INVALID_PROVINCE"


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("0905123456", "+84905123456"),
        ("0905 123 456", "+84905123456"),
        ("090 512 3456", "+84905123456"),
        ("0905.123.456", "+84905123456"),
        ("0905-123-456", "+84905123456"),
        ("+84 905 123 456", "+84905123456"),
        ("+84905123456", "+84905123456"),
        ("84905123456", "+84905123456"),
        ("0084905123456", "+84905123456"),
        ("+84 (0) 905 123 456", "+84905123456"),
        ("0384 567 890", "+84384567890"),
        ("(0258) 3822 222", "+842583822222"),  # a Khánh Hòa landline
        ("028 3822 2222", "+842838222222"),  # a Hồ Chí Minh City landline
    ],
)
def test_a_vietnamese_phone_in_any_usual_writing_becomes_e164(written, e164):
    assert normalize_phone(written) == e164


@pytest.mark.parametrize(
    "written",
    [
        "+1 202 555 0100",  # United States
        "+33 1 42 68 53 00",  # France
        "+66 2 123 4567",  # Thailand
        "0123456789",  # an old 11-digit prefix cut short, no longer a number
        "09051234",  # too short
        "090512345678",  # too long
        "12345",
        "abc",
        "",
    ],
)
def test_foreign_and_invalid_phones_are_refused(written):
    with pytest.raises(ValidationError) as refused:
        normalize_phone(written)
    assert refused.value.code == "INVALID_PHONE"


# ---------------------------------------------------------------- whole addresses


def test_a_good_address_comes_back_in_its_stored_form():
    assert address_clean(GOOD_ADDRESS) == {
        "full_name": "Nguyễn Thị Lan",
        "phone": "+84905123456",
        "street": "12 Đường 16 Tháng 4",
        "ward": "Phường Phan Rang",
        "province": "Khánh Hòa",
    }


def test_fields_other_than_the_address_fields_are_dropped():
    cleaned = address_clean({**GOOD_ADDRESS, "former_district": "Phan Rang–Tháp Chàm", "x": 1})
    assert set(cleaned) == set(ADDRESS_FIELDS)


def test_every_field_problem_is_reported_at_once_with_its_code():
    with pytest.raises(ValidationError) as refused:
        address_clean(
            {
                "full_name": "x" * 129,
                "phone": "+1 202 555 0100",
                "street": "   ",
                "ward": "",
                "province": "Ninh Thuận",
            }
        )
    assert codes(refused.value) == {
        "full_name": ["TOO_LONG"],
        "phone": ["INVALID_PHONE"],
        "street": ["REQUIRED"],
        "ward": ["REQUIRED"],
        "province": ["INVALID_PROVINCE"],
    }
    assert all(item.message for items in refused.value.error_dict.values() for item in items)


def test_an_empty_address_names_every_field_as_required():
    with pytest.raises(ValidationError) as refused:
        address_clean({})
    assert codes(refused.value) == {field: ["REQUIRED"] for field in ADDRESS_FIELDS}


@pytest.mark.parametrize(("field", "limit"), [("full_name", 128), ("street", 255), ("ward", 128)])
def test_text_fields_are_bounded(field, limit):
    assert address_clean({**GOOD_ADDRESS, field: "a" * limit})[field] == "a" * limit
    with pytest.raises(ValidationError) as refused:
        address_clean({**GOOD_ADDRESS, field: "a" * (limit + 1)})
    assert codes(refused.value) == {field: ["TOO_LONG"]}


def test_a_value_that_is_not_text_is_a_field_error_not_a_crash():
    # Regression: a number or a list for a field raised AttributeError on ``.strip()``.
    with pytest.raises(ValidationError) as refused:
        address_clean({**GOOD_ADDRESS, "phone": 905123456, "ward": ["Phường Phan Rang"]})
    assert codes(refused.value) == {"phone": ["INVALID"], "ward": ["INVALID"]}


def test_a_very_long_phone_is_refused_as_invalid():
    with pytest.raises(ValidationError) as refused:
        address_clean({**GOOD_ADDRESS, "phone": "0" * 100_000})
    assert codes(refused.value) == {"phone": ["INVALID_PHONE"]}


@pytest.mark.parametrize("written", ["Thừa Thiên Huế", "Tỉnh Thừa Thiên Huế", "thua thien hue"])
def test_hue_s_former_name_still_names_it(written):
    assert normalize_province(written) == "Huế"


# ---------------------------------------------------------------- wards


def test_the_former_ninh_thuan_s_5_wards_and_19_communes_are_listed_once_each():
    listed = wards()
    assert len(listed) == 24
    assert len({ward.name for ward in listed}) == 24
    assert {ward.kind for ward in listed} == {"phường", "xã"}
    assert {ward.province for ward in listed} == {"Khánh Hòa"}
    # Each name carries its own unit word, written in NFC as it is stored.
    for ward in listed:
        unit = {"phường": "Phường ", "xã": "Xã "}[ward.kind]
        assert ward.name.startswith(unit)
        assert ward.name == unicodedata.normalize("NFC", ward.name)
    # Folded and without the unit word no two are alike, or a spelling would name both.
    assert len({fold(ward.name).split(" ", 1)[1] for ward in listed}) == 24


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Cà Ná", "Xã Cà Ná"),
        ("Xã Cà Ná", "Xã Cà Ná"),
        ("xã cà ná", "Xã Cà Ná"),
        ("XÃ CÀ NÁ", "Xã Cà Ná"),
        ("ca na", "Xã Cà Ná"),
        ("Xa Ca Na", "Xã Cà Ná"),
        ("X. Cà Ná", "Xã Cà Ná"),
        ("X.Cà Ná", "Xã Cà Ná"),
        ("Ca\u0300 Na\u0301", "Xã Cà Ná"),  # typed decomposed
        ("  Xã   Cà  Ná ", "Xã Cà Ná"),
        ("Phường Cà Ná", "Xã Cà Ná"),  # the wrong unit word still names the commune
        ("Phan Rang", "Phường Phan Rang"),
        ("Phường Phan Rang", "Phường Phan Rang"),
        ("phuong phan rang", "Phường Phan Rang"),
        ("P. Phan Rang", "Phường Phan Rang"),
        ("P.Phan Rang", "Phường Phan Rang"),
        ("Đô Vinh", "Phường Đô Vinh"),
        ("do vinh", "Phường Đô Vinh"),
        ("Bác Ái tây", "Xã Bác Ái Tây"),
        ("Bác Ái", "Xã Bác Ái"),
        ("thị trấn Ninh Sơn", "Xã Ninh Sơn"),
    ],
)
def test_every_spelling_of_a_listed_ward_is_its_listed_name(written, canonical):
    assert ward_named(written) == canonical
    assert ward_named(written, "khanh hoa") == canonical


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("Phường 7", "Phường 7"),
        ("  Xã   Tân  Phú ", "Xã Tân Phú"),
        ("Xa\u0303 Ta\u0302n Phu\u0301", "Xã Tân Phú"),  # decomposed, brought to NFC
        ("Phước Dân", "Phước Dân"),  # a former town, not a unit today
        ("Cà Ná Mới", "Cà Ná Mới"),  # not a listed name, however close
        ("", ""),
    ],
)
def test_a_ward_the_list_does_not_hold_is_kept_cleaned(written, kept):
    assert ward_named(written) == kept
    assert former_district_of(written) == ""


def test_the_list_is_of_one_province():
    # Another province's ward of the same name is its own: kept as written.
    assert ward_named("Cà Ná", "Lâm Đồng") == "Cà Ná"
    assert ward_named("phan  rang", "Thành phố Hồ Chí Minh") == "phan rang"
    assert ward_named("Cà Ná", "Ninh Thuận") == "Cà Ná"  # no longer a province
    assert former_district_of("Cà Ná", "Lâm Đồng") == ""


@pytest.mark.parametrize(
    ("ward", "district"),
    [
        ("xã cà ná", "Thuận Nam"),
        ("Phan Rang", "Phan Rang–Tháp Chàm"),
        ("Phước Hậu", "Ninh Phước"),
        ("Vĩnh Hải", "Ninh Hải"),
        ("Công Hải", "Thuận Bắc"),
        ("Lâm Sơn", "Ninh Sơn"),
        ("Bác Ái Đông", "Bác Ái"),
        ("Ninh Chử", ""),  # made of two former districts' units: the list leaves it blank
    ],
)
def test_a_listed_ward_knows_its_former_district(ward, district):
    assert former_district_of(ward) == district


def test_a_delivery_address_stores_the_listed_ward_of_its_province():
    assert address_clean({**GOOD_ADDRESS, "ward": "phan rang"})["ward"] == "Phường Phan Rang"
    assert address_clean({**GOOD_ADDRESS, "ward": " xã  cà ná"})["ward"] == "Xã Cà Ná"
    elsewhere = address_clean({**GOOD_ADDRESS, "ward": "Cà  Ná", "province": "lam dong"})
    assert (elsewhere["ward"], elsewhere["province"]) == ("Cà Ná", "Lâm Đồng")


@pytest.mark.django_db
def test_a_seller_s_address_stores_the_listed_ward():
    seller = seller_create(name="HTX Nước mắm Cà Ná", kind="cooperative", address={"ward": "cà ná"})
    assert seller.address.ward == "Xã Cà Ná"
    seller = seller_update(seller_id=seller.pk, by=None, address={"ward": "P. Phan Rang"})
    seller.address.refresh_from_db()
    assert seller.address.ward == "Phường Phan Rang"
    # A ward of another province is the seller's own word.
    seller = seller_update(
        seller_id=seller.pk, by=None, address={"ward": "Phan Rang", "province": "Lâm Đồng"}
    )
    seller.address.refresh_from_db()
    assert seller.address.ward == "Phan Rang"


@pytest.mark.django_db
def test_a_site_stores_the_listed_ward(roles):
    site = site_register(
        by=roles["operator"], seller_id=roles["seller"].pk, kind="growing_area",
        code="VN-NTOR-0201", name="Vùng nho", ward="phuoc hau",
        latitude=Decimal("11.54"), longitude=Decimal("108.93"),
    )  # fmt: skip
    site.refresh_from_db()
    assert site.ward == "Xã Phước Hậu"
    site = site_update(by=roles["operator"], site_id=site.pk, ward="X. Phước Hữu")
    site.refresh_from_db()
    assert site.ward == "Xã Phước Hữu"
