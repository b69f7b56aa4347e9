"""A signed-in buyer takes over a guest's checkout (Saleor's ``checkoutCustomerAttach``).

What a guest filled before signing in is not lost, and the buyer still has one open
checkout:

- without an open checkout of their own, the buyer adopts the guest's (same token,
  lines, reservations and choices); its email becomes the account's;
- with one, the guest's merges into it and is deleted: a variant in both adds up its
  quantities (and takes the guest's ``price_when_added``, the price seen last), the
  other lines move over with their reservations; the buyer's own email, address,
  payment method and shipping choices stay, and the guest's fill only what is missing.
  A sum above ``MAX_LINE_QUANTITY``, or that the stock left cannot cover, refuses the
  whole merge with the guest's line named (``lines.<i>``, in the guest's order) and
  changes nothing: the buyer can lower it in the guest's checkout and try again.

The answer is the buyer's checkout. Attaching a checkout that is already the buyer's
answers it unchanged; another buyer's checkout is ``NOT_FOUND``, as a missing one.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.accounts.models import User
from market.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from market.checkout.selectors import parse_token
from market.checkout.services.common import (
    MAX_LINE_QUANTITY,
    check_line_count,
    check_quantity,
    checkout_not_found,
    reservations_write,
    reserve,
    touch,
)
from market.core.errors import PermissionDenied
from market.core.permissions import is_operator, require_authenticated
from market.core.transactions import service_transaction


def _locked(**where) -> Checkout | None:
    return Checkout.objects.select_for_update(of=("self",)).filter(**where).first()


@service_transaction
def checkout_customer_attach(*, by, token) -> Checkout:
    require_authenticated(by)
    value = parse_token(token)
    # The buyer's row first, as ``checkout_create`` takes it: one merge at a time.
    User.objects.select_for_update().filter(pk=by.pk).first()
    guest = _locked(token=value)
    if guest is None:
        raise checkout_not_found()
    if guest.user_id == by.pk:
        return guest
    if guest.user_id is not None:
        if is_operator(by):
            raise PermissionDenied(_("Operators may read a buyer's checkout, not change it."))
        raise checkout_not_found()
    own = _locked(user=by)
    if own is None:
        guest.user, guest.email = by, by.email
        touch(guest, "user", "email")
        return guest
    _merge(guest, into=own)
    return own


def _merge(guest: Checkout, *, into: Checkout) -> None:
    own_lines = {line.variant_id: line for line in CheckoutLine.objects.filter(checkout=into)}
    guest_lines = list(CheckoutLine.objects.filter(checkout=guest).order_by("created_at", "pk"))
    errors: dict[str, list[ValidationError]] = {}
    summed, moved, required = [], [], {}
    for index, line in enumerate(guest_lines):
        mine = own_lines.get(line.variant_id)
        if mine is None:
            line.checkout = into
            moved.append(line)
            continue
        total = mine.quantity + line.quantity
        if total > MAX_LINE_QUANTITY:
            check_quantity(errors, f"lines.{index}.quantity", total)
            continue
        mine.quantity, mine.price_when_added = total, line.price_when_added
        summed.append(mine)
        required[mine.variant_id] = f"lines.{index}"
    if errors:
        raise ValidationError(errors)
    check_line_count(len(own_lines) + len(moved))
    # The guest's reservations would otherwise count as another checkout's against the
    # merged lines; nobody else sees them gone before this transaction commits.
    Reservation.objects.filter(line__checkout=guest).delete()
    fitting = reserve(into, [*own_lines.values(), *moved], required=required)
    CheckoutLine.objects.bulk_update(summed, ["quantity", "price_when_added"])
    CheckoutLine.objects.bulk_update(moved, ["checkout"])
    reservations_write(fitting)
    chosen = set(CheckoutDelivery.objects.filter(checkout=into).values_list("seller_id", flat=True))
    CheckoutDelivery.objects.filter(checkout=guest).exclude(seller_id__in=chosen).update(
        checkout=into
    )
    into.shipping_address = into.shipping_address or guest.shipping_address
    into.payment_method = into.payment_method or guest.payment_method
    into.email = into.email or guest.email
    guest.delete()
    touch(into, "shipping_address", "payment_method", "email")
