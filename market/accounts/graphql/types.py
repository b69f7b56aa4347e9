import graphene
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from market.accounts import models
from market.core.errors import PermissionDenied
from market.core.permissions import is_operator
from market.sellers.graphql.dataloaders import (
    MembershipsByUserIdLoader,
    PendingInvitationsByUserIdLoader,
)


class UserRoleEnum(graphene.Enum):
    BUYER = models.User.Role.BUYER.value
    AUDITOR = models.User.Role.AUDITOR.value
    OPERATOR = models.User.Role.OPERATOR.value


class Address(DjangoObjectType):
    class Meta:
        model = models.Address
        fields = ("street", "ward", "province", "former_district")
        description = (
            "A Vietnamese address after the 2025 reform: ward or commune, then province. "
            "`formerDistrict` only keeps the abolished district of older records."
        )


class User(DjangoObjectType):
    role = graphene.Field(UserRoleEnum, required=True)
    seller_memberships = graphene.List(
        graphene.NonNull("market.sellers.graphql.types.SellerMembership"),
        required=True,
        description="Sellers this user works for. Visible to the user and to operators.",
    )
    seller_invitations = graphene.List(
        graphene.NonNull("market.sellers.graphql.types.SellerInvitation"),
        required=True,
        description=(
            "Invitations to sellers' staff waiting for this user's answer, newest first. "
            "Visible to the user and to operators."
        ),
    )

    class Meta:
        model = models.User
        name = "User"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "email", "first_name", "last_name")

    @classmethod
    def get_node(cls, info, node_id):
        viewer = info.context.user
        if not viewer.is_authenticated or not str(node_id).isdigit():
            return None
        if int(node_id) != viewer.pk and not is_operator(viewer):
            return None
        return models.User.objects.filter(pk=int(node_id)).first()

    @staticmethod
    def resolve_role(root: models.User, _info):
        # A TextChoices member (as on a user just created) is an Enum graphene would reject.
        return models.User.Role(root.role).value

    @staticmethod
    def resolve_seller_memberships(root: models.User, info):
        viewer = info.context.user
        if not (viewer.is_authenticated and (viewer.pk == root.pk or is_operator(viewer))):
            raise PermissionDenied(_("Only the user and operators see whom the user works for."))
        return MembershipsByUserIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_seller_invitations(root: models.User, info):
        viewer = info.context.user
        if not (viewer.is_authenticated and (viewer.pk == root.pk or is_operator(viewer))):
            raise PermissionDenied(_("Only the user and operators see the user's invitations."))
        return PendingInvitationsByUserIdLoader(info.context).load(root.pk)
