"""``User.orders`` (``me.orders``): orders sit above accounts, so they define the field
that accounts' ``User`` type mounts with ``market.core.graphql.fields.field_from``."""

import graphene
from django.utils.translation import gettext as _

from market.core.errors import PermissionDenied
from market.core.permissions import is_operator
from market.orders import selectors
from market.orders.graphql.filters import OrderFilterInput, list_arguments, order_filters
from market.orders.graphql.queries import orders_page
from market.orders.graphql.types import OrderCountableConnection


def _resolve_user_orders(root, info, filter=None, **pagination):
    viewer = info.context.user
    if not (viewer.is_authenticated and (viewer.pk == root.pk or is_operator(viewer))):
        raise PermissionDenied(_("Only the user and operators see the user's orders."))
    rows = selectors.orders_narrowed(selectors.orders_of_buyer(root), **order_filters(filter))
    return orders_page(rows, **pagination)


def user_orders_field() -> graphene.Field:
    return graphene.Field(
        OrderCountableConnection,
        description="Orders this user placed, newest first. Visible to the user and operators.",
        resolver=_resolve_user_orders,
        **list_arguments(OrderFilterInput),
    )
