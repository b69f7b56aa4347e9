import graphene

from market.core.graphql.mutations import BaseMutation, error_codes, error_type_for, service_perform
from market.core.permissions import AUTHENTICATED, OPERATOR
from market.sellers import services
from market.sellers.graphql.types import (
    Seller,
    SellerInvitation,
    SellerKindEnum,
    SellerMembership,
    SellerMembershipRoleEnum,
    SellerStatusEnum,
)

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


# What every seller mutation answers errors with; each Meta adds who may call it.
class SellerMeta:
    error_type = SellerError
    error_code_enum = SellerErrorCode


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


class SellerCreate(BaseMutation):
    seller = graphene.Field(Seller)

    class Arguments:
        input = SellerCreateInput(required=True)

    class Meta(SellerMeta):
        description = "Register a seller."
        permissions = (OPERATOR,)

    @classmethod
    def perform(cls, _root, info, input):
        return {"seller": services.seller_create(**_given(input))}


class SellerUpdate(BaseMutation):
    seller = graphene.Field(Seller)

    class Arguments:
        id = graphene.ID(required=True)
        input = SellerUpdateInput(required=True)

    class Meta(SellerMeta):
        description = (
            "Edit a seller. Its owner may edit the profile; verification and status "
            "are for operators."
        )
        permissions = (AUTHENTICATED,)

    perform = service_perform(
        services.seller_update,
        returns="seller",
        ids={"id": ("seller_id", "Seller")},
        unpack_input=_given,
    )


class SellerStaffInvite(BaseMutation):
    invitation = graphene.Field(SellerInvitation)

    class Arguments:
        seller_id = graphene.ID(required=True)
        email = graphene.String(required=True)
        role = SellerMembershipRoleEnum(default_value=SellerMembershipRoleEnum.STAFF.value)

    class Meta(SellerMeta):
        description = (
            "Invite a person to a seller's staff. Nobody joins until they accept "
            "(`sellerInvitationAccept`), signed in; an email not yet known gets an account "
            "without a password and a link to choose one. The seller's owners and operators "
            "may invite; auditors and operators cannot be invited."
        )
        permissions = (AUTHENTICATED,)

    perform = service_perform(
        services.seller_staff_invite,
        returns="invitation",
        ids={"seller_id": ("seller_id", "Seller")},
    )


class SellerInvitationAccept(BaseMutation):
    invitation = graphene.Field(SellerInvitation)
    membership = graphene.Field(SellerMembership)

    class Arguments:
        id = graphene.ID(required=True, description="The invitation's ID.")

    class Meta(SellerMeta):
        description = "Join a seller's staff by accepting its invitation. The invited person only."
        permissions = (AUTHENTICATED,)

    perform = service_perform(
        services.seller_invitation_accept,
        returns=("invitation", "membership"),
        ids={"id": ("invitation_id", "SellerInvitation")},
    )


class SellerInvitationDecline(BaseMutation):
    invitation = graphene.Field(SellerInvitation)

    class Arguments:
        id = graphene.ID(required=True, description="The invitation's ID.")

    class Meta(SellerMeta):
        description = "Say no to a seller's invitation. The invited person only."
        permissions = (AUTHENTICATED,)

    perform = service_perform(
        services.seller_invitation_decline,
        returns="invitation",
        ids={"id": ("invitation_id", "SellerInvitation")},
    )


class SellerInvitationRevoke(BaseMutation):
    invitation = graphene.Field(SellerInvitation)

    class Arguments:
        id = graphene.ID(required=True, description="The invitation's ID.")

    class Meta(SellerMeta):
        description = (
            "Withdraw an invitation still waiting for an answer. The seller's owners and "
            "operators only."
        )
        permissions = (AUTHENTICATED,)

    perform = service_perform(
        services.seller_invitation_revoke,
        returns="invitation",
        ids={"id": ("invitation_id", "SellerInvitation")},
    )


class SellerStaffRemove(BaseMutation):
    seller = graphene.Field(Seller, description="The seller the person no longer works for.")

    class Arguments:
        membership_id = graphene.ID(required=True)

    class Meta(SellerMeta):
        description = (
            "Take a person off a seller's staff. The seller's owners and operators may remove "
            "anyone; a member may remove themselves (leave). The last owner stays."
        )
        permissions = (AUTHENTICATED,)

    perform = service_perform(
        services.seller_staff_remove,
        returns="seller",
        ids={"membership_id": ("membership_id", "SellerMembership")},
    )


class SellerStaffRoleUpdate(BaseMutation):
    membership = graphene.Field(SellerMembership)

    class Arguments:
        membership_id = graphene.ID(required=True)
        role = SellerMembershipRoleEnum(required=True)

    class Meta(SellerMeta):
        description = (
            "Make a member of a seller's staff its owner, or staff. The seller's owners and "
            "operators only; the last owner cannot be made staff."
        )
        permissions = (AUTHENTICATED,)

    perform = service_perform(
        services.seller_staff_role_update,
        returns="membership",
        ids={"membership_id": ("membership_id", "SellerMembership")},
    )


class SellerMutations(graphene.ObjectType):
    seller_create = SellerCreate.Field()
    seller_update = SellerUpdate.Field()
    seller_staff_invite = SellerStaffInvite.Field()
    seller_staff_remove = SellerStaffRemove.Field()
    seller_staff_role_update = SellerStaffRoleUpdate.Field()
    seller_invitation_accept = SellerInvitationAccept.Field()
    seller_invitation_decline = SellerInvitationDecline.Field()
    seller_invitation_revoke = SellerInvitationRevoke.Field()
