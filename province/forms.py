"""The dashboard page's two forms: signing in, and the filters (a GET form read into the
``Period`` and ``Filters`` every reader of the figures takes).

Signing in is Django's ``AuthenticationForm`` (email and password of the project's user
model) behind the same throttle as the API's ``tokenCreate`` (``market.accounts.throttling``):
one set of counters, so a guesser gains nothing by switching from the API to this page.

The labels of the codes the figures are keyed by (product groups, seller kinds, payment
methods, site statuses) are English here, in the translation catalog, so the page reads in
the request's language; the models' own labels are Vietnamese only.
"""

import re
from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import OcopCertificate
from market.accounts import throttling
from market.accounts.services import normalize_email
from market.core import throttle
from market.core.errors import InvalidInput
from market.sellers.models import Seller
from province import selectors
from province.figures import Filters, Period, month_end
from traceability.models import Site

DEFAULT_MONTHS = 12
STARS = (3, 4, 5)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# The place filter's values: a ward (or commune) or a former district, in one select.
WARD_PREFIX = "ward:"
DISTRICT_PREFIX = "district:"
# Where the shared checks' fields show on this form (the period's are the last month's).
_FORM_FIELD_OF = {
    "period.start": "month_from",
    "period.end": "month_to",
    "ward": "place",
    "former_district": "place",
    "product_group": "product_group",
    "stars": "stars",
    "seller_kind": "seller_kind",
}

STARS_LABEL = _("%(stars)d stars")
PRODUCT_GROUP_LABELS = {
    OcopCertificate.ProductGroup.FOOD: _("Food"),
    OcopCertificate.ProductGroup.BEVERAGES: _("Beverages"),
    OcopCertificate.ProductGroup.HERBS: _("Medicinal herbs and herbal products"),
    OcopCertificate.ProductGroup.HANDICRAFTS: _("Handicrafts"),
    OcopCertificate.ProductGroup.ORNAMENTALS: _("Ornamental plants and animals"),
    OcopCertificate.ProductGroup.TOURISM: _("Community tourism services and sites"),
}
SELLER_KIND_LABELS = {
    Seller.Kind.COOPERATIVE: _("Cooperative"),
    Seller.Kind.ENTERPRISE: _("Enterprise"),
    Seller.Kind.HOUSEHOLD: _("Household business"),
    Seller.Kind.ESTABLISHMENT: _("Production or processing establishment"),
}
SITE_STATUS_LABELS = {
    Site.Status.PENDING: _("Pending approval"),
    Site.Status.ACTIVE: _("Active"),
    Site.Status.SUSPENDED: _("Suspended"),
    Site.Status.REVOKED: _("Revoked"),
}
PAYMENT_METHOD_LABELS = {
    "vnpay": _("VNPay"),
    "momo": _("MoMo"),
    "vietqr": _("VietQR bank transfer"),
    "card": _("Card"),
    "cod": _("Cash on delivery"),
}


def label_of(labels: dict, key) -> str:
    """A code's label in the reader's language; an unknown code (a new one, blank) as is."""
    if key in (None, ""):
        return str(_("None"))
    return str(labels.get(key, key))


class SignInForm(AuthenticationForm):
    """Email and password; every attempt is counted before the password is checked."""

    error_messages = {
        "invalid_login": _("The email or the password is not right."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "maxlength": 254}
        )
        self.fields["password"].label = _("Password")

    # The wait in seconds when the attempt was refused by the throttle, else None.
    retry_after: int | None = None

    def clean(self):
        email = normalize_email(self.cleaned_data.get("username") or "")
        if not email or not self.cleaned_data.get("password"):
            return super().clean()
        address = throttle.client_address(self.request)
        try:
            throttling.sign_in_attempt(email=email, address=address)
        except throttle.Throttled as refused:
            self.retry_after = refused.retry_after
            raise ValidationError(refused.message, code="throttled") from None
        # The manager stores emails lower-cased; the backend looks them up as given.
        self.cleaned_data["username"] = email
        cleaned = super().clean()
        throttling.signed_in(email=email, address=address)
        return cleaned


def place_choices() -> list:
    """Wards and former districts the data names (``selectors.named_places``), as the
    select's option groups."""
    wards, districts = selectors.named_places()
    return [
        ("", _("Whole province")),
        (_("Ward or commune"), [(WARD_PREFIX + ward, ward) for ward in wards]),
        (
            _("Former district"),
            [(DISTRICT_PREFIX + district, district) for district in districts],
        ),
    ]


def _month(value: str) -> date:
    match = _MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise ValidationError(
            _("Write the month as YYYY-MM, for example 2026-01."), code="invalid_month"
        )
    return date(int(match[1]), int(match[2]), 1)


def months_back(month: date, count: int) -> date:
    """The first day of the month ``count`` months before ``month``."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


class DashboardFiltersForm(forms.Form):
    """The page's filters, sent as a GET query; blank is "all", and the default period is
    the last twelve months up to today."""

    month_from = forms.CharField(
        label=_("From month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    month_to = forms.CharField(
        label=_("To month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    place = forms.ChoiceField(label=_("Ward, commune or former district"), required=False)
    product_group = forms.ChoiceField(label=_("Product group"), required=False)
    stars = forms.TypedChoiceField(label=_("Stars"), required=False, coerce=int, empty_value=None)
    seller_kind = forms.ChoiceField(label=_("Seller kind"), required=False)

    def __init__(self, data=None, *, today: date, places: list | None = None):
        # A copy: the months resolved by ``clean`` are written back, for the inputs to show.
        super().__init__(data.copy() if data is not None else None)
        self.today = today
        self.fields["place"].choices = places if places is not None else place_choices()
        self.fields["product_group"].choices = [("", _("All groups"))] + [
            (value, label_of(PRODUCT_GROUP_LABELS, value))
            for value in OcopCertificate.ProductGroup.values
        ]
        self.fields["stars"].choices = [("", _("All stars"))] + [
            (str(stars), STARS_LABEL % {"stars": stars}) for stars in STARS
        ]
        self.fields["seller_kind"].choices = [("", _("All kinds"))] + [
            (value, label_of(SELLER_KIND_LABELS, value)) for value in Seller.Kind.values
        ]
        this_month = today.replace(day=1)
        self.fields["month_from"].widget.attrs["max"] = f"{this_month:%Y-%m}"
        self.fields["month_to"].widget.attrs["max"] = f"{this_month:%Y-%m}"
        self.initial = {
            "month_from": f"{months_back(this_month, DEFAULT_MONTHS - 1):%Y-%m}",
            "month_to": f"{this_month:%Y-%m}",
        }

    def clean_month_from(self):
        value = self.cleaned_data["month_from"]
        return _month(value) if value else None

    def clean_month_to(self):
        value = self.cleaned_data["month_to"]
        return _month(value) if value else None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        this_month = self.today.replace(day=1)
        last = cleaned.get("month_to") or this_month
        first = cleaned.get("month_from") or months_back(last, DEFAULT_MONTHS - 1)
        if first > this_month:
            self.add_error("month_from", _("The period cannot start after this month."))
        elif last < first:
            self.add_error("month_to", _("The last month comes before the first."))
        if self.errors:
            return cleaned
        last = min(last, this_month)
        if self.is_bound:
            self.data["month_from"] = f"{first:%Y-%m}"
            self.data["month_to"] = f"{last:%Y-%m}"
        # The checks every reader of the figures shares (GraphQL's too), as form errors.
        end = month_end(last)
        place = cleaned.get("place") or ""
        try:
            self._period = selectors.dashboard_period(first, min(end, self.today))
            self._filters = selectors.dashboard_filters(
                ward=place.removeprefix(WARD_PREFIX) if place.startswith(WARD_PREFIX) else "",
                former_district=(
                    place.removeprefix(DISTRICT_PREFIX) if place.startswith(DISTRICT_PREFIX) else ""
                ),
                product_group=cleaned.get("product_group") or "",
                stars=cleaned.get("stars"),
                seller_kind=cleaned.get("seller_kind") or "",
            )
        except InvalidInput as refused:
            self.add_error(_FORM_FIELD_OF.get(refused.field), refused.message)
        return cleaned

    def period(self) -> Period:
        """The period of a valid form: whole months, the current one up to today."""
        return self._period

    def filters(self) -> Filters:
        return self._filters
