"""The sort direction every list's ``sortBy`` input shares."""

import graphene

from market.core.graphql.inputs import enum_value


class OrderDirection(graphene.Enum):
    ASC = "asc"
    DESC = "desc"

    @property
    def description(self):
        return "Ascending." if self == OrderDirection.ASC else "Descending."


def is_descending(sort_by) -> bool:
    """Whether a ``sortBy`` input asks for descending order.

    ``direction: null`` sent explicitly means the default, ascending.
    """
    return enum_value(sort_by.get("direction")) == OrderDirection.DESC.value
