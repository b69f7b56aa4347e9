"""Mutations of coded sites and their audits: register, certify, decide, inspect.

A seller's staff register and correct their own seller's codes; auditors of the
agriculture department and operators decide on codes, inspect and close violations.
"""

import graphene
from graphene.types.generic import GenericScalar

from market.core.graphql.mutations import BaseMutation, decode_id, service_perform
from market.core.graphql.upload import Upload
from market.core.permissions import AUDITOR_OR_OPERATOR, SELLER_STAFF_OR_OPERATOR
from traceability.graphql.audit_types import Inspection, Violation
from traceability.graphql.enums import GapSchemeEnum, InspectionResultEnum, SiteKindEnum
from traceability.graphql.filters import decode_site_id
from traceability.graphql.mutation_common import OWN_SELLER_ONLY, TraceMeta, given_fields
from traceability.graphql.site_types import CodedSite, GapCertificate, GrowingArea
from traceability.services import audits, sites

SITE_ID_DESCRIPTION = "A growing area's or packing house's ID."


class SiteDecisionArguments:
    """What an auditor gives to suspend, reinstate or revoke a code."""

    id = graphene.ID(required=True, description=SITE_ID_DESCRIPTION)
    reason = graphene.String(required=True, description="Shown to the seller's staff.")


# A growing area's or a packing house's ID argument, for ``service_perform``.
SITE_ID = ("site_id", decode_site_id)


def _with_growing_area(certificate) -> dict:
    return {"gap_certificate": certificate, "growing_area": certificate.site}


# ---------------------------------------------------------------- codes


class SiteRegisterInput(graphene.InputObjectType):
    seller = graphene.ID(required=True)
    kind = SiteKindEnum(required=True)
    code = graphene.String(required=True, description="e.g. `VN-NTOR-0001`, `VN-NTPH-0001`.")
    name = graphene.String(required=True)
    crops = graphene.List(graphene.NonNull(graphene.String), description="Growing areas only.")
    area_hectares = graphene.Decimal(description="Growing areas only.")
    street = graphene.String()
    ward = graphene.String(required=True, description="Phường or xã.")
    province = graphene.String(description="Khánh Hòa unless given.")
    former_district = graphene.String()
    latitude = graphene.Decimal(required=True, description="In Vietnam.")
    longitude = graphene.Decimal(required=True)
    boundary = GenericScalar(
        description="A GeoJSON Polygon, closed and inside Vietnam (growing areas only)."
    )


class SiteUpdateInput(graphene.InputObjectType):
    name = graphene.String()
    crops = graphene.List(graphene.NonNull(graphene.String))
    area_hectares = graphene.Decimal()
    street = graphene.String()
    ward = graphene.String()
    province = graphene.String()
    former_district = graphene.String()
    latitude = graphene.Decimal()
    longitude = graphene.Decimal()
    boundary = GenericScalar()


def _register_fields(data: dict) -> dict:
    fields = given_fields(data)
    fields["seller_id"] = decode_id(fields.pop("seller"), "Seller", field="seller")
    return fields


class SiteRegister(BaseMutation):
    site = graphene.Field(CodedSite)

    class Arguments:
        input = SiteRegisterInput(required=True)

    class Meta(TraceMeta):
        description = (
            "Register a growing area or packing house; it waits for an auditor's approval. "
            + OWN_SELLER_ONLY
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(sites.site_register, returns="site", unpack_input=_register_fields)


class SiteUpdate(BaseMutation):
    site = graphene.Field(CodedSite)

    class Arguments:
        id = graphene.ID(required=True, description=SITE_ID_DESCRIPTION)
        input = SiteUpdateInput(required=True)

    class Meta(TraceMeta):
        description = (
            "Correct a code's details while it waits for approval; those left out keep "
            f"their value. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(sites.site_update, returns="site", ids={"id": SITE_ID})


class GapCertificateAddInput(graphene.InputObjectType):
    growing_area = graphene.ID(required=True)
    scheme = GapSchemeEnum(required=True)
    number = graphene.String(required=True)
    issuer = graphene.String(required=True)
    valid_from = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)


def _certificate_fields(data: dict) -> dict:
    fields = dict(data)
    area = fields.pop("growing_area")
    return {"site_id": decode_id(area, "GrowingArea", field="growing_area"), **fields}


class GapCertificateAdd(BaseMutation):
    gap_certificate = graphene.Field(GapCertificate)
    growing_area = graphene.Field(GrowingArea)

    class Arguments:
        input = GapCertificateAddInput(required=True)

    class Meta(TraceMeta):
        description = (
            f"Add a VietGAP or GlobalG.A.P. certificate to a growing area. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        sites.gap_certificate_add, returns=_with_growing_area, unpack_input=_certificate_fields
    )


class GapCertificateRemove(BaseMutation):
    gap_certificate = graphene.Field(GapCertificate, description="As it was before removal.")
    growing_area = graphene.Field(GrowingArea)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(TraceMeta):
        description = f"Remove a GAP certificate from a growing area. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        sites.gap_certificate_remove,
        returns=_with_growing_area,
        ids={"id": ("certificate_id", "GapCertificate")},
    )


class SiteApprove(BaseMutation):
    site = graphene.Field(CodedSite)

    class Arguments:
        id = graphene.ID(required=True, description=SITE_ID_DESCRIPTION)
        reason = graphene.String(description="Written to the history and the audit log.")

    class Meta(TraceMeta):
        description = "Approve a pending code: it becomes active."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(sites.site_approve, returns="site", ids={"id": SITE_ID})


class SiteSuspend(BaseMutation):
    site = graphene.Field(CodedSite)

    Arguments = SiteDecisionArguments

    class Meta(TraceMeta):
        description = (
            "Suspend an active code: its lots, and the lots made from them, stop being "
            "verified at once; the seller's staff are emailed."
        )
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(sites.site_suspend, returns="site", ids={"id": SITE_ID})


class SiteReinstate(BaseMutation):
    site = graphene.Field(CodedSite)

    Arguments = SiteDecisionArguments

    class Meta(TraceMeta):
        description = "Reinstate a suspended code: its lots' origin is checked again."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(sites.site_reinstate, returns="site", ids={"id": SITE_ID})


class SiteRevoke(BaseMutation):
    site = graphene.Field(CodedSite)

    Arguments = SiteDecisionArguments

    class Meta(TraceMeta):
        description = "Revoke a code for good: its lots are no longer verified."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(sites.site_revoke, returns="site", ids={"id": SITE_ID})


# ---------------------------------------------------------------- audits


class InspectionRecordInput(graphene.InputObjectType):
    site = graphene.ID(required=True, description=SITE_ID_DESCRIPTION)
    inspected_on = graphene.Date(required=True, description="Not in the future.")
    inspector_name = graphene.String(required=True)
    result = InspectionResultEnum(required=True, description="A failed one opens a violation.")
    findings = graphene.String()


def _inspection_fields(data: dict) -> dict:
    fields = given_fields(data)
    return {"site_id": decode_site_id(fields.pop("site"), field="site"), **fields}


class InspectionRecord(BaseMutation):
    inspection = graphene.Field(Inspection)

    class Arguments:
        input = InspectionRecordInput(required=True)
        photos = graphene.List(
            graphene.NonNull(Upload),
            description=(
                f"Up to {audits.MAX_INSPECTION_PHOTOS} JPEG, PNG or WebP photos, sent by the "
                "GraphQL multipart request spec."
            ),
        )

    class Meta(TraceMeta):
        description = "Record an inspection of a code, with photos; written to the audit log."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        audits.inspection_record, returns="inspection", unpack_input=_inspection_fields
    )


class ViolationClose(BaseMutation):
    violation = graphene.Field(Violation)

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(required=True, description="How it was resolved.")

    class Meta(TraceMeta):
        description = "Close an open violation; the lots it held back are checked again."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        audits.violation_close, returns="violation", ids={"id": ("violation_id", "Violation")}
    )
