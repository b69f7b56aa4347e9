"""Traceability queries: lots, growing areas and packing houses, and the audits.

Lists are Relay connections with keyset cursors over what ``traceability.selectors``
lets the caller see. The audit log is the auditors' and operators' only: anyone else is
refused (``AUTHENTICATION_REQUIRED`` signed out, ``PERMISSION_DENIED`` otherwise), as
every field a caller may not read answers.
"""

import graphene
from django.utils.translation import gettext as _

from market.core.errors import InvalidInput
from market.core.graphql.connection import SortKey, paginate
from market.core.graphql.mutations import decode_id
from market.core.permissions import AUDITOR_OR_OPERATOR
from traceability import selectors
from traceability.graphql.audit_types import (
    AuditEntryCountableConnection,
    InspectionCountableConnection,
    ViolationCountableConnection,
)
from traceability.graphql.filters import (
    AUDIT_LOG_FILTERS,
    INSPECTION_FILTERS,
    LOT_FILTERS,
    SITE_FILTERS,
    VIOLATION_FILTERS,
    AuditLogFilterInput,
    InspectionFilterInput,
    LotFilterInput,
    SiteFilterInput,
    ViolationFilterInput,
    list_arguments,
    narrowed,
)
from traceability.graphql.lot_types import Lot, LotCountableConnection
from traceability.graphql.site_types import (
    GrowingArea,
    GrowingAreaCountableConnection,
    PackingHouse,
    PackingHouseCountableConnection,
)
from traceability.models import Lot as LotModel
from traceability.models import Site

NEWEST_FIRST = [SortKey("created_at", descending=True)]
BY_CODE = [SortKey("code")]


def _list(visible_to, filters: dict, connection_type, *, sort_keys=NEWEST_FIRST, requirement=None):
    """The resolver of a list: one page of the rows ``visible_to(user)`` that the ``filter``
    argument keeps; only for whoever meets ``requirement`` when one is given."""

    def resolve(_root, info, filter=None, **pagination):
        if requirement is not None:
            requirement.check(info.context.user)
        rows = narrowed(visible_to(info.context.user), filter, filters)
        return paginate(rows, connection_type=connection_type, sort_keys=sort_keys, **pagination)

    return resolve


def _sites_of_kind(kind: str):
    return lambda user: selectors.sites_visible_to(user).filter(kind=kind)


def _require_id_or_code(id_value, code) -> None:
    if (id_value is None) == (code is None):
        raise InvalidInput(_("Give exactly one of `id` or `code`."))


def _id_or_code_field(of, *, description: str) -> graphene.Field:
    return graphene.Field(of, id=graphene.ID(), code=graphene.String(), description=description)


def _site(info, kind: str, type_name: str, id_value, code):
    _require_id_or_code(id_value, code)
    sites = _sites_of_kind(kind)(info.context.user)
    if id_value is not None:
        return sites.filter(pk=decode_id(id_value, type_name, field="id")).first()
    return sites.filter(code=code.strip()).first()


class TraceabilityQueries(graphene.ObjectType):
    lot = _id_or_code_field(
        Lot, description="One lot by ID or code (exactly one); null when you may not see it."
    )
    lots = graphene.Field(
        LotCountableConnection,
        required=True,
        description=(
            "Lots you may see: those of live products and what they were made from; a "
            "seller's staff also their own; auditors and operators all. Newest first."
        ),
        **list_arguments(LotFilterInput),
    )
    growing_area = _id_or_code_field(
        GrowingArea, description="One growing area by ID or code; null when you may not see it."
    )
    growing_areas = graphene.Field(
        GrowingAreaCountableConnection,
        required=True,
        description=(
            "Growing areas you may see: those a visible lot names; a seller's staff also "
            "their own; auditors and operators all. By code."
        ),
        **list_arguments(SiteFilterInput),
    )
    packing_house = _id_or_code_field(
        PackingHouse, description="One packing house by ID or code; null when you may not see it."
    )
    packing_houses = graphene.Field(
        PackingHouseCountableConnection,
        required=True,
        description="Packing houses you may see, as for `growingAreas`. By code.",
        **list_arguments(SiteFilterInput),
    )
    violations = graphene.Field(
        ViolationCountableConnection,
        required=True,
        description=(
            "Violations: all for auditors and operators, those of their sellers' codes for "
            "staff, none for others. Newest first."
        ),
        **list_arguments(ViolationFilterInput),
    )
    inspections = graphene.Field(
        InspectionCountableConnection,
        required=True,
        description="Inspections, seen as violations are. Latest inspection date first.",
        **list_arguments(InspectionFilterInput),
    )
    audit_log = graphene.Field(
        AuditEntryCountableConnection,
        description="What auditors and operators did, newest first. For auditors and operators.",
        **list_arguments(AuditLogFilterInput),
    )

    @staticmethod
    def resolve_lot(_root, info, id=None, code=None):
        _require_id_or_code(id, code)
        if id is not None:
            pk = decode_id(id, "Lot", field="id")
        else:
            pk = LotModel.objects.filter(code=code.strip()).values_list("pk", flat=True).first()
        return None if pk is None else selectors.lot_visible_to(info.context.user, pk)

    @staticmethod
    def resolve_growing_area(_root, info, id=None, code=None):
        return _site(info, Site.Kind.GROWING_AREA, "GrowingArea", id, code)

    @staticmethod
    def resolve_packing_house(_root, info, id=None, code=None):
        return _site(info, Site.Kind.PACKING_HOUSE, "PackingHouse", id, code)

    resolve_lots = _list(selectors.lots_visible_to, LOT_FILTERS, LotCountableConnection)
    resolve_growing_areas = _list(
        _sites_of_kind(Site.Kind.GROWING_AREA),
        SITE_FILTERS,
        GrowingAreaCountableConnection,
        sort_keys=BY_CODE,
    )
    resolve_packing_houses = _list(
        _sites_of_kind(Site.Kind.PACKING_HOUSE),
        SITE_FILTERS,
        PackingHouseCountableConnection,
        sort_keys=BY_CODE,
    )
    resolve_violations = _list(
        selectors.violations_visible_to,
        VIOLATION_FILTERS,
        ViolationCountableConnection,
        sort_keys=[SortKey("opened_at", descending=True)],
    )
    resolve_inspections = _list(
        selectors.inspections_visible_to,
        INSPECTION_FILTERS,
        InspectionCountableConnection,
        sort_keys=[SortKey("inspected_on", descending=True)],
    )
    resolve_audit_log = _list(
        selectors.audit_entries_visible_to,
        AUDIT_LOG_FILTERS,
        AuditEntryCountableConnection,
        sort_keys=[SortKey("at", descending=True)],
        requirement=AUDITOR_OR_OPERATOR,
    )
