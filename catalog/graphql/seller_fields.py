"""``Seller.products``: catalog sits above sellers, so it defines the field that
sellers' ``Seller`` type mounts with ``market.core.graphql.fields.field_from``."""

import graphene

from catalog.graphql.queries import product_list_arguments, resolve_products
from catalog.graphql.types import ProductCountableConnection


def _resolve_seller_products(root, info, **kwargs):
    return resolve_products(info, seller_id=root.pk, **kwargs)


def seller_products_field() -> graphene.Field:
    return graphene.Field(
        ProductCountableConnection,
        description="The seller's products, as the `products` query would list them.",
        resolver=_resolve_seller_products,
        **product_list_arguments(),
    )
