import graphene
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from market.accounts.graphql.types import Address
from market.core.errors import PermissionDenied
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import resolve_related
from market.core.graphql.fields import field_from
from market.core.permissions import is_operator, seller_ids_of
from market.sellers import models, selectors
from market.sellers.graphql.dataloaders import (
    AddressByIdLoader,
    MembershipsBySellerIdLoader,
    PendingInvitationsBySellerIdLoader,
    SellerByIdLoader,
)


class SellerKindEnum(graphene.Enum):
    COOPERATIVE = models.Seller.Kind.COOPERATIVE.value
    ENTERPRISE = models.Seller.Kind.ENTERPRISE.value
    HOUSEHOLD = models.Seller.Kind.HOUSEHOLD.value
    ESTABLISHMENT = models.Seller.Kind.ESTABLISHMENT.value

    @property
    def description(self):
        return models.Seller.Kind(self.value).label


class SellerStatusEnum(graphene.Enum):
    ACTIVE = models.Seller.Status.ACTIVE.value
    SUSPENDED = models.Seller.Status.SUSPENDED.value


class SellerMembershipRoleEnum(graphene.Enum):
    OWNER = models.SellerMembership.Role.OWNER.value
    STAFF = models.SellerMembership.Role.STAFF.value


class SellerInvitationStatusEnum(graphene.Enum):
    PENDING = models.SellerInvitation.Status.PENDING.value
    ACCEPTED = models.SellerInvitation.Status.ACCEPTED.value
    DECLINED = models.SellerInvitation.Status.DECLINED.value
    REVOKED = models.SellerInvitation.Status.REVOKED.value
    EXPIRED = models.SellerInvitation.Status.EXPIRED.value


def _choice_of(choices, attribute: str):
    """A resolver giving the value of the choice column ``attribute``, checked against
    ``choices``."""

    def resolve(root, _info):
        return choices(getattr(root, attribute)).value

    return resolve


def _node_visible_to(selector):
    """A ``get_node`` answering ``selector(user, pk=…)``; None for an ID that is no number."""

    def get_node(cls, info, node_id):
        if not str(node_id).isdigit():
            return None
        return selector(info.context.user, pk=int(node_id))

    return classmethod(get_node)


# The seller of a membership or invitation, batched when it was not loaded with it.
_seller_of = resolve_related("seller", SellerByIdLoader)


class SellerMembership(DjangoObjectType):
    seller = graphene.Field(lambda: Seller, required=True, resolver=_seller_of)
    user = graphene.Field("market.accounts.graphql.types.User", required=True)
    role = graphene.Field(SellerMembershipRoleEnum, required=True)

    class Meta:
        model = models.SellerMembership
        interfaces = (graphene.relay.Node,)
        fields = ("id", "created_at")
        description = "A person's place in a seller's staff."

    get_node = _node_visible_to(selectors.membership_visible_to)

    resolve_role = _choice_of(models.SellerMembership.Role, "role")


class SellerInvitation(DjangoObjectType):
    seller = graphene.Field(lambda: Seller, required=True, resolver=_seller_of)
    email = graphene.String(required=True, description="The invited person's email.")
    role = graphene.Field(
        SellerMembershipRoleEnum, required=True, description="The role they join with."
    )
    status = graphene.Field(
        SellerInvitationStatusEnum,
        required=True,
        description="As it stands now: a pending invitation past `expiresAt` is EXPIRED.",
    )

    class Meta:
        model = models.SellerInvitation
        interfaces = (graphene.relay.Node,)
        fields = ("id", "created_at", "expires_at", "decided_at")
        description = (
            "An invitation to a seller's staff. The person joins only when they accept it, "
            "signed in. Visible to the invited person, the seller's owners and operators."
        )

    get_node = _node_visible_to(selectors.invitation_visible_to)

    @staticmethod
    def resolve_email(root: models.SellerInvitation, _info):
        return root.user.email

    resolve_role = _choice_of(models.SellerMembership.Role, "role")
    resolve_status = _choice_of(models.SellerInvitation.Status, "current_status")


class Seller(DjangoObjectType):
    kind = graphene.Field(SellerKindEnum, required=True)
    status = graphene.Field(SellerStatusEnum, required=True)
    address = graphene.Field(Address)
    logo_url = graphene.String(description="Absolute URL of the seller's logo, if it has one.")
    memberships = graphene.List(
        graphene.NonNull(SellerMembership),
        description="The seller's staff. Visible to that staff and to operators only.",
    )
    invitations = graphene.List(
        graphene.NonNull(SellerInvitation),
        description=(
            "Invitations to the seller's staff still waiting for an answer, newest first. "
            "Visible to the seller's owners and to operators only."
        ),
    )
    # Catalog sits above sellers: it defines this field.
    products = field_from("catalog.graphql.seller_fields.seller_products_field")
    shipping_methods = field_from(
        "market.checkout.graphql.shipping_queries.seller_shipping_methods_field"
    )

    class Meta:
        model = models.Seller
        name = "Seller"
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "name",
            "slug",
            "tax_code",
            "phone",
            "email",
            "description",
            "is_verified",
            "created_at",
        )
        description = (
            "A cooperative, enterprise, household business or production establishment "
            "selling on the marketplace. Its tax code and contacts are public, as the "
            "e-commerce rules require a marketplace to show them."
        )

    get_node = _node_visible_to(selectors.seller_visible_to)

    resolve_kind = _choice_of(models.Seller.Kind, "kind")
    resolve_status = _choice_of(models.Seller.Status, "status")

    resolve_address = resolve_related("address", AddressByIdLoader)

    @staticmethod
    def resolve_logo_url(root: models.Seller, info):
        if not root.logo:
            return None
        return info.context.build_absolute_uri(root.logo.url)

    @staticmethod
    def resolve_memberships(root: models.Seller, info):
        viewer = info.context.user
        if not (is_operator(viewer) or root.pk in seller_ids_of(viewer)):
            raise PermissionDenied(_("Only the seller's staff and operators see its staff."))
        return MembershipsBySellerIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_invitations(root: models.Seller, info):
        viewer = info.context.user
        if not (is_operator(viewer) or root.pk in selectors.seller_ids_owned_by(viewer)):
            raise PermissionDenied(_("Only the seller's owners and operators see its invitations."))
        return PendingInvitationsBySellerIdLoader(info.context).load(root.pk)


class SellerCountableConnection(CountableConnection):
    class Meta:
        node = Seller
