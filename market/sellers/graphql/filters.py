"""The `filter:` and `sortBy:` inputs of the `sellers` query, and how they apply."""

import django_filters
import graphene
from django.db.models import QuerySet

from market.core.graphql.connection import SortKey
from market.core.graphql.inputs import enum_value
from market.core.graphql.sorting import OrderDirection, is_descending
from market.sellers import selectors
from market.sellers.graphql.types import SellerKindEnum, SellerStatusEnum
from market.sellers.models import Seller


class SellerFilterInput(graphene.InputObjectType):
    kind = SellerKindEnum()
    search = graphene.String(description="Part of the name, with or without diacritics.")
    is_verified = graphene.Boolean()
    status = SellerStatusEnum(description="Only operators ever see suspended sellers.")


class SellerSortField(graphene.Enum):
    NAME = "name"
    CREATED_AT = "created_at"


class SellerSortingInput(graphene.InputObjectType):
    field = SellerSortField(required=True)
    direction = OrderDirection(default_value=OrderDirection.ASC.value)


class SellerFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Seller.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Seller.Status.choices)
    is_verified = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Seller
        fields = ("kind", "status", "is_verified")

    def filter_search(self, queryset, _name, value):
        return selectors.sellers_matching(queryset, value)


def filter_sellers(sellers: QuerySet[Seller], filter_input: dict | None) -> QuerySet[Seller]:
    if not filter_input:
        return sellers
    data = {key: enum_value(value) for key, value in filter_input.items() if value is not None}
    # Every value is already typed by the GraphQL input, so the form cannot reject it.
    return SellerFilter(data, queryset=sellers).qs


def sort_keys(sort_by: dict | None) -> list[SortKey]:
    if not sort_by:
        return [SortKey("name")]
    return [SortKey(enum_value(sort_by["field"]), descending=is_descending(sort_by))]
