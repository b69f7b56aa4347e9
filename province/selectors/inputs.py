"""The dashboard's inputs, checked once for every reader (GraphQL, the page, exports).

Each refusal is an ``InvalidInput`` keyed by the field at fault, raised before anything
is counted.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.models import OcopCertificate
from market.core.addresses import ward_named
from market.core.errors import InvalidInput
from market.core.text import INVALID_TEXT, clean_text
from market.sellers.models import Seller
from province.figures import Filters, Period

MAX_PERIOD_MONTHS = 36
# Figures before the marketplace (or far ahead) are a typo, not a question.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
PLACE_MAX_LENGTH = 100  # Address.ward, Site.ward, RegistryEntry.ward


def dashboard_period(start: date, end: date) -> Period:
    """A period of whole local days, both ends included: end not before start, at most
    ``MAX_PERIOD_MONTHS`` months, within the years 2000 to 2100."""
    for name, day in (("start", start), ("end", end)):
        if not isinstance(day, date) or not EARLIEST_DAY <= day <= LATEST_DAY:
            raise InvalidInput(
                _("Give a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()},
                field=f"period.{name}",
            )
    if end < start:
        raise InvalidInput(_("The period ends before it starts."), field="period.end")
    if end >= start + relativedelta(months=MAX_PERIOD_MONTHS):
        raise InvalidInput(
            _("A period is at most %(months)s months.") % {"months": MAX_PERIOD_MONTHS},
            field="period.end",
        )
    return Period(start=start, end=end)


def dashboard_filters(
    *,
    ward: str | None = None,
    former_district: str | None = None,
    product_group: str | None = None,
    stars: int | None = None,
    seller_kind: str | None = None,
) -> Filters:
    """Filters with text cleaned (NFC, trimmed; control and bidi characters refused), a
    known product group and seller kind, stars 3 to 5. Blank means "all"."""
    places = {}
    for name, value in (("ward", ward), ("former_district", former_district)):
        places[name] = _place(value or "", field=name)
    # As every writer stores it: "Cà Ná" and "xã cà ná" are the listed "Xã Cà Ná".
    places["ward"] = ward_named(places["ward"])
    product_group = (product_group or "").strip()
    if product_group and product_group not in OcopCertificate.ProductGroup.values:
        raise InvalidInput(
            _("Unknown product group: %(group)s.") % {"group": product_group[:40]},
            field="product_group",
        )
    seller_kind = (seller_kind or "").strip()
    if seller_kind and seller_kind not in Seller.Kind.values:
        raise InvalidInput(
            _("Unknown seller kind: %(kind)s.") % {"kind": seller_kind[:40]}, field="seller_kind"
        )
    if stars is not None and (type(stars) is not int or not 3 <= stars <= 5):
        raise InvalidInput(_("OCOP stars are 3, 4 or 5."), field="stars")
    return Filters(product_group=product_group, stars=stars, seller_kind=seller_kind, **places)


def _place(value: str, *, field: str) -> str:
    try:
        value = clean_text(value)
    except ValidationError as refused:
        raise InvalidInput(refused.messages[0], code=INVALID_TEXT, field=field) from None
    if any(character in value for character in "\t\n\r"):
        raise InvalidInput(_("A place name is one line."), code=INVALID_TEXT, field=field)
    if len(value) > PLACE_MAX_LENGTH:
        raise InvalidInput(
            _("At most %(count)s characters.") % {"count": PLACE_MAX_LENGTH}, field=field
        )
    return value
