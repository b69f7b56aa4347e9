"""Sellers' shipping methods: create, change, delete.

Staff act for their own seller only, operators for any; ``by=None`` is the platform itself
(the demo loader, the admin site). Every problem with the input is reported at once, keyed by
field (``weight_bands.1.up_to_grams``, ``provinces.2``), and nothing changes.

Deleting a method that open checkouts have chosen deletes those choices with it (the
``CheckoutDelivery`` rows cascade): those buyers choose again, and completing without a
choice is refused with ``DELIVERY_METHOD_REQUIRED``. Orders are not touched: a seller order
keeps a snapshot of the method's name, kind and price, not a reference to it.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.checkout.models import ShippingMethod
from market.core.addresses import normalize_province
from market.core.errors import NotFound
from market.core.permissions import fetch_for_seller_staff
from market.core.transactions import service_transaction
from market.sellers.models import Seller

# What a shop can mean, checked here because the columns could hold far more: shipping a
# parcel of OCOP products for more than ten million đồng is a typo or a probe; an order
# threshold above a billion đồng means "never free".
MAX_SHIPPING_PRICE_VND = 10_000_000
MAX_FREE_ABOVE_VND = 1_000_000_000
MAX_WEIGHT_BANDS = 20
# A tonne, as the catalog bounds a variant's weight.
MAX_BAND_GRAMS = 1_000_000

KIND = ShippingMethod.Kind
# The kinds priced by ``price``: pick-up is free, a by-weight method is priced by its bands.
_PRICED = (KIND.FLAT, KIND.FREE_ABOVE)


class _Unset:
    """An argument that was not given, as opposed to one given as ``None``."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


class _FieldErrors:
    """Collects field errors so that one answer lists every problem with the input."""

    def __init__(self):
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_amount(errors: _FieldErrors, field: str, value, *, maximum: int) -> None:
    """A whole, non-negative number of đồng or grams, at most ``maximum``."""
    if not _is_int(value):
        errors.add(field, _("Must be a whole number."), "INVALID")
    elif value < 0:
        errors.add(field, _("Cannot be negative."), "NEGATIVE_PRICE")
    elif value > maximum:
        errors.add(field, _("Cannot be more than %(maximum)d.") % {"maximum": maximum}, "TOO_HIGH")


def _not_for_kind(errors: _FieldErrors, field: str) -> None:
    errors.add(
        field, _("This field does not apply to this kind of shipping method."), "NOT_FOR_KIND"
    )


def _clean_name(errors: _FieldErrors, name) -> str:
    if not isinstance(name, str) or not name.strip():
        errors.add("name", _("This field is required."), "REQUIRED")
        return ""
    name = name.strip()
    limit = ShippingMethod._meta.get_field("name").max_length
    if len(name) > limit:
        errors.add("name", _("At most %(limit)s characters.") % {"limit": limit}, "TOO_LONG")
    return name


def _clean_weight_bands(errors: _FieldErrors, bands) -> list[dict]:
    """``[{"up_to_grams": …, "price": …}, …]`` as given, checked row by row: grams above
    zero and strictly ascending (so each band is a heavier step than the one before)."""
    if not isinstance(bands, list) or not bands:
        errors.add(
            "weight_bands", _("A by-weight method needs at least one weight band."), "REQUIRED"
        )
        return []
    if len(bands) > MAX_WEIGHT_BANDS:
        errors.add(
            "weight_bands",
            _("At most %(limit)d weight bands.") % {"limit": MAX_WEIGHT_BANDS},
            "TOO_MANY",
        )
        return []
    cleaned, previous = [], None
    for index, band in enumerate(bands):
        prefix = f"weight_bands.{index}"
        grams = band.get("up_to_grams") if isinstance(band, dict) else None
        price = band.get("price") if isinstance(band, dict) else None
        if not _is_int(grams) or not 0 < grams <= MAX_BAND_GRAMS:
            errors.add(
                f"{prefix}.up_to_grams",
                _("A weight band ends at between 1 and %(maximum)d grams.")
                % {"maximum": MAX_BAND_GRAMS},
                "INVALID_WEIGHT",
            )
            grams = None
        elif previous is not None and grams == previous:
            errors.add(
                f"{prefix}.up_to_grams",
                _("Two weight bands end at %(grams)d grams.") % {"grams": grams},
                "DUPLICATED",
            )
        elif previous is not None and grams < previous:
            errors.add(
                f"{prefix}.up_to_grams",
                _("Weight bands go from the lightest to the heaviest."),
                "BANDS_NOT_ASCENDING",
            )
        _checked_amount(errors, f"{prefix}.price", price, maximum=MAX_SHIPPING_PRICE_VND)
        if grams is not None:
            previous = grams
        cleaned.append({"up_to_grams": grams, "price": price})
    return cleaned


def _clean_provinces(errors: _FieldErrors, provinces) -> list[str]:
    """Each province as ``market.core.addresses`` spells it, in the order given, without
    repeats; an unknown one is reported at its index (``provinces.2``)."""
    if provinces is None:
        return []
    if not isinstance(provinces, list):
        errors.add("provinces", _("Must be a list of provinces."), "INVALID")
        return []
    cleaned: list[str] = []
    for index, value in enumerate(provinces):
        try:
            name = normalize_province(value)
        except ValidationError as error:
            message = error.message % error.params if error.params else error.message
            errors.add(f"provinces.{index}", str(message), "INVALID_PROVINCE")
            continue
        if name not in cleaned:
            cleaned.append(name)
    return cleaned


def _clean(fields: dict, *, given: set[str]) -> dict:
    """The method's fields checked as a whole: what applies to its kind is required, what
    does not is refused when the client sent it (``given``), and stored empty."""
    errors = _FieldErrors()
    kind = fields["kind"]
    if kind not in KIND.values:
        errors.add("kind", _("Unknown kind of shipping method."), "INVALID")
        errors.raise_if_any()
    cleaned = {
        "kind": kind,
        "name": _clean_name(errors, fields["name"]),
        "provinces": _clean_provinces(errors, fields["provinces"]),
        "is_active": bool(fields["is_active"]),
        "price": 0,
        "free_above": None,
        "weight_bands": [],
    }
    price, free_above, bands = fields["price"], fields["free_above"], fields["weight_bands"]
    if kind in _PRICED:
        if price is None:
            errors.add("price", _("This field is required."), "REQUIRED")
        else:
            _checked_amount(errors, "price", price, maximum=MAX_SHIPPING_PRICE_VND)
            cleaned["price"] = price
    elif "price" in given and price not in (None, 0):
        _not_for_kind(errors, "price")
    if kind == KIND.FREE_ABOVE:
        if free_above is None:
            errors.add("free_above", _("This field is required."), "REQUIRED")
        else:
            _checked_amount(errors, "free_above", free_above, maximum=MAX_FREE_ABOVE_VND)
            cleaned["free_above"] = free_above
    elif "free_above" in given and free_above is not None:
        _not_for_kind(errors, "free_above")
    if kind == KIND.WEIGHT:
        cleaned["weight_bands"] = _clean_weight_bands(errors, bands)
    elif "weight_bands" in given and bands:
        _not_for_kind(errors, "weight_bands")
    errors.raise_if_any()
    return cleaned


def _method_for_staff(by, shipping_method_id, *, lock: bool = False) -> ShippingMethod:
    return fetch_for_seller_staff(
        ShippingMethod.objects.all(),
        shipping_method_id,
        by=by,
        platform=True,
        lock=lock,
        not_found=NotFound(
            _("Shipping method %(id)s does not exist.") % {"id": shipping_method_id},
            field="shipping_method_id",
        ),
    )


@service_transaction
def shipping_method_create(
    *,
    by,
    seller_id: int,
    name: str,
    kind: str,
    price: int | None = None,
    free_above: int | None = None,
    weight_bands: list[dict] | None = None,
    provinces: list[str] | None = None,
    is_active: bool = True,
) -> ShippingMethod:
    """A new shipping method of ``seller_id``. ``price`` is required for FLAT and
    FREE_ABOVE, ``free_above`` only for FREE_ABOVE, ``weight_bands`` only for WEIGHT;
    PICKUP is free. ``provinces`` empty: everywhere."""
    seller = fetch_for_seller_staff(
        Seller.objects.all(),
        seller_id,
        by=by,
        platform=True,
        seller_field="pk",
        not_found=NotFound(
            _("Seller %(id)s does not exist.") % {"id": seller_id}, field="seller_id"
        ),
    )
    given = {
        name_
        for name_, value in (
            ("price", price),
            ("free_above", free_above),
            ("weight_bands", weight_bands),
        )
        if value is not None
    }
    cleaned = _clean(
        {
            "name": name,
            "kind": kind,
            "price": price,
            "free_above": free_above,
            "weight_bands": weight_bands,
            "provinces": provinces,
            "is_active": is_active,
        },
        given=given,
    )
    return ShippingMethod.objects.create(seller=seller, **cleaned)


@service_transaction
def shipping_method_update(
    *,
    by,
    shipping_method_id: int,
    name=UNSET,
    kind=UNSET,
    price=UNSET,
    free_above=UNSET,
    weight_bands=UNSET,
    provinces=UNSET,
    is_active=UNSET,
) -> ShippingMethod:
    """Change the given fields; the others keep their value. Changing the kind drops what
    no longer applies (a former threshold, former bands), so the method stays whole."""
    method = _method_for_staff(by, shipping_method_id, lock=True)
    changes = {
        field: value
        for field, value in (
            ("name", name),
            ("kind", kind),
            ("price", price),
            ("free_above", free_above),
            ("weight_bands", weight_bands),
            ("provinces", provinces),
            ("is_active", is_active),
        )
        if value is not UNSET and value is not None
    }
    fields = {
        "name": method.name,
        "kind": method.kind,
        "price": method.price,
        "free_above": method.free_above,
        "weight_bands": method.weight_bands,
        "provinces": method.provinces,
        "is_active": method.is_active,
    }
    # What the new kind does not use is stored empty by ``_clean``. A price set aside by
    # pick-up or bands (stored as 0) is not carried into a priced kind: it must be sent.
    if changes.get("kind", method.kind) != method.kind and method.kind not in _PRICED:
        fields["price"] = None
    fields.update(changes)
    cleaned = _clean(fields, given=set(changes))
    for field, value in cleaned.items():
        setattr(method, field, value)
    method.save()
    return method


@service_transaction
def shipping_method_delete(*, by, shipping_method_id: int) -> ShippingMethod:
    """Delete the method; open checkouts that chose it lose that choice (see the module's
    note). The returned instance keeps its primary key so the caller can name it."""
    method = _method_for_staff(by, shipping_method_id, lock=True)
    pk = method.pk
    method.delete()
    method.pk = pk
    return method
