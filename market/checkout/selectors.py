"""Reads of checkouts: a buyer's open checkout, what it holds, and the stock others hold.

``checkout_states`` loads everything a checkout shows (its lines with their variants and
reservations, the sellers' offered shipping methods, the buyer's choices) in three
queries for any number of checkouts and lines, and computes the delivery groups and
totals with ``market.checkout.delivery``: the GraphQL loaders and the services read the
same thing.
"""

import uuid
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from market.checkout.delivery import CheckoutTotals, checkout_totals, delivery_groups
from market.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from market.checkout.shipping_selectors import shipping_methods_offered
from market.core.errors import InvalidInput
from market.core.permissions import is_operator


@dataclass(frozen=True)
class CheckoutState:
    checkout: Checkout
    # In the order they were added.
    lines: tuple[CheckoutLine, ...]
    totals: CheckoutTotals


def parse_token(token) -> uuid.UUID:
    """The UUID ``token`` spells (the canonical form, any case), else ``INVALID_TOKEN``."""
    if isinstance(token, uuid.UUID):
        return token
    try:
        parsed = uuid.UUID(token)
    except (TypeError, ValueError, AttributeError):
        parsed = None
    if parsed is None or str(parsed) != token.lower():
        raise InvalidInput(
            _("The checkout token is not valid."), code="INVALID_TOKEN", field="token"
        )
    return parsed


def may_act_on(user, checkout: Checkout) -> bool:
    """A guest's checkout: whoever holds its token; a buyer's: that buyer."""
    return checkout.user_id is None or (_signed_in(user) and checkout.user_id == user.pk)


def checkout_visible_to(user, token) -> Checkout | None:
    """The checkout ``token`` names if ``user`` may read it (``may_act_on``, or an
    operator), else None: a stranger cannot tell a buyer's checkout from a missing one."""
    checkout = Checkout.objects.filter(token=parse_token(token)).first()
    if checkout is None or not (may_act_on(user, checkout) or is_operator(user)):
        return None
    return checkout


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def checkout_of_user(user) -> Checkout | None:
    """The signed-in ``user``'s open checkout (there is at most one), or None."""
    if not _signed_in(user):
        return None
    return Checkout.objects.filter(user=user).first()


def units_held_elsewhere(stock_ids: list[int], *, checkout_id: int | None) -> dict[int, int]:
    """Per stock id, the units that live reservations of checkouts other than
    ``checkout_id`` hold. A reservation past its ``reserved_until`` holds nothing,
    whether or not the periodic task has deleted it yet.

    Read it after locking the stock rows: every writer of a reservation holds its stock's
    lock until it commits, so what this reads is then current."""
    if not stock_ids:
        return {}
    rows = Reservation.objects.filter(stock_id__in=stock_ids, reserved_until__gt=timezone.now())
    if checkout_id is not None:
        rows = rows.filter(~Q(line__checkout_id=checkout_id))
    held = rows.values("stock_id").annotate(units=Sum("quantity")).values_list("stock_id", "units")
    return dict(held)


def reservation_of(line: CheckoutLine) -> Reservation | None:
    try:
        return line.reservation
    except Reservation.DoesNotExist:
        return None


def checkout_lines(checkout_ids: list[int]) -> list[CheckoutLine]:
    """The lines of these checkouts with their variant, product and reservation, in the
    order they were added."""
    return list(
        CheckoutLine.objects.filter(checkout_id__in=checkout_ids)
        .select_related("variant__product", "reservation")
        .order_by("checkout_id", "created_at", "pk")
    )


def checkout_states(checkouts: list[Checkout]) -> dict[int, CheckoutState]:
    """Each checkout's lines, delivery groups and totals, by checkout id."""
    if not checkouts:
        return {}
    ids = [checkout.pk for checkout in checkouts]
    lines = checkout_lines(ids)
    seller_ids = {line.variant.product.seller_id for line in lines}
    methods = (
        list(
            shipping_methods_offered()
            .filter(seller_id__in=seller_ids)
            .order_by("seller_id", "price", "pk")
        )
        if seller_ids
        else []
    )
    chosen: dict[int, dict] = {}
    for delivery in CheckoutDelivery.objects.filter(checkout_id__in=ids).select_related(
        "shipping_method"
    ):
        chosen.setdefault(delivery.checkout_id, {})[delivery.seller_id] = delivery.shipping_method
    lines_by_checkout: dict[int, list[CheckoutLine]] = {pk: [] for pk in ids}
    for line in lines:
        lines_by_checkout[line.checkout_id].append(line)
    states = {}
    for checkout in checkouts:
        own_lines = lines_by_checkout[checkout.pk]
        groups = delivery_groups(
            own_lines,
            methods=methods,
            chosen=chosen.get(checkout.pk, {}),
            province=province_of(checkout),
        )
        states[checkout.pk] = CheckoutState(
            checkout=checkout, lines=tuple(own_lines), totals=checkout_totals(groups)
        )
    return states


def checkout_state(checkout: Checkout) -> CheckoutState:
    return checkout_states([checkout])[checkout.pk]


def province_of(checkout: Checkout) -> str | None:
    return (checkout.shipping_address or {}).get("province")
