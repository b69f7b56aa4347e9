import graphene

from market.core.graphql.connection import connection_arguments, paginate
from market.core.graphql.lookup import id_or_slug_field, require_id_or_slug
from market.core.graphql.mutations import decode_id
from market.sellers import selectors
from market.sellers.graphql.filters import (
    SellerFilterInput,
    SellerSortingInput,
    filter_sellers,
    sort_keys,
)
from market.sellers.graphql.types import Seller, SellerCountableConnection


class SellerQueries(graphene.ObjectType):
    sellers = graphene.Field(
        SellerCountableConnection,
        required=True,
        filter=SellerFilterInput(),
        sort_by=SellerSortingInput(description="By name, A to Z, unless given."),
        description="Sellers on the marketplace; suspended ones are listed to operators only.",
        **connection_arguments(),
    )
    seller = id_or_slug_field(
        Seller, description="One seller, by ID or by slug (exactly one of them)."
    )

    @staticmethod
    def resolve_sellers(_root, info, filter=None, sort_by=None, **pagination):
        sellers = filter_sellers(selectors.sellers_visible_to(info.context.user), filter)
        return paginate(
            sellers,
            connection_type=SellerCountableConnection,
            sort_keys=sort_keys(sort_by),
            **pagination,
        )

    @staticmethod
    def resolve_seller(_root, info, id=None, slug=None):
        require_id_or_slug(id, slug)
        if id is not None:
            return selectors.seller_visible_to(info.context.user, pk=decode_id(id, "Seller"))
        return selectors.seller_visible_to(info.context.user, slug=slug)
