"""The root GraphQL schema: each app contributes its Query and Mutation mixins."""

import graphene

from market.core.graphql.shop import ShopQueries


class Query(ShopQueries, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query)
