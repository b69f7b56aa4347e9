"""GraphQL types of coded sites: growing areas, packing houses, their certificates.

Growing areas and packing houses are one table (``Site``) and two types sharing the
``CodedSite`` interface: a field that names either (an event's place, a mutation's
result) answers the interface, the client asks ``... on GrowingArea`` for the land. Who
sees what is ``traceability.selectors``'; every related or list field goes through a
dataloader. Kilograms and hectares are ``Decimal`` strings, never floats.
"""

import graphene
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from catalog.graphql.nodes import PrimaryKeyNodeMixin
from market.core.errors import PermissionDenied
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import resolve_by_pk, resolve_related
from market.sellers.graphql.dataloaders import SellerByIdLoader
from traceability import models, selectors
from traceability.graphql.dataloaders import (
    GapCertificatesBySiteIdLoader,
    SiteByIdLoader,
    StatusChangesBySiteIdLoader,
    UserByIdLoader,
)
from traceability.graphql.enums import GapSchemeEnum, SiteStatusEnum
from traceability.graphql.type_common import caller, choice_value, visible_node


class SiteStatusChange(graphene.ObjectType):
    from_status = graphene.Field(SiteStatusEnum, description="Null for the registration.")
    to_status = graphene.Field(SiteStatusEnum, required=True)
    reason = graphene.String(required=True)
    changed_at = graphene.DateTime(required=True)
    changed_by = graphene.Field(
        "market.accounts.graphql.types.User",
        description="Who decided; null for the platform, and for anyone but auditors and "
        "operators.",
    )

    class Meta:
        description = "One change of a code's status: who, when, why."

    resolve_from_status = choice_value("from_status")
    resolve_to_status = choice_value("to_status")

    @staticmethod
    def resolve_changed_by(root: models.SiteStatusChange, info):
        if root.changed_by_id is None or not selectors.sees_every_trace_record(caller(info)):
            return None
        return UserByIdLoader(info.context).load(root.changed_by_id)


class CodedSite(graphene.Interface):
    """What growing areas and packing houses share: the code and its status."""

    code = graphene.String(required=True, description="e.g. `VN-NTOR-0001`.")
    name = graphene.String(required=True)
    seller = graphene.Field("market.sellers.graphql.types.Seller", required=True)
    street = graphene.String(required=True)
    ward = graphene.String(required=True, description="Phường or xã.")
    province = graphene.String(required=True)
    former_district = graphene.String(
        required=True, description="The district before the 2025 merger, for old records."
    )
    latitude = graphene.Decimal(required=True)
    longitude = graphene.Decimal(required=True)
    status = graphene.Field(SiteStatusEnum, required=True)
    status_changed_at = graphene.DateTime(required=True)
    status_history = graphene.List(
        graphene.NonNull(SiteStatusChange),
        description=(
            "Every change of the status, oldest first. Visible to the seller's staff, "
            "auditors and operators only."
        ),
    )
    created_at = graphene.DateTime(required=True)

    @classmethod
    def resolve_type(cls, instance, info):
        if instance.kind == models.Site.Kind.GROWING_AREA:
            return GrowingArea
        return PackingHouse


class _SiteResolvers:
    resolve_seller = resolve_related("seller", SellerByIdLoader)
    resolve_status = choice_value("status")

    @staticmethod
    def resolve_status_history(root: models.Site, info):
        if not selectors.sees_internal_records_of(caller(info), root.seller_id):
            raise PermissionDenied(
                _("Only the seller's staff, auditors and operators see a code's history.")
            )
        return StatusChangesBySiteIdLoader(info.context).load(root.pk)

    @classmethod
    def is_type_of(cls, root, _info):
        return isinstance(root, models.Site) and root.kind == cls.site_kind


SITE_FIELDS = ("id", "code", "name", *models.Site.PLACE_FIELDS, "status_changed_at", "created_at")


class GapCertificate(PrimaryKeyNodeMixin, DjangoObjectType):
    scheme = graphene.Field(GapSchemeEnum, required=True)
    growing_area = graphene.Field(lambda: GrowingArea, required=True)

    class Meta:
        model = models.GapCertificate
        interfaces = (graphene.relay.Node,)
        fields = ("id", "number", "issuer", "valid_from", "valid_until")
        convert_choices_to_enum = False
        description = "A VietGAP or GlobalG.A.P. certificate of a growing area."

    @classmethod
    def get_queryset(cls, queryset, info):
        return models.GapCertificate.objects.filter(
            site__in=selectors.sites_visible_to(caller(info))
        )

    resolve_scheme = choice_value("scheme")
    resolve_growing_area = resolve_related("site", SiteByIdLoader)


class GrowingArea(_SiteResolvers, DjangoObjectType):
    site_kind = models.Site.Kind.GROWING_AREA

    crops = graphene.List(graphene.NonNull(graphene.String), required=True)
    area_hectares = graphene.Decimal(description="Hectares, as a decimal string.")
    boundary = graphene.JSONString(description="A GeoJSON Polygon, when one was given.")
    gap_certificates = graphene.List(
        graphene.NonNull(GapCertificate), required=True, description="Latest validity first."
    )

    class Meta:
        model = models.Site
        name = "GrowingArea"
        interfaces = (CodedSite, graphene.relay.Node)
        fields = SITE_FIELDS
        convert_choices_to_enum = False
        description = "A growing area (mã số vùng trồng, PUC) registered under its code."

    get_node = visible_node(selectors.site_visible_to, kind=models.Site.Kind.GROWING_AREA)

    @staticmethod
    def resolve_crops(root: models.Site, _info):
        return [str(crop) for crop in root.crops] if isinstance(root.crops, list) else []

    resolve_gap_certificates = resolve_by_pk(GapCertificatesBySiteIdLoader)


class PackingHouse(_SiteResolvers, DjangoObjectType):
    site_kind = models.Site.Kind.PACKING_HOUSE

    class Meta:
        model = models.Site
        name = "PackingHouse"
        interfaces = (CodedSite, graphene.relay.Node)
        fields = SITE_FIELDS
        convert_choices_to_enum = False
        skip_registry = True
        description = "A packing house (mã số cơ sở đóng gói, PHC) registered under its code."

    get_node = visible_node(selectors.site_visible_to, kind=models.Site.Kind.PACKING_HOUSE)


class GrowingAreaCountableConnection(CountableConnection):
    class Meta:
        node = GrowingArea


class PackingHouseCountableConnection(CountableConnection):
    class Meta:
        node = PackingHouse
