import graphene
from django.utils.translation import gettext as _

from market.core.errors import NotFound
from market.core.graphql.mutations import BaseMutation, decode_id, error_codes, error_type_for
from market.core.permissions import (
    AUTHENTICATED,
    OPERATOR,
    require_seller_owner,
)
from market.sellers import services
from market.sellers.graphql.types import (
    Seller,
    SellerInvitation,
    SellerKindEnum,
    SellerMembership,
    SellerMembershipRoleEnum,
    SellerStatusEnum,
)
from market.sellers.models import Seller as SellerModel

SellerErrorCode = error_codes(
    "SellerErrorCode",
    "INVALID_TAX_CODE",
    "INVALID_PHONE",
    "ALREADY_MEMBER",
    "ALREADY_INVITED",
    "CANNOT_BE_STAFF",
    "INVITATION_NOT_PENDING",
    "INVITATION_EXPIRED",
    "LAST_OWNER",
)
SellerError = error_type_for("SellerError", SellerErrorCode)


class AddressInput(graphene.InputObjectType):
    street = graphene.String()
    ward = graphene.String(description="Phường or xã; required for a new address.")
    province = graphene.String(description="Khánh Hòa unless given.")
    former_district = graphene.String(description="Only for records from before July 2025.")


class SellerProfileFields:
    tax_code = graphene.String(description="Mã số thuế: 10 digits, or 13 for a branch.")
    phone = graphene.String(description="Any usual Vietnamese writing; stored as E.164.")
    email = graphene.String()
    description = graphene.String()
    address = AddressInput()


class SellerCreateInput(SellerProfileFields, graphene.InputObjectType):
    name = graphene.String(required=True, description="The slug is made from it.")
    kind = SellerKindEnum(required=True)
    is_verified = graphene.Boolean(default_value=False)


class SellerUpdateInput(SellerProfileFields, graphene.InputObjectType):
    name = graphene.String(description="Changing it keeps the slug, so links keep working.")
    kind = SellerKindEnum()
    is_verified = graphene.Boolean(description="Operators only.")
    status = SellerStatusEnum(description="Operators only.")


def _given(input_object) -> dict:
    """The input fields the client gave a value: ``null`` leaves a field as it is."""
    return {
        key: _given(value) if isinstance(value, graphene.InputObjectType) else value
        for key, value in input_object.items()
        if value is not None
    }


def _seller_for_owner(user, global_id: str, *, field: str) -> SellerModel:
    """The seller behind ``global_id`` for one of its owners or an operator. Permission is
    checked first, so anyone else is refused alike for a missing ID and a stranger's."""
    seller_pk = decode_id(global_id, "Seller", field=field)
    require_seller_owner(user, seller_pk)
    seller = SellerModel.objects.filter(pk=seller_pk).first()
    if seller is None:
        raise NotFound(_("This seller does not exist."), field=field)
    return seller


class SellerCreate(BaseMutation):
    seller = graphene.Field(Seller)

    class Arguments:
        input = SellerCreateInput(required=True)

    class Meta:
        description = "Register a seller."
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (OPERATOR,)

    @classmethod
    def perform(cls, _root, info, input):
        return {"seller": services.seller_create(**_given(input))}


class SellerUpdate(BaseMutation):
    seller = graphene.Field(Seller)

    class Arguments:
        id = graphene.ID(required=True)
        input = SellerUpdateInput(required=True)

    class Meta:
        description = (
            "Edit a seller. Its owner may edit the profile; verification and status "
            "are for operators."
        )
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info, id, input):
        user = info.context.user
        seller = _seller_for_owner(user, id, field="id")
        return {"seller": services.seller_update(seller=seller, by=user, **_given(input))}


class SellerStaffInvite(BaseMutation):
    invitation = graphene.Field(SellerInvitation)

    class Arguments:
        seller_id = graphene.ID(required=True)
        email = graphene.String(required=True)
        role = SellerMembershipRoleEnum(default_value=SellerMembershipRoleEnum.STAFF.value)

    class Meta:
        description = (
            "Invite a person to a seller's staff. Nobody joins until they accept "
            "(`sellerInvitationAccept`), signed in; an email not yet known gets an account "
            "without a password and a link to choose one. The seller's owners and operators "
            "may invite; auditors and operators cannot be invited."
        )
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info, seller_id, email, role):
        user = info.context.user
        seller = _seller_for_owner(user, seller_id, field="seller_id")
        invitation = services.seller_staff_invite(
            seller=seller, email=email, role=role, invited_by=user
        )
        return {"invitation": invitation}


class SellerInvitationAccept(BaseMutation):
    invitation = graphene.Field(SellerInvitation)
    membership = graphene.Field(SellerMembership)

    class Arguments:
        id = graphene.ID(required=True, description="The invitation's ID.")

    class Meta:
        description = "Join a seller's staff by accepting its invitation. The invited person only."
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info, id):
        user = info.context.user
        invitation, membership = services.seller_invitation_accept(
            invitation_id=decode_id(id, "SellerInvitation"), by=user
        )
        return {"invitation": invitation, "membership": membership}


class SellerInvitationDecline(BaseMutation):
    invitation = graphene.Field(SellerInvitation)

    class Arguments:
        id = graphene.ID(required=True, description="The invitation's ID.")

    class Meta:
        description = "Say no to a seller's invitation. The invited person only."
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info, id):
        user = info.context.user
        invitation = services.seller_invitation_decline(
            invitation_id=decode_id(id, "SellerInvitation"), by=user
        )
        return {"invitation": invitation}


class SellerInvitationRevoke(BaseMutation):
    invitation = graphene.Field(SellerInvitation)

    class Arguments:
        id = graphene.ID(required=True, description="The invitation's ID.")

    class Meta:
        description = (
            "Withdraw an invitation still waiting for an answer. The seller's owners and "
            "operators only."
        )
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info, id):
        user = info.context.user
        invitation = services.seller_invitation_revoke(
            invitation_id=decode_id(id, "SellerInvitation"), by=user
        )
        return {"invitation": invitation}


class SellerStaffRemove(BaseMutation):
    seller = graphene.Field(Seller, description="The seller the person no longer works for.")

    class Arguments:
        membership_id = graphene.ID(required=True)

    class Meta:
        description = (
            "Take a person off a seller's staff. The seller's owners and operators may remove "
            "anyone; a member may remove themselves (leave). The last owner stays."
        )
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info, membership_id):
        user = info.context.user
        seller = services.seller_staff_remove(
            membership_id=decode_id(membership_id, "SellerMembership", field="membership_id"),
            by=user,
        )
        return {"seller": seller}


class SellerStaffRoleUpdate(BaseMutation):
    membership = graphene.Field(SellerMembership)

    class Arguments:
        membership_id = graphene.ID(required=True)
        role = SellerMembershipRoleEnum(required=True)

    class Meta:
        description = (
            "Make a member of a seller's staff its owner, or staff. The seller's owners and "
            "operators only; the last owner cannot be made staff."
        )
        error_type = SellerError
        error_code_enum = SellerErrorCode
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info, membership_id, role):
        user = info.context.user
        membership = services.seller_staff_role_update(
            membership_id=decode_id(membership_id, "SellerMembership", field="membership_id"),
            role=role,
            by=user,
        )
        return {"membership": membership}


class SellerMutations(graphene.ObjectType):
    seller_create = SellerCreate.Field()
    seller_update = SellerUpdate.Field()
    seller_staff_invite = SellerStaffInvite.Field()
    seller_staff_remove = SellerStaffRemove.Field()
    seller_staff_role_update = SellerStaffRoleUpdate.Field()
    seller_invitation_accept = SellerInvitationAccept.Field()
    seller_invitation_decline = SellerInvitationDecline.Field()
    seller_invitation_revoke = SellerInvitationRevoke.Field()
