"""The enums of traceability's GraphQL types, read from the models' choices."""

import graphene

from traceability import models, selectors
from traceability.services.events import ERROR_REASONS, STEPS


def _enum(choices, name: str, description: str) -> type[graphene.Enum]:
    return graphene.Enum.from_enum(choices, name=name, description=description)


SiteStatusEnum = _enum(
    models.Site.Status, "SiteStatusEnum", "Where a code is: waiting, active, suspended, revoked."
)
SiteKindEnum = _enum(models.Site.Kind, "SiteKindEnum", "A growing area or a packing house.")
GapSchemeEnum = _enum(models.GapCertificate.Scheme, "GapSchemeEnum", "A GAP certificate scheme.")
InspectionResultEnum = _enum(
    models.Inspection.Result, "InspectionResultEnum", "What an inspection found."
)
ViolationKindEnum = _enum(models.Violation.Kind, "ViolationKindEnum", "What a violation is.")
ViolationStatusEnum = _enum(models.Violation.Status, "ViolationStatusEnum", "Open or closed.")
AuditActionEnum = _enum(
    models.AuditEntry.Action, "AuditActionEnum", "What an auditor or operator did."
)
TraceEventTypeEnum = graphene.Enum(
    "TraceEventTypeEnum",
    [(value.replace("Event", "").upper(), value) for value in models.TraceEvent.Type.values],
    description="The EPCIS 2.0 event type.",
)
TraceStepEnum = graphene.Enum(
    "TraceStepEnum",
    [(name.upper(), name) for name in STEPS],
    description=(
        "A step of a lot's life: CBV bizSteps where CBV has one (packing, shipping, "
        "receiving, inspecting), the project's own vocabulary for the rest."
    ),
)
TraceErrorReasonEnum = graphene.Enum(
    "TraceErrorReasonEnum",
    [(name.upper(), name) for name in ERROR_REASONS],
    description="Why an event was wrong (CBV error reasons).",
)
OriginProblemEnum = graphene.Enum(
    "OriginProblemEnum",
    [(code, code) for code in selectors.PRODUCT_ORIGIN_PROBLEMS],
    description=(
        "Why an origin is not verified: a code (AREA_…) or packing house (PACKING_HOUSE_…) "
        "that is not active, the same of a lot it was made from (INPUT_…), a broken event "
        "chain, an open violation, a lot past best-before or not harvested; for a product "
        "also NO_LOT (none recorded) and NOTHING_LEFT (no quantity left of any lot)."
    ),
)
