"""What the GS1 Digital Link resolver (``traceability.resolver``) says about a lot: the
sentences of its page and the ``Trace`` it reads once for the page and the JSON-LD."""

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traceability import digital_link, selectors
from traceability.epcis import vocabulary
from traceability.models import GapCertificate, Lot, Site, TraceEvent

# Why a lot's origin is not verified, one sentence per code of
# ``selectors.ORIGIN_PROBLEMS`` (a test checks that none is missing).
ORIGIN_PROBLEM_SENTENCES = {
    "NO_AREA": gettext_lazy("No growing area is recorded for this lot."),
    "AREA_PENDING": gettext_lazy(
        "The code of its growing area is still waiting for the agriculture department's approval."
    ),
    "AREA_SUSPENDED": gettext_lazy(
        "The agriculture department has suspended the code of its growing area."
    ),
    "AREA_REVOKED": gettext_lazy(
        "The agriculture department has revoked the code of its growing area."
    ),
    "PACKING_HOUSE_PENDING": gettext_lazy(
        "The code of its packing house is still waiting for the agriculture department's approval."
    ),
    "PACKING_HOUSE_SUSPENDED": gettext_lazy(
        "The agriculture department has suspended the code of its packing house."
    ),
    "PACKING_HOUSE_REVOKED": gettext_lazy(
        "The agriculture department has revoked the code of its packing house."
    ),
    "INPUT_AREA_PENDING": gettext_lazy(
        "The code of the growing area of a lot it was made from is still waiting for approval."
    ),
    "INPUT_AREA_SUSPENDED": gettext_lazy(
        "The agriculture department has suspended the code of the growing area of a lot "
        "it was made from."
    ),
    "INPUT_AREA_REVOKED": gettext_lazy(
        "The agriculture department has revoked the code of the growing area of a lot it "
        "was made from."
    ),
    "INPUT_PACKING_HOUSE_PENDING": gettext_lazy(
        "The code of the packing house of a lot it was made from is still waiting for approval."
    ),
    "INPUT_PACKING_HOUSE_SUSPENDED": gettext_lazy(
        "The agriculture department has suspended the code of the packing house of a lot "
        "it was made from."
    ),
    "INPUT_PACKING_HOUSE_REVOKED": gettext_lazy(
        "The agriculture department has revoked the code of the packing house of a lot it "
        "was made from."
    ),
    "CHAIN_BROKEN": gettext_lazy(
        "Its record of events failed the tamper check: a recorded event was changed."
    ),
    "OPEN_VIOLATION": gettext_lazy(
        "A violation is open on this lot, its growing area or its packing house."
    ),
    "INPUT_OPEN_VIOLATION": gettext_lazy("A violation is open on a lot it was made from."),
    "EXPIRED": gettext_lazy("It is past its best-before date."),
    "NOT_HARVESTED": gettext_lazy("Nothing of this lot has been harvested yet."),
}

# The names of the steps of a timeline, by the bizStep's short name.
STEP_NAMES = {
    vocabulary.PLANTING: gettext_lazy("Planting"),
    vocabulary.FERTILISING: gettext_lazy("Fertilising"),
    vocabulary.SPRAYING: gettext_lazy("Spraying"),
    vocabulary.HARVESTING: gettext_lazy("Harvesting"),
    vocabulary.PROCESSING: gettext_lazy("Processing"),
    vocabulary.COMMISSIONING: gettext_lazy("Commissioning"),
    vocabulary.PACKING: gettext_lazy("Packing"),
    vocabulary.SHIPPING: gettext_lazy("Shipping"),
    vocabulary.RECEIVING: gettext_lazy("Receiving"),
    vocabulary.STORING: gettext_lazy("Storing"),
    vocabulary.INSPECTING: gettext_lazy("Inspection"),
    vocabulary.SAMPLING: gettext_lazy("Sampling"),
}
MADE_FROM_INPUTS = gettext_lazy("Made from the lots below")
OTHER_STEP = gettext_lazy("Other step")
INSPECTION_RESULTS = {"passed": gettext_lazy("passed"), "failed": gettext_lazy("failed")}
SITE_STATUSES = {
    Site.Status.PENDING: gettext_lazy("waiting for approval"),
    Site.Status.ACTIVE: gettext_lazy("active"),
    Site.Status.SUSPENDED: gettext_lazy("suspended"),
    Site.Status.REVOKED: gettext_lazy("revoked"),
}


# ---------------------------------------------------------------- identifiers


def lot_uri(lot: Lot) -> str:
    """What the lot's QR code encodes on ``TRACE_RESOLVER_BASE``: its GS1 Digital Link when
    it has a GTIN, else its page on the resolver."""
    if lot.gtin:
        return digital_link.build(settings.TRACE_RESOLVER_BASE, lot.gtin, lot.code)
    return digital_link.lot_page_uri(settings.TRACE_RESOLVER_BASE, lot.code)


def _lot_path(lot: Lot) -> str:
    """The path of ``lot_uri`` on this server (links between lots of a trace)."""
    if lot.gtin:
        return f"/01/{lot.gtin}/10/{quote(lot.code, safe='')}"
    return digital_link.lot_page_path(lot.code)


def _epcis_path(lot: Lot) -> str:
    return reverse("epcis-lot-document", kwargs={"code": lot.code})


def _qr_path(lot: Lot, extension: str) -> str:
    return reverse(f"trace-lot-qr-{extension}", kwargs={"code": lot.code})


# ---------------------------------------------------------------- the trace of a lot


@dataclass
class Trace:
    """What the page and the JSON-LD say about a lot, read once."""

    lot: Lot
    uri: str
    stars: int | None
    problems: list[str]
    areas: list[Site]
    certificates: dict[int, list[GapCertificate]]
    # The lots it was made from, each with its depth (1 for a direct input).
    inputs: list[dict]
    timeline: list[dict]
    today: object
    serial: str | None = None
    label_expiry: object = None
    links: dict = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def reasons(self) -> list[tuple[str, str]]:
        return [(code, str(ORIGIN_PROBLEM_SENTENCES[code])) for code in self.problems]

    @property
    def area_rows(self) -> list[tuple[Site, list[GapCertificate]]]:
        return [(site, self.certificates.get(site.pk, [])) for site in self.areas]

    @property
    def star_signs(self) -> str:
        return "★" * (self.stars or 0)

    @property
    def expiry_differs(self) -> bool:
        return self.label_expiry is not None and self.label_expiry != self.lot.best_before


def _flattened(nodes: list[selectors.ProvenanceNode], depth: int = 1):
    for node in nodes:
        yield {
            "depth": depth,
            "lot": node.lot,
            "quantity_kg": node.quantity_kg,
            "path": _lot_path(node.lot),
        }
        yield from _flattened(node.inputs, depth + 1)


def _step_name(event: TraceEvent) -> str:
    if event.event_type == TraceEvent.Type.TRANSFORMATION:
        return str(MADE_FROM_INPUTS)
    name = vocabulary.biz_step_name(event.biz_step)
    return str(STEP_NAMES.get(name, OTHER_STEP))


def _timeline_row(event: TraceEvent) -> dict:
    document = event.document
    details = []
    if document.get("ocop:productName"):
        details.append(_("Product: %(name)s") % {"name": document["ocop:productName"]})
    if document.get("ocop:activeIngredient"):
        details.append(
            _("Active ingredient: %(name)s") % {"name": document["ocop:activeIngredient"]}
        )
    if document.get("ocop:dose"):
        details.append(_("Dose: %(dose)s") % {"dose": document["ocop:dose"]})
    if document.get("ocop:preHarvestIntervalDays") is not None:
        details.append(
            _("Pre-harvest interval: %(days)s days")
            % {"days": document["ocop:preHarvestIntervalDays"]}
        )
    result = INSPECTION_RESULTS.get(document.get("ocop:inspectionResult"))
    if result is not None:
        details.append(_("Result: %(result)s") % {"result": result})
    return {
        "event_id": event.event_id,
        "step": vocabulary.biz_step_name(event.biz_step) or event.biz_step,
        "name": _step_name(event),
        "time": event.event_time,
        "site": event.site,
        "quantity_kg": event.quantity_kg,
        "details": details,
        "declared_erroneous": bool(getattr(event, "declared_erroneous", False)),
        "is_correction": event.declares_error_in_id is not None,
    }


def _trace(request: HttpRequest, lot: Lot, *, serial=None, label_expiry=None) -> Trace:
    """The trace of a lot read by ``resolver._public_lot`` (its stars and whether it has
    inputs annotated)."""
    today = timezone.localdate()
    provenance = list(_flattened(selectors.lot_provenance(lot))) if lot.has_inputs else []
    areas: dict[int, Site] = {}
    for site in [lot.growing_area, *(row["lot"].growing_area for row in provenance)]:
        if site is not None:
            areas.setdefault(site.pk, site)
    certificates: dict[int, list[GapCertificate]] = {pk: [] for pk in areas}
    for certificate in GapCertificate.objects.filter(site_id__in=list(areas)):
        certificates[certificate.site_id].append(certificate)
    timeline = [
        _timeline_row(event) for event in selectors.lot_timeline(lot, include_internal=False)
    ]
    trace = Trace(
        lot=lot,
        uri=lot_uri(lot),
        stars=lot.ocop_stars,
        problems=selectors.lot_origin_problems(lot, today=today),
        areas=list(areas.values()),
        certificates=certificates,
        inputs=provenance,
        timeline=timeline,
        today=today,
        serial=serial,
        label_expiry=label_expiry,
    )
    trace.links = {
        "epcis": request.build_absolute_uri(_epcis_path(lot)),
        "qr_png": request.build_absolute_uri(_qr_path(lot, "png")),
        "qr_svg": request.build_absolute_uri(_qr_path(lot, "svg")),
        "linkset": _with_query(trace.uri, linkType="all"),
    }
    return trace


def _with_query(uri: str, **params) -> str:
    separator = "&" if urlsplit(uri).query else "?"
    return uri + separator + urlencode(params)
