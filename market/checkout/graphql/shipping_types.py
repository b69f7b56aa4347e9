"""GraphQL type of a seller's shipping method, shared by the management mutations, the
``Seller.shippingMethods`` field and the checkout's delivery groups."""

import graphene
from graphene_django import DjangoObjectType

from market.checkout import models
from market.checkout.shipping_selectors import shipping_methods_visible_to
from market.core.graphql.dataloaders import resolve_related
from market.core.graphql.types import Money, vnd
from market.sellers.graphql.dataloaders import SellerByIdLoader


class ShippingMethodKindEnum(graphene.Enum):
    FLAT = models.ShippingMethod.Kind.FLAT.value
    FREE_ABOVE = models.ShippingMethod.Kind.FREE_ABOVE.value
    WEIGHT = models.ShippingMethod.Kind.WEIGHT.value
    PICKUP = models.ShippingMethod.Kind.PICKUP.value

    @property
    def description(self):
        descriptions = {
            "flat": "One price for any order.",
            "free_above": "Free from `freeAbove` of the seller's subtotal, else `price`.",
            "weight": "Priced by the first weight band the parcel fits in.",
            "pickup": "The buyer collects at the seller; free, needs no address.",
        }
        return descriptions[self.value]


class WeightBand(graphene.ObjectType):
    up_to_grams = graphene.Int(required=True, description="Heaviest parcel of this band.")
    price = graphene.Field(Money, required=True)

    class Meta:
        description = "One band of a by-weight method: parcels up to `upToGrams` cost `price`."


def _seller_type():
    from market.sellers.graphql.types import Seller

    return Seller


class ShippingMethod(DjangoObjectType):
    kind = graphene.Field(ShippingMethodKindEnum, required=True)
    price = graphene.Field(
        Money,
        required=True,
        description="For FLAT, and FREE_ABOVE below its threshold; 0 for the other kinds.",
    )
    free_above = graphene.Field(
        Money, description="FREE_ABOVE: the seller's subtotal from which it is free."
    )
    weight_bands = graphene.List(
        graphene.NonNull(WeightBand),
        required=True,
        description="WEIGHT: its bands, lightest first; heavier parcels cannot go this way.",
    )
    provinces = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="The provinces it delivers to; empty: all of Vietnam.",
    )
    seller = graphene.Field(_seller_type, required=True)

    class Meta:
        model = models.ShippingMethod
        name = "ShippingMethod"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "is_active", "created_at", "updated_at")
        description = (
            "A way a seller delivers. Buyers see the active methods of active sellers; the "
            "seller's staff and operators also see inactive ones."
        )

    @classmethod
    def get_node(cls, info, node_id):
        if not str(node_id).isdigit():
            return None
        return shipping_methods_visible_to(info.context.user).filter(pk=int(node_id)).first()

    @staticmethod
    def resolve_kind(root: models.ShippingMethod, _info):
        return models.ShippingMethod.Kind(root.kind).value

    @staticmethod
    def resolve_price(root: models.ShippingMethod, _info):
        return vnd(root.price)

    @staticmethod
    def resolve_free_above(root: models.ShippingMethod, _info):
        return vnd(root.free_above)

    @staticmethod
    def resolve_weight_bands(root: models.ShippingMethod, _info):
        bands = sorted(root.weight_bands or [], key=lambda band: band["up_to_grams"])
        return [
            WeightBand(up_to_grams=band["up_to_grams"], price=vnd(band["price"])) for band in bands
        ]

    @staticmethod
    def resolve_provinces(root: models.ShippingMethod, _info):
        return list(root.provinces or [])

    resolve_seller = resolve_related("seller", SellerByIdLoader)
