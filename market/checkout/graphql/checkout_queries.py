"""Reads of the buying flow: ``checkout(token)`` and ``me.checkout``.

``checkout(token)`` answers the checkout only to whoever may reach it: anyone holding a
guest's token, the buyer of theirs, and operators (who read but do not change it). For
everyone else, and for a token that matches nothing, it is null alike. A token that is no
UUID is an ``INVALID_TOKEN`` error.
"""

import graphene

from market.checkout.graphql.checkout_dataloaders import CheckoutByUserIdLoader
from market.checkout.graphql.checkout_types import Checkout
from market.checkout.selectors import checkout_visible_to
from market.core.permissions import is_operator


def resolve_checkout(_root, info, token):
    return checkout_visible_to(info.context.user, token)


def _resolve_user_checkout(root, info):
    viewer = info.context.user
    if not viewer.is_authenticated or (viewer.pk != root.pk and not is_operator(viewer)):
        return None
    return CheckoutByUserIdLoader(info.context).load(root.pk)


def user_checkout_field() -> graphene.Field:
    """``User.checkout``, mounted by accounts' ``User`` type (checkout sits above it)."""
    return graphene.Field(
        Checkout,
        description=(
            "The user's open checkout; null without one. Visible to the user and to operators."
        ),
        resolver=_resolve_user_checkout,
    )


class CheckoutFlowQueries(graphene.ObjectType):
    checkout = graphene.Field(
        Checkout,
        token=graphene.String(required=True, description="The checkout's token (a UUID)."),
        description=(
            "A checkout by its token: a guest's to whoever holds the token, a buyer's to "
            "that buyer (and operators); null otherwise, as for a token that matches nothing."
        ),
        resolver=resolve_checkout,
    )
