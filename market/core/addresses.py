"""Vietnamese delivery addresses and phone numbers, checked and brought to one stored form.

Since 2025-07-01 an address is written street, ward or commune, province (Resolution
202/2025/QH15 left 34 provincial-level units and no districts). The provinces are data
(``data/provinces.csv``), matched without regard to case, diacritics or a leading "Tỉnh" /
"Thành phố" ("khanh hoa", "TP. Hồ Chí Minh" and "Khánh Hòa" are one province) and
stored as the list spells them. Phones are stored in E.164 (+84…).
"""

import csv
import re
from functools import cache
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.core.folding import fold

VIETNAM = "VN"
PROVINCES_FILE = Path(__file__).with_name("data") / "provinces.csv"
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


def province_named(value: str) -> str | None:
    """The province ``value`` names, as the list spells it, or ``None``."""
    if not isinstance(value, str):
        return None
    folded = " ".join(fold(value).replace(".", ". ").split())
    names = _by_folded_name()
    return names.get(folded) or names.get(_PREFIXES.sub("", folded))


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
    return cleaned
