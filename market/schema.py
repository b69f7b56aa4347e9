"""The root GraphQL schema: each app contributes its Query and Mutation mixins."""

import graphene

from catalog.graphql.mutations import CatalogMutations
from catalog.graphql.queries import CatalogQueries
from market.accounts.graphql.mutations import AccountMutations
from market.accounts.graphql.queries import AccountQueries
from market.checkout.graphql.mutations import CheckoutMutations
from market.checkout.graphql.queries import CheckoutQueries
from market.core.graphql.node import node_field
from market.core.graphql.shop import ShopQueries
from market.orders.graphql.mutations import OrderMutations
from market.orders.graphql.queries import OrderQueries
from market.sellers.graphql.mutations import SellerMutations
from market.sellers.graphql.queries import SellerQueries
from payments.graphql.ledger_queries import LedgerQueries
from payments.graphql.mutations import PaymentMutations
from payments.graphql.queries import PaymentQueries
from province.graphql.mutations import ProvinceMutations
from province.graphql.queries import ProvinceQueries
from search.graphql.queries import SearchQueries
from traceability.graphql.mutations import TraceabilityMutations
from traceability.graphql.queries import TraceabilityQueries


class Query(
    ShopQueries,
    AccountQueries,
    SellerQueries,
    CatalogQueries,
    SearchQueries,
    TraceabilityQueries,
    OrderQueries,
    PaymentQueries,
    LedgerQueries,
    CheckoutQueries,
    ProvinceQueries,
    graphene.ObjectType,
):
    node = node_field()


class Mutation(
    AccountMutations,
    SellerMutations,
    CatalogMutations,
    TraceabilityMutations,
    OrderMutations,
    PaymentMutations,
    CheckoutMutations,
    ProvinceMutations,
    graphene.ObjectType,
):
    """Every write the API offers; each app contributes its own."""


schema = graphene.Schema(query=Query, mutation=Mutation)
