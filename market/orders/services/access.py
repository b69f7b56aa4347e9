"""Who may act on an order or a seller order, checked before revealing that it exists.

Staff act on their sellers' parts (``fetch_for_seller_staff``); a buyer on their own
order, signed in or, for a guest, holding the order's token; operators on everything
(and only they are told ``NOT_FOUND``). Every loader here answers rows locked for the
caller's transaction, the order first, then its part (``status``'s lock order).
"""

import uuid

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.errors import NotFound, PermissionDenied
from market.core.permissions import (
    fetch_for_seller_staff,
    is_operator,
    is_row_id,
    require_authenticated,
    seller_ids_of,
)
from market.orders.models import Order, SellerOrder

NOT_YOURS = gettext_lazy("You may not act on this order.")


def seller_order_not_found() -> NotFound:
    return NotFound(_("Seller order not found."), field="id")


def order_not_found() -> NotFound:
    return NotFound(_("Order not found."), field="id")


def as_token(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def acts_for_seller(by, seller_id: int) -> bool:
    """Whether ``by`` acts on the part as the seller's side: its staff, or an operator."""
    return is_operator(by) or (signed_in(by) and seller_id in seller_ids_of(by))


def seller_order_for_staff(seller_order_id, *, by) -> SellerOrder:
    """The part, locked with its order, for staff of its seller or an operator."""
    found = fetch_for_seller_staff(
        SellerOrder.objects.all(), seller_order_id, by=by, not_found=seller_order_not_found()
    )
    return locked_seller_order(found.pk)


def seller_order_for_seller_or_buyer(seller_order_id, *, by, token=None) -> SellerOrder:
    """The part, locked with its order, for its seller's staff, an operator, the order's
    signed-in buyer, or whoever holds the order's token (a guest)."""
    key = as_token(token)
    # No token at all is a visitor who must sign in; a wrong one is refused as not theirs.
    if not signed_in(by) and not token:
        require_authenticated(by)
    if is_operator(by):
        found = (
            SellerOrder.objects.filter(pk=seller_order_id).first()
            if is_row_id(seller_order_id)
            else None
        )
        if found is None:
            raise seller_order_not_found()
        return locked_seller_order(found.pk)
    allowed = Q(order__token=key) if key is not None else Q(pk__in=[])
    if signed_in(by):
        allowed |= Q(seller_id__in=seller_ids_of(by)) | Q(order__user=by)
    found = None
    if is_row_id(seller_order_id):
        found = SellerOrder.objects.filter(allowed, pk=seller_order_id).first()
    if found is None:
        raise PermissionDenied(str(NOT_YOURS))
    return locked_seller_order(found.pk)


def order_for_buyer(order_id, *, by, token=None) -> Order:
    """The order, locked, for its signed-in buyer, whoever holds its token, or an operator."""
    key = as_token(token)
    if not signed_in(by) and not token:
        require_authenticated(by)
    orders = Order.objects.select_for_update(of=("self",))
    if is_operator(by):
        found = orders.filter(pk=order_id).first() if is_row_id(order_id) else None
        if found is None:
            raise order_not_found()
        return found
    allowed = Q(token=key) if key is not None else Q(pk__in=[])
    if signed_in(by):
        allowed |= Q(user=by)
    found = orders.filter(allowed, pk=order_id).first() if is_row_id(order_id) else None
    if found is None:
        raise PermissionDenied(str(NOT_YOURS))
    return found


def locked_seller_order(pk: int) -> SellerOrder:
    """The part ``pk`` locked, with its order locked first."""
    order_id = SellerOrder.objects.filter(pk=pk).values_list("order_id", flat=True).get()
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    part = SellerOrder.objects.select_for_update(of=("self",)).select_related("seller").get(pk=pk)
    part.order = order
    return part
