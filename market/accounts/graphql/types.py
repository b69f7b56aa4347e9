import graphene
from graphene_django import DjangoObjectType

from market.accounts import models
from market.core.graphql.fields import field_from
from market.core.permissions import is_operator


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
    # Sellers sits above accounts: it defines these two fields.
    seller_memberships = field_from("market.sellers.graphql.user_fields.seller_memberships_field")
    seller_invitations = field_from("market.sellers.graphql.user_fields.seller_invitations_field")
    # Checkout sits above accounts: it defines this field.
    checkout = field_from("market.checkout.graphql.checkout_queries.user_checkout_field")
    # Orders sit above accounts too: ``me.orders``.
    orders = field_from("market.orders.graphql.user_fields.user_orders_field")

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
