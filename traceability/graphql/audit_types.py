"""GraphQL types of audits: inspections and their photos, violations, the audit log."""

import graphene
from graphene_django import DjangoObjectType

from catalog.graphql.nodes import PrimaryKeyNodeMixin
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import resolve_by_pk, resolve_related
from traceability import models, selectors
from traceability.graphql.dataloaders import (
    InspectionByIdLoader,
    LotByIdLoader,
    PhotosByInspectionIdLoader,
    SiteByIdLoader,
    UserByIdLoader,
    ViolationByIdLoader,
)
from traceability.graphql.enums import (
    AuditActionEnum,
    InspectionResultEnum,
    ViolationKindEnum,
    ViolationStatusEnum,
)
from traceability.graphql.lot_types import Lot
from traceability.graphql.site_types import CodedSite
from traceability.graphql.type_common import choice_value, visible_rows


class InspectionPhoto(graphene.ObjectType):
    url = graphene.String(required=True, description="Absolute URL of the photo.")
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)

    @staticmethod
    def resolve_url(root: models.InspectionPhoto, info):
        return info.context.build_absolute_uri(root.image.url)


class Inspection(PrimaryKeyNodeMixin, DjangoObjectType):
    site = graphene.Field(CodedSite, required=True)
    result = graphene.Field(InspectionResultEnum, required=True)
    photos = graphene.List(graphene.NonNull(InspectionPhoto), required=True)

    class Meta:
        model = models.Inspection
        interfaces = (graphene.relay.Node,)
        fields = ("id", "inspected_on", "inspector_name", "findings", "created_at")
        convert_choices_to_enum = False
        description = (
            "An inspection of a code by the agriculture department. Visible to auditors, "
            "operators and the seller's staff."
        )

    get_queryset = visible_rows(selectors.inspections_visible_to)

    resolve_site = resolve_related("site", SiteByIdLoader)
    resolve_result = choice_value("result")
    resolve_photos = resolve_by_pk(PhotosByInspectionIdLoader)


class Violation(PrimaryKeyNodeMixin, DjangoObjectType):
    site = graphene.Field(CodedSite, required=True)
    lot = graphene.Field(Lot, description="Null for a violation of the site as a whole.")
    kind = graphene.Field(ViolationKindEnum, required=True)
    status = graphene.Field(ViolationStatusEnum, required=True)
    inspection = graphene.Field(Inspection, description="The failed inspection that opened it.")

    class Meta:
        model = models.Violation
        interfaces = (graphene.relay.Node,)
        fields = ("id", "details", "opened_at", "closed_at", "closing_note")
        convert_choices_to_enum = False
        description = (
            "A breach found by a rule (a harvest inside a spraying's pre-harvest interval) or "
            "by a failed inspection; while open, the lots it touches are not verified."
        )

    get_queryset = visible_rows(selectors.violations_visible_to)

    resolve_site = resolve_related("site", SiteByIdLoader)
    resolve_lot = resolve_related("lot", LotByIdLoader)
    resolve_kind = choice_value("kind")
    resolve_status = choice_value("status")
    resolve_inspection = resolve_related("inspection", InspectionByIdLoader)


class AuditEntry(PrimaryKeyNodeMixin, DjangoObjectType):
    action = graphene.Field(AuditActionEnum, required=True)
    site = graphene.Field(CodedSite, required=True)
    inspection = graphene.Field(Inspection)
    violation = graphene.Field(Violation)
    actor = graphene.Field(
        "market.accounts.graphql.types.User", description="Null for the platform."
    )

    class Meta:
        model = models.AuditEntry
        interfaces = (graphene.relay.Node,)
        fields = ("id", "reason", "at")
        convert_choices_to_enum = False
        description = "One action of an auditor or operator. Read by auditors and operators."

    get_queryset = visible_rows(selectors.audit_entries_visible_to)

    resolve_action = choice_value("action")
    resolve_site = resolve_related("site", SiteByIdLoader)
    resolve_inspection = resolve_related("inspection", InspectionByIdLoader)
    resolve_violation = resolve_related("violation", ViolationByIdLoader)
    resolve_actor = resolve_related("actor", UserByIdLoader)


class InspectionCountableConnection(CountableConnection):
    class Meta:
        node = Inspection


class ViolationCountableConnection(CountableConnection):
    class Meta:
        node = Violation


class AuditEntryCountableConnection(CountableConnection):
    class Meta:
        node = AuditEntry
