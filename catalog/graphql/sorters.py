"""Sort orders of the product list, as keyset-pagination sort keys."""

import graphene

from market.core.graphql.connection import SortKey
from market.core.graphql.inputs import enum_value
from market.core.graphql.sorting import OrderDirection, is_descending


class ProductSortField(graphene.Enum):
    NAME = "name"
    PRICE = "price"
    CREATED_AT = "created_at"
    PUBLISHED_AT = "published_at"
    OCOP_STARS = "ocop_stars"

    @property
    def description(self):
        return {
            ProductSortField.NAME: "By name.",
            ProductSortField.PRICE: "By the lowest variant price.",
            ProductSortField.CREATED_AT: "By creation time.",
            ProductSortField.PUBLISHED_AT: "By publication time (creation time for drafts).",
            ProductSortField.OCOP_STARS: "By OCOP stars of current certificates (none = 0).",
        }[self]


class ProductSortingInput(graphene.InputObjectType):
    # Mounted as the enum itself: ``graphene.Field(..., required=True)`` in an input
    # type gets a default of null, which made the field optional in the schema.
    field = ProductSortField(required=True)
    direction = OrderDirection(default_value=OrderDirection.ASC.value)


# The annotated, non-null column behind each sort field (catalog.selectors.with_sort_annotations).
_COLUMNS = {
    "name": ["name"],
    # Equal prices or stars read better by name than by internal ID.
    "price": ["min_price", "name"],
    "created_at": ["created_at"],
    "published_at": ["published_on"],
    "ocop_stars": ["ocop_stars", "name"],
}


def product_sort_keys(sort_by) -> list[SortKey]:
    """Sort keys for ``paginate``; the primary key is appended there as the tie-breaker.

    Without ``sortBy`` products come by name, as in a printed catalogue.
    """
    if not sort_by:
        return [SortKey("name")]
    descending = is_descending(sort_by)
    return [SortKey(column, descending) for column in _COLUMNS[enum_value(sort_by["field"])]]
