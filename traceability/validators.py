"""Field rules of traceability records, used by the models' ``clean`` and by the services.

Each raises Django's ``ValidationError`` keyed by the model field, with messages in gettext.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from traceability import geography

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
LOT_CODE = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


def validate_lot_code(value: str) -> None:
    if not LOT_CODE.fullmatch(value or ""):
        raise ValidationError(
            _(
                "A lot code is 1 to 20 characters: letters A–Z and a–z, digits and "
                "%(characters)s (GS1 lot numbers)."
            )
            % {"characters": "!\"%&'()*+,-./:;<=>?_"},
            code="INVALID_LOT_CODE",
        )


def validate_gtin(value: str) -> None:
    """A GTIN-14 with a valid check digit (python-stdnum's EAN rules)."""
    if not value:
        return
    try:
        if len(value) != 14:
            raise StdnumError
        ean.validate(value)
    except StdnumError:
        raise ValidationError(
            _("A GTIN is 14 digits whose last is the GS1 check digit."), code="INVALID_GTIN"
        ) from None


def code_pattern(kind: str) -> str:
    if kind == "packing_house":
        return settings.TRACE_PACKING_HOUSE_CODE_PATTERN
    return settings.TRACE_GROWING_AREA_CODE_PATTERN


def validate_site(site) -> None:
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(code_pattern(site.kind), site.code or ""):
        example = "VN-NTPH-0001" if site.kind == "packing_house" else "VN-NTOR-0001"
        errors.setdefault("code", []).append(
            _("This code does not have the registered format (for example %(example)s).")
            % {"example": example}
        )
    if (
        site.latitude is not None
        and site.longitude is not None
        and not geography.point_in_vietnam(site.latitude, site.longitude)
    ):
        errors.setdefault("latitude", []).append(_("This point is not in Vietnam."))
    if site.kind == "packing_house":
        if site.area_hectares is not None:
            errors.setdefault("area_hectares", []).append(
                _("Only growing areas have an area in hectares.")
            )
        if site.boundary is not None:
            errors.setdefault("boundary", []).append(_("Only growing areas have a boundary."))
    elif site.boundary is not None:
        try:
            geography.check_polygon(site.boundary)
        except geography.GeometryError as error:
            errors.setdefault("boundary", []).append(
                _("The boundary is not a valid closed polygon inside Vietnam: %(why)s.")
                % {"why": error}
            )
    if site.area_hectares is not None and site.area_hectares <= 0:
        errors.setdefault("area_hectares", []).append(_("The area must be above zero."))
    if not isinstance(site.crops, list) or not all(
        isinstance(crop, str) and crop.strip() for crop in site.crops
    ):
        errors.setdefault("crops", []).append(_("Crops are a list of names."))
    if errors:
        raise ValidationError(errors)


def validate_lot(lot) -> None:
    errors: dict[str, list[str]] = {}
    if lot.growing_area_id and lot.growing_area.kind != "growing_area":
        errors.setdefault("growing_area", []).append(_("This code is not a growing area."))
    if lot.packing_house_id and lot.packing_house.kind != "packing_house":
        errors.setdefault("packing_house", []).append(_("This code is not a packing house."))
    if lot.best_before and lot.harvest_date and lot.best_before < lot.harvest_date:
        errors.setdefault("best_before", []).append(
            _("The best-before date cannot come before the harvest.")
        )
    if lot.product_id and lot.seller_id and lot.product.seller_id != lot.seller_id:
        errors.setdefault("product", []).append(_("This product belongs to another seller."))
    if errors:
        raise ValidationError(errors)
