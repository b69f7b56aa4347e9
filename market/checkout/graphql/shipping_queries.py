"""Reads of sellers' shipping methods: one by ID, and ``Seller.shippingMethods``.

Sellers sit below checkout, so checkout defines the ``Seller`` field and sellers' type mounts
it with ``market.core.graphql.fields.field_from``.
"""

import graphene
from django.core.exceptions import ValidationError

from market.checkout.graphql.shipping_dataloaders import ShippingMethodsBySellerIdLoader
from market.checkout.graphql.shipping_types import ShippingMethod
from market.checkout.shipping import method_serves
from market.checkout.shipping_selectors import shipping_methods_visible_to
from market.core.addresses import normalize_province
from market.core.errors import InvalidInput
from market.core.graphql.dataloaders import then
from market.core.graphql.mutations import decode_id


class ShippingMethodQueries(graphene.ObjectType):
    shipping_method = graphene.Field(
        ShippingMethod,
        id=graphene.ID(required=True),
        description=(
            "A shipping method by ID; null when it is not visible to you (an inactive method, "
            "or one of a suspended seller, is visible to the seller's staff and operators)."
        ),
    )

    @staticmethod
    def resolve_shipping_method(_root, info, id):
        pk = decode_id(id, "ShippingMethod")
        return shipping_methods_visible_to(info.context.user).filter(pk=pk).first()


def _province_argument(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalize_province(value)
    except ValidationError as error:
        raise InvalidInput(
            str(error.message % error.params), code="INVALID_PROVINCE", field="province"
        ) from None


def _resolve_seller_shipping_methods(root, info, province=None):
    province = _province_argument(province)
    methods = ShippingMethodsBySellerIdLoader(info.context).load(root.pk)
    if province is None:
        return methods
    return then(methods, lambda rows: [row for row in rows if method_serves(row, province)])


def seller_shipping_methods_field() -> graphene.Field:
    return graphene.Field(
        graphene.NonNull(graphene.List(graphene.NonNull(ShippingMethod))),
        province=graphene.String(
            description="Only the methods that deliver to this province (any usual writing)."
        ),
        description=(
            "The seller's shipping methods, cheapest first: the active ones for buyers, all of "
            "them for the seller's staff and operators."
        ),
        resolver=_resolve_seller_shipping_methods,
    )
