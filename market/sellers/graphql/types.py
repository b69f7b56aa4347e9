import graphene
from graphene_django import DjangoObjectType

# catalog's Product type imports Seller lazily, so importing catalog here makes no cycle.
from catalog.graphql.queries import product_list_arguments, resolve_products
from catalog.graphql.types import ProductCountableConnection
from market.accounts.graphql.types import Address
from market.core.errors import PermissionDenied
from market.core.graphql.connection import CountableConnection
from market.core.permissions import is_operator, seller_ids_of
from market.sellers import models, selectors
from market.sellers.graphql.dataloaders import AddressByIdLoader, MembershipsBySellerIdLoader


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


class SellerMembership(DjangoObjectType):
    seller = graphene.Field(lambda: Seller, required=True)
    user = graphene.Field("market.accounts.graphql.types.User", required=True)
    role = graphene.Field(SellerMembershipRoleEnum, required=True)

    class Meta:
        model = models.SellerMembership
        fields = ("created_at",)
        description = "A person's place in a seller's staff."

    @staticmethod
    def resolve_role(root: models.SellerMembership, _info):
        return models.SellerMembership.Role(root.role).value


class Seller(DjangoObjectType):
    kind = graphene.Field(SellerKindEnum, required=True)
    status = graphene.Field(SellerStatusEnum, required=True)
    address = graphene.Field(Address)
    logo_url = graphene.String(description="Absolute URL of the seller's logo, if it has one.")
    memberships = graphene.List(
        graphene.NonNull(SellerMembership),
        description="The seller's staff. Visible to that staff and to operators only.",
    )
    products = graphene.Field(
        ProductCountableConnection,
        description="The seller's products, as the `products` query would list them.",
        **product_list_arguments(),
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

    @classmethod
    def get_node(cls, info, node_id):
        if not str(node_id).isdigit():
            return None
        return selectors.seller_visible_to(info.context.user, pk=int(node_id))

    @staticmethod
    def resolve_kind(root: models.Seller, _info):
        return models.Seller.Kind(root.kind).value

    @staticmethod
    def resolve_status(root: models.Seller, _info):
        return models.Seller.Status(root.status).value

    @staticmethod
    def resolve_address(root: models.Seller, info):
        if root.address_id is None:
            return None
        if models.Seller.address.is_cached(root):
            return root.address
        return AddressByIdLoader(info.context).load(root.address_id)

    @staticmethod
    def resolve_logo_url(root: models.Seller, info):
        if not root.logo:
            return None
        return info.context.build_absolute_uri(root.logo.url)

    @staticmethod
    def resolve_memberships(root: models.Seller, info):
        viewer = info.context.user
        if not (is_operator(viewer) or root.pk in seller_ids_of(viewer)):
            raise PermissionDenied("Only the seller's staff and operators see its staff.")
        return MembershipsBySellerIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_products(root: models.Seller, info, **kwargs):
        return resolve_products(info, seller_id=root.pk, **kwargs)


class SellerCountableConnection(CountableConnection):
    class Meta:
        node = Seller
