import graphene

from market.accounts.graphql.mutations import InputFieldMutation
from market.core.errors import NotFound, PermissionDenied
from market.core.graphql.mutations import decode_id, error_codes, error_type_for
from market.core.permissions import (
    is_operator,
    require_authenticated,
    require_operator,
    require_seller_owner,
)
from market.sellers import services
from market.sellers.graphql.types import (
    Seller,
    SellerKindEnum,
    SellerMembership,
    SellerMembershipRoleEnum,
    SellerStatusEnum,
)
from market.sellers.models import Seller as SellerModel

SellerErrorCode = error_codes(
    "SellerErrorCode", "INVALID_TAX_CODE", "INVALID_PHONE", "ALREADY_MEMBER"
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


def _plain(input_object) -> dict:
    """Input fields the client sent, enums as their stored values."""
    values = {}
    for key, value in input_object.items():
        if value is None:
            continue
        if isinstance(value, graphene.InputObjectType):
            value = _plain(value)
        values[key] = getattr(value, "value", value)
    return values


def _existing_seller(pk: int, *, field: str) -> SellerModel:
    seller = SellerModel.objects.filter(pk=pk).first()
    if seller is None:
        raise NotFound("This seller does not exist.", field=field)
    return seller


class SellerCreate(InputFieldMutation):
    seller = graphene.Field(Seller)

    class Arguments:
        input = SellerCreateInput(required=True)

    class Meta:
        description = "Register a seller. Operators only."
        error_type = SellerError
        error_code_enum = SellerErrorCode

    @classmethod
    def perform(cls, _root, info, input):
        require_operator(info.context.user)
        return {"seller": services.create_seller(**_plain(input))}


class SellerUpdate(InputFieldMutation):
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

    @classmethod
    def perform(cls, _root, info, id, input):
        user = info.context.user
        require_authenticated(user)
        seller_pk = decode_id(id, "Seller")
        require_seller_owner(user, seller_pk)
        changes = _plain(input)
        for field in services.OPERATOR_FIELDS:
            if field in changes and not is_operator(user):
                raise PermissionDenied("Only operators verify or suspend sellers.", field=field)
        seller = _existing_seller(seller_pk, field="id")
        return {"seller": services.update_seller(seller=seller, **changes)}


class SellerStaffInvite(InputFieldMutation):
    membership = graphene.Field(SellerMembership)

    class Arguments:
        seller_id = graphene.ID(required=True)
        email = graphene.String(required=True)
        role = SellerMembershipRoleEnum(default_value=SellerMembershipRoleEnum.STAFF.value)

    class Meta:
        description = (
            "Add a person to a seller's staff, opening an account (without a password) "
            "for an email not yet known. The seller's owner or an operator may do this."
        )
        error_type = SellerError
        error_code_enum = SellerErrorCode

    @classmethod
    def perform(cls, _root, info, seller_id, email, role):
        user = info.context.user
        require_authenticated(user)
        seller_pk = decode_id(seller_id, "Seller", field="seller_id")
        require_seller_owner(user, seller_pk)
        seller = _existing_seller(seller_pk, field="seller_id")
        membership = services.invite_staff(
            seller=seller, email=email, role=getattr(role, "value", role)
        )
        return {"membership": membership}


class SellerMutations(graphene.ObjectType):
    seller_create = SellerCreate.Field()
    seller_update = SellerUpdate.Field()
    seller_staff_invite = SellerStaffInvite.Field()
