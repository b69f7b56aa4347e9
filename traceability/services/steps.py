"""The rules of each step of a lot's chain: its details, its place, its quantity, what a
harvest changes in the lot, and the pre-harvest interval (PHI) of sprayings.

What each step (``STEPS``) requires:

- planting, fertilising, spraying: the lot's growing area, which is their place; no
  quantity. Spraying needs ``product_name``, ``active_ingredient``, ``dose`` and
  ``pre_harvest_interval_days`` in ``details`` (a ``Spraying`` row follows). Fertilising
  may name ``product_name`` and ``dose``.
- harvesting: the lot's growing area, ACTIVE; ``quantity_kg``. Adds to the lot's harvested
  and remaining kilograms and sets its harvest date; inside the PHI of a spraying on the
  same area it opens a PRE_HARVEST_INTERVAL violation.
- packing: something harvested; at a packing house of the seller (``site_id``, else the
  lot's), ACTIVE, which becomes the lot's packing house if it had none; an optional
  quantity up to what is left.
- shipping: ``quantity_kg`` up to what is left, deducted from it; from ``site_id``, the
  packing house or the growing area.
- receiving: something harvested; optional quantity up to what was harvested; optional
  site of the seller.
- inspecting: optional site of the seller (else the lot's packing house or area);
  ``details`` may give ``result`` (passed or failed) and ``findings``.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import invalid as _invalid
from traceability.epcis import vocabulary
from traceability.models import Lot, Site, Spraying, TraceEvent, Violation
from traceability.services import audits
from traceability.services.chain import check_quantity, check_text, is_int, site_of_seller

MAX_PHI_DAYS = 365


@dataclass(frozen=True)
class Step:
    """What one kind of event needs. ``quantity``: "required", "optional" or "none"."""

    name: str
    action: str
    quantity: str
    on_area: bool  # happens on the lot's growing area
    needs_harvest: bool = False
    details: tuple[str, ...] = ()
    required_details: tuple[str, ...] = ()
    disposition: str | None = None


STEPS = {
    step.name: step
    for step in (
        Step("planting", "OBSERVE", "none", on_area=True),
        Step("fertilising", "OBSERVE", "none", on_area=True, details=("product_name", "dose")),
        Step(
            "spraying",
            "OBSERVE",
            "none",
            on_area=True,
            details=("product_name", "active_ingredient", "dose", "pre_harvest_interval_days"),
            required_details=(
                "product_name",
                "active_ingredient",
                "dose",
                "pre_harvest_interval_days",
            ),
        ),
        # ADD: the harvest brings the kilograms into being, and ILMD belongs to ADD events.
        Step("harvesting", "ADD", "required", on_area=True, disposition="active"),
        Step(
            "packing",
            "OBSERVE",
            "optional",
            on_area=False,
            needs_harvest=True,
            disposition="in_progress",
        ),
        Step(
            "shipping",
            "OBSERVE",
            "required",
            on_area=False,
            needs_harvest=True,
            disposition="in_transit",
        ),
        Step(
            "receiving",
            "OBSERVE",
            "optional",
            on_area=False,
            needs_harvest=True,
            disposition="in_progress",
        ),
        Step("inspecting", "OBSERVE", "none", on_area=False, details=("result", "findings")),
    )
}

# Spelled as in ``Spraying``'s columns, written in the event as ``ocop:`` camelCase keys.
DETAIL_KEYS = {
    "product_name": "productName",
    "active_ingredient": "activeIngredient",
    "dose": "dose",
    "pre_harvest_interval_days": "preHarvestIntervalDays",
    "result": "inspectionResult",
    "findings": "findings",
}
_DETAIL_LENGTHS = {
    "product_name": 255,
    "active_ingredient": 255,
    "dose": 64,
    "findings": 2000,
}
INSPECTION_RESULTS = ("passed", "failed")


def biz_step_uri(step: str) -> str:
    """The bizStep of a step: a bare CBV term where CBV has one, else our own URI."""
    if vocabulary.is_cbv_biz_step(step):
        return vocabulary.cbv_term(step)
    return vocabulary.own_biz_step(step)


def check_details(step: Step, details) -> dict:
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise _invalid("details", _("Details are a set of named values."), "INVALID")
    unknown = sorted(set(details) - set(step.details))
    if unknown:
        raise _invalid(
            f"details.{unknown[0]}",
            _("A %(step)s event has no detail %(name)s.") % {"step": step.name, "name": unknown[0]},
            "INVALID",
        )
    cleaned: dict = {}
    for key in step.details:
        value = details.get(key)
        field = f"details.{key}"
        if key == "pre_harvest_interval_days":
            if value is None:
                raise _invalid(field, _("This field is required."), "REQUIRED")
            if not is_int(value) or not 0 <= value <= MAX_PHI_DAYS:
                raise _invalid(
                    field,
                    _("Give a whole number of days from 0 to %(maximum)d.")
                    % {"maximum": MAX_PHI_DAYS},
                    "INVALID",
                )
            cleaned[key] = value
        elif key == "result":
            if value is not None and value not in INSPECTION_RESULTS:
                raise _invalid(field, _("The result is passed or failed."), "INVALID")
            if value is not None:
                cleaned[key] = value
        else:
            text = check_text(
                value,
                field=field,
                max_length=_DETAIL_LENGTHS[key],
                required=key in step.required_details,
            )
            if text:
                cleaned[key] = text
    return cleaned


def check_disposition(value, default: str | None) -> str | None:
    if value is None or value == "":
        return vocabulary.cbv_term(default) if default else None
    if not isinstance(value, str) or not vocabulary.is_disposition(value):
        raise _invalid(
            "disposition",
            _("Use a CBV disposition (in_transit, in_progress...) or a URI of our vocabulary."),
            "INVALID",
        )
    return value


def _require_active(site: Site, field: str, message: str, code: str) -> None:
    """Refuse with ``message`` (given the site's ``code`` and ``status``) unless it is active."""
    if site.status != Site.Status.ACTIVE:
        raise _invalid(
            field, message % {"code": site.code, "status": site.get_status_display()}, code
        )


def place_of(step: Step, lot: Lot, site_id) -> Site | None:
    """Where the event happens (readPoint and bizLocation)."""
    if step.on_area:
        if lot.growing_area is None:
            raise _invalid(
                "step",
                _("This lot has no growing area, so it cannot have a %(step)s event.")
                % {"step": step.name},
                "NO_AREA",
            )
        if site_id is not None and site_id != lot.growing_area_id:
            raise _invalid(
                "site_id", _("This step happens on the lot's own growing area."), "INVALID"
            )
        return lot.growing_area
    if step.name == "packing":
        if site_id is None:
            if lot.packing_house is None:
                raise _invalid("site_id", _("Name the packing house."), "REQUIRED")
            house = lot.packing_house
        else:
            house = site_of_seller(
                site_id, seller_id=lot.seller_id, kind=Site.Kind.PACKING_HOUSE, field="site_id"
            )
        _require_active(
            house,
            "site_id",
            _("Packing house %(code)s is not active (%(status)s)."),
            "SITE_NOT_ACTIVE",
        )
        return house
    if site_id is not None:
        return site_of_seller(site_id, seller_id=lot.seller_id, kind=None, field="site_id")
    if step.name == "receiving":
        return None
    return lot.packing_house or lot.growing_area


def check_quantity_for(step: Step, lot: Lot, quantity_kg) -> Decimal | None:
    if step.quantity == "none":
        if quantity_kg is not None:
            raise _invalid(
                "quantity_kg",
                _("A %(step)s event has no quantity.") % {"step": step.name},
                "INVALID",
            )
        return None
    if quantity_kg is None:
        if step.quantity == "required":
            raise _invalid("quantity_kg", _("This field is required."), "REQUIRED")
        return None
    quantity = check_quantity(quantity_kg)
    limit = lot.harvested_kg if step.name == "receiving" else lot.remaining_kg
    if step.name != "harvesting" and quantity > limit:
        raise _invalid(
            "quantity_kg",
            _("Only %(left)s kg of this lot are left.") % {"left": limit}
            if step.name != "receiving"
            else _("Only %(left)s kg of this lot were harvested.") % {"left": limit},
            "QUANTITY_EXCEEDED",
        )
    return quantity


def apply_harvest(lot: Lot, event_time, quantity: Decimal) -> tuple[str, ...]:
    _require_active(
        lot.growing_area,
        "step",
        _("Growing area %(code)s is not active (%(status)s): nothing may be harvested."),
        "AREA_NOT_ACTIVE",
    )
    harvest_date = timezone.localdate(event_time)
    if lot.best_before is not None and lot.best_before < harvest_date:
        raise _invalid(
            "event_time",
            _("The harvest cannot come after the lot's best-before date."),
            "AFTER_BEST_BEFORE",
        )
    lot.harvest_date = max(lot.harvest_date or harvest_date, harvest_date)
    lot.harvested_kg += quantity
    lot.remaining_kg += quantity
    return ("harvest_date", "harvested_kg", "remaining_kg")


def open_phi_violations_for_harvest(lot: Lot, event: TraceEvent) -> None:
    """Open a violation for each spraying on the area whose PHI the harvest falls inside."""
    sprayings = Spraying.objects.filter(
        area=lot.growing_area,
        sprayed_at__lte=event.event_time,
        harvest_allowed_from__gt=event.event_time,
        event__error_declarations__isnull=True,
    ).order_by("pk")
    for spraying in sprayings:
        _open_phi_violation(lot, spraying, event.event_time)


def open_phi_violations_for_spraying(spraying: Spraying) -> None:
    """A spraying captured after a harvest it overlaps (late capture) still opens it."""
    harvests = (
        TraceEvent.objects.filter(
            site=spraying.area,
            biz_step=biz_step_uri("harvesting"),
            event_time__gte=spraying.sprayed_at,
            event_time__lt=spraying.harvest_allowed_from,
            error_declarations__isnull=True,
            declares_error_in__isnull=True,
        )
        .select_related("lot")
        .order_by("pk")
    )
    for harvest in harvests:
        if harvest.lot.growing_area_id == spraying.area_id:
            _open_phi_violation(harvest.lot, spraying, harvest.event_time)


def _open_phi_violation(lot: Lot, spraying: Spraying, harvested_at) -> None:
    already = Violation.objects.filter(
        lot=lot, spraying=spraying, kind=Violation.Kind.PRE_HARVEST_INTERVAL
    ).exists()
    if already:
        return
    audits.violation_open(
        site=spraying.area,
        kind=Violation.Kind.PRE_HARVEST_INTERVAL,
        lot=lot,
        spraying=spraying,
        details=_(
            "Harvested %(harvested)s, inside the pre-harvest interval of %(product)s "
            "(%(ingredient)s) sprayed %(sprayed)s: harvest allowed from %(allowed)s."
        )
        % {
            "harvested": timezone.localtime(harvested_at).isoformat(),
            "product": spraying.product_name,
            "ingredient": spraying.active_ingredient,
            "sprayed": timezone.localtime(spraying.sprayed_at).isoformat(),
            "allowed": timezone.localtime(spraying.harvest_allowed_from).isoformat(),
        },
    )
