"""Vietnamese delivery addresses and phone numbers, checked and brought to one stored form.

Since 2025-07-01 an address is written street, ward or commune, province (Resolution
202/2025/QH15 left 34 provincial-level units and no districts). The provinces are data
(``data/provinces.csv``), matched without regard to case, diacritics or a leading "Tỉnh" /
"Thành phố" ("khanh hoa", "TP. Hồ Chí Minh" and "Khánh Hòa" are one province) and
stored as the list spells them. Wards and communes of the former Ninh Thuận are data too
(``data/wards.csv``), matched the same way with an optional unit word ("Cà Ná", "xã cà ná"
and "X. Cà Ná" are "Xã Cà Ná"); a ward outside the list (another province's) is kept as
written, cleaned. Phones are stored in E.164 (+84…).
"""

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.core.folding import fold

VIETNAM = "VN"
PROVINCES_FILE = Path(__file__).with_name("data") / "provinces.csv"
WARDS_FILE = Path(__file__).with_name("data") / "wards.csv"
ADDRESS_FIELDS = ("full_name", "phone", "street", "ward", "province")
MAX_LENGTHS = {"full_name": 128, "street": 255, "ward": 128}
# What people write before a province's name; the list holds the names alone, except
# Ho Chi Minh City, whose name is "Thành phố Hồ Chí Minh".
_PREFIXES = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")
_ALIASES = {
    "ho chi minh": "Thành phố Hồ Chí Minh",
    "hcm": "Thành phố Hồ Chí Minh",
    # "TP" run into "HCM", as forms and shipping labels often write it.
    "tphcm": "Thành phố Hồ Chí Minh",
    # Renamed, not merged, when it became a centrally governed city (2025).
    "thua thien hue": "Huế",
}
# The unit word people write, or leave out, before a ward's name (folded). Any of them finds
# the listed ward, whose own word is the one stored: "Phường Cà Ná" is a slip for the commune.
_UNIT_WORDS = re.compile(r"^(phuong|p\.|xa|x\.|dac khu|thi tran|tt\.)\s+")


@dataclass(frozen=True)
class Ward:
    """A ward (phường), commune (xã) or special zone (đặc khu) as ``data/wards.csv`` lists it."""

    name: str  # with its unit word, as officially written: "Xã Cà Ná"
    kind: str
    province: str
    former_district: str  # blank where the list does not say


@cache
def provinces() -> tuple[str, ...]:
    """The 34 provincial-level units, as written in the list."""
    with PROVINCES_FILE.open(encoding="utf-8", newline="") as file:
        return tuple(row["name"] for row in csv.DictReader(file))


@cache
def _by_folded_name() -> dict[str, str]:
    names = {fold(name): name for name in provinces()}
    for name in provinces():
        names.setdefault(_PREFIXES.sub("", fold(name)), name)
    names.update(_ALIASES)
    return names


def _folded_place(value: str) -> str:
    """A place name as compared: folded, a space after each dot, spaces collapsed."""
    return " ".join(fold(value).replace(".", ". ").split())


def province_named(value: str) -> str | None:
    """The province ``value`` names, as the list spells it, or ``None``."""
    if not isinstance(value, str):
        return None
    folded = _folded_place(value)
    names = _by_folded_name()
    return names.get(folded) or names.get(_PREFIXES.sub("", folded))


@cache
def wards() -> tuple[Ward, ...]:
    """The listed wards and communes, in the list's order."""
    with WARDS_FILE.open(encoding="utf-8", newline="") as file:
        lines = (line for line in file if not line.startswith("#"))
        return tuple(Ward(**row) for row in csv.DictReader(lines))


@cache
def _wards_by_folded_name() -> dict[tuple[str, str], Ward]:
    return {
        (ward.province, _UNIT_WORDS.sub("", _folded_place(ward.name))): ward for ward in wards()
    }


def _listed_ward(value: str, province: str) -> Ward | None:
    province_name = province_named(province)
    if province_name is None or not isinstance(value, str):
        return None
    return _wards_by_folded_name().get((province_name, _UNIT_WORDS.sub("", _folded_place(value))))


def ward_named(value: str, province: str = "Khánh Hòa") -> str:
    """The ward ``value`` names in ``province``, as the list spells it; a ward the list does
    not hold (another province's, or one it lacks) is kept, NFC with its spaces collapsed."""
    ward = _listed_ward(value, province)
    if ward is not None:
        return ward.name
    if not isinstance(value, str):
        return value  # left to the caller's field checks
    return " ".join(unicodedata.normalize("NFC", value).split())


def former_district_of(ward: str, province: str = "Khánh Hòa") -> str:
    """The district of older records that the listed ``ward`` lies in, or "" when unknown."""
    listed = _listed_ward(ward, province)
    return listed.former_district if listed is not None else ""


def normalize_province(value: str) -> str:
    name = province_named(value)
    if name is None:
        raise ValidationError(
            _("%(value)s is not one of Vietnam's 34 provinces and cities."),
            code="INVALID_PROVINCE",
            params={"value": value},
        )
    return name


def normalize_phone(value: str) -> str:
    """A Vietnamese mobile or landline number in any usual writing → E.164 (+84…).

    Only Vietnamese numbers are accepted: sellers are registered businesses of the province,
    deliveries are within Vietnam, and the delivery partners call from Vietnam.
    """
    try:
        number = phonenumbers.parse(value, VIETNAM)
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or phonenumbers.region_code_for_number(number) != VIETNAM
        or not phonenumbers.is_valid_number(number)
    ):
        raise ValidationError(
            _("%(value)s is not a valid Vietnamese phone number."),
            code="INVALID_PHONE",
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def address_clean(data: dict) -> dict:
    """A delivery address from plain values (``ADDRESS_FIELDS``), or a ``ValidationError``
    keyed by field naming every problem at once. Text arrives cleaned by the mutation base
    (NFC, trimmed, no control characters)."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, str] = {}
    for field in ADDRESS_FIELDS:
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            errors[field] = [ValidationError(_("Must be text."), code="INVALID")]
            continue
        value = (value or "").strip()
        if not value:
            errors[field] = [ValidationError(_("This field is required."), code="REQUIRED")]
            continue
        limit = MAX_LENGTHS.get(field)
        if limit is not None and len(value) > limit:
            errors[field] = [
                ValidationError(
                    _("At most %(limit)s characters."), code="TOO_LONG", params={"limit": limit}
                )
            ]
            continue
        try:
            if field == "phone":
                value = normalize_phone(value)
            elif field == "province":
                value = normalize_province(value)
        except ValidationError as error:
            errors[field] = [error]
            continue
        cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    cleaned["ward"] = ward_named(cleaned["ward"], cleaned["province"])
    return cleaned
