"""The sellers a user works for and is invited to, shown on accounts' ``User`` type.

Sellers sits above accounts, so it defines these fields and ``User`` mounts them
with ``market.core.graphql.fields.field_from``.
"""

import graphene
from django.utils.translation import gettext as _

from market.core.errors import PermissionDenied
from market.core.permissions import is_operator
from market.sellers.graphql.dataloaders import (
    MembershipsByUserIdLoader,
    PendingInvitationsByUserIdLoader,
)
from market.sellers.graphql.types import SellerInvitation, SellerMembership


def _sees_user(viewer, user) -> bool:
    return viewer.is_authenticated and (viewer.pk == user.pk or is_operator(viewer))


def _resolve_seller_memberships(root, info):
    if not _sees_user(info.context.user, root):
        raise PermissionDenied(_("Only the user and operators see whom the user works for."))
    return MembershipsByUserIdLoader(info.context).load(root.pk)


def _resolve_seller_invitations(root, info):
    if not _sees_user(info.context.user, root):
        raise PermissionDenied(_("Only the user and operators see the user's invitations."))
    return PendingInvitationsByUserIdLoader(info.context).load(root.pk)


def seller_memberships_field() -> graphene.Field:
    return graphene.List(
        graphene.NonNull(SellerMembership),
        required=True,
        description="Sellers this user works for. Visible to the user and to operators.",
        resolver=_resolve_seller_memberships,
    )


def seller_invitations_field() -> graphene.Field:
    return graphene.List(
        graphene.NonNull(SellerInvitation),
        required=True,
        description=(
            "Invitations to sellers' staff waiting for this user's answer, newest first. "
            "Visible to the user and to operators."
        ),
        resolver=_resolve_seller_invitations,
    )
