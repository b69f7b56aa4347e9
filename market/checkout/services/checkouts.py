"""Creating a checkout and setting what completion needs: email, address, delivery per
seller, payment method.

A signed-in buyer has one open checkout (a database constraint): ``checkout_create`` by
a buyer who already has one adds the lines to it and answers it, as a guest's checkout
merges into it on sign-in. A guest gets a new checkout each time, reached by its token.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _

from market.accounts.models import User
from market.accounts.services import normalize_email
from market.checkout.delivery import (
    NOT_OFFERED,
    PROVINCE,
    TOO_HEAVY,
    WEIGHT_UNKNOWN,
    method_refusal,
)
from market.checkout.models import Checkout, CheckoutDelivery
from market.checkout.selectors import (
    KnownReads,
    checkout_lines,
    checkout_state,
    province_of,
    reads_keep,
)
from market.checkout.services.common import (
    checkout_fetch,
    reservations_renew,
    touch,
)
from market.checkout.services.lines import lines_add
from market.core import throttle
from market.core.addresses import address_clean
from market.core.errors import DomainError, DomainErrors
from market.core.sql import instances_insert
from market.core.transactions import service_transaction
from payments.methods import method_named

MAX_EMAIL_LENGTH = 254


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def _clean_email(value, field: str = "email") -> str:
    email = normalize_email(value or "")
    try:
        if not email:
            raise ValidationError(_("This field is required."), code="REQUIRED")
        if len(email) > MAX_EMAIL_LENGTH:
            raise ValidationError(
                _("At most %(limit)s characters.") % {"limit": MAX_EMAIL_LENGTH},
                code="TOO_LONG",
            )
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(_("Enter a valid email address."), code="INVALID") from None
    except ValidationError as error:
        raise ValidationError({field: error}) from None
    return email


def _clean_address(value: dict, field: str = "shipping_address") -> dict:
    try:
        return address_clean(value or {})
    except ValidationError as error:
        raise ValidationError(
            {f"{field}.{key}": errors for key, errors in error.error_dict.items()}
        ) from None


def _language() -> str:
    return (translation.get_language() or "vi").split("-")[0][:8]


def _renew_keeping_lines(checkout: Checkout) -> None:
    """``reservations_renew``, its lines handed to the answer when it wrote nothing."""
    lines = checkout_lines([checkout.pk])
    if not reservations_renew(checkout, lines):
        reads_keep(checkout, KnownReads(lines=tuple(lines)))


@service_transaction
def checkout_create(
    *,
    by,
    lines: list[dict] | None = None,
    email=None,
    shipping_address=None,
    client_address: str | None = None,
) -> Checkout:
    """A new checkout with ``lines`` (``variant_id``, ``quantity``), and optionally the
    buyer's email and delivery address; a signed-in buyer's open checkout if they have one
    (the lines are added to it). Anyone may create one; a guest keeps its token.

    Each guest checkout may hold stock for a while: new ones are counted per network of
    ``client_address`` (``settings.CHECKOUT_GUEST_CREATIONS_PER_ADDRESS``), so a script
    cannot hold a cooperative's whole stock with checkouts it never completes (a buyer has
    one checkout at most, by a constraint). Refused with ``Throttled``; ``None`` (the
    platform, the demo loader) is not counted."""
    cleaned: dict = {}
    if email is not None:
        cleaned["email"] = _clean_email(email)
    if shipping_address is not None:
        cleaned["shipping_address"] = _clean_address(shipping_address)
    checkout = None
    if _signed_in(by):
        # The buyer's row lock: two first creations at once give one checkout.
        User.objects.select_for_update().filter(pk=by.pk).first()
        checkout = Checkout.objects.select_for_update(of=("self",)).filter(user=by).first()
        if checkout is None:
            checkout = Checkout(user=by, email=by.email)
    else:
        if client_address is not None:
            throttle.attempt(
                [
                    throttle.Limit(
                        "checkout-create/address",
                        settings.CHECKOUT_GUEST_CREATIONS_PER_ADDRESS,
                        (throttle.address_key(client_address),),
                    )
                ]
            )
        checkout = Checkout()
    created = checkout.pk is None
    if created:
        checkout.language = _language()
    for name, value in cleaned.items():
        setattr(checkout, name, value)
    if created:
        instances_insert([checkout])
    else:
        checkout.save()
    if lines:
        lines_add(checkout, lines, created=created)
    elif created:
        # A row inserted by this transaction has no lines or choices yet.
        reads_keep(checkout, KnownReads(lines=(), methods=(), chosen={}))
    else:
        reservations_renew(checkout)
    return checkout


@service_transaction
def checkout_email_update(*, by, token, email) -> Checkout:
    checkout = checkout_fetch(by, token)
    checkout.email = _clean_email(email)
    touch(checkout, "email")
    _renew_keeping_lines(checkout)
    return checkout


@service_transaction
def checkout_shipping_address_update(*, by, token, shipping_address: dict) -> Checkout:
    """Set the delivery address (``market.core.addresses.address_clean``'s fields). A
    shipping method chosen earlier that does not serve the new province stays recorded
    but is no longer applicable: its group shows none until one is chosen again."""
    checkout = checkout_fetch(by, token)
    checkout.shipping_address = _clean_address(shipping_address)
    touch(checkout, "shipping_address")
    _renew_keeping_lines(checkout)
    return checkout


@service_transaction
def checkout_payment_method_update(*, by, token, payment_method: str) -> Checkout:
    """Choose one of the payment methods offered (``payments.methods``) by its code."""
    checkout = checkout_fetch(by, token)
    method = method_named(payment_method or "")
    if method is None:
        raise ValidationError(
            {
                "payment_method": ValidationError(
                    _("%(code)s is not a payment method this marketplace offers.")
                    % {"code": payment_method},
                    code="PAYMENT_METHOD_UNAVAILABLE",
                )
            }
        )
    checkout.payment_method = method.code
    touch(checkout, "payment_method")
    _renew_keeping_lines(checkout)
    return checkout


def refusal_message(reason: str, *, province: str | None, grams: int) -> str:
    if reason == PROVINCE:
        if province is None:
            return _("This shipping method delivers to some provinces only: give the address.")
        return _("This shipping method does not deliver to %(province)s.") % {"province": province}
    if reason == WEIGHT_UNKNOWN:
        return _("This shipping method is priced by weight, and a product has no weight.")
    if reason == TOO_HEAVY:
        return _("This shipping method cannot carry %(grams)d g.") % {"grams": grams}
    return _("This is not one of the seller's shipping methods.")


@service_transaction
def checkout_delivery_method_update(*, by, token, delivery_methods: list[dict]) -> Checkout:
    """Choose the shipping method of each listed seller's group (``seller_id``,
    ``shipping_method_id``). The method must be one the seller offers (active), deliver to
    the address's province and carry the group's weight; every refusal names its row
    (``DELIVERY_METHOD_NOT_APPLICABLE``, with the seller) and nothing changes."""
    checkout = checkout_fetch(by, token)
    if not delivery_methods:
        raise ValidationError(
            {
                "delivery_methods": ValidationError(
                    _("Give at least one seller's shipping method."), code="REQUIRED"
                )
            }
        )
    state = checkout_state(checkout)
    groups = {group.seller_id: group for group in state.totals.groups}
    # The offered methods of the checkout's sellers: a method not among them is another
    # seller's or not offered, refused alike (NOT_OFFERED).
    methods = {method.pk: method for method in state.methods}
    province = province_of(checkout)
    refusals, chosen = [], {}
    for index, row in enumerate(delivery_methods):
        seller_id = row["seller_id"]
        group = groups.get(seller_id)
        if group is None:
            refusals.append(
                DomainError(
                    _("The checkout has no products of this seller."),
                    code="INVALID",
                    field=f"delivery_methods.{index}.seller",
                    details={"seller_id": seller_id},
                )
            )
            continue
        if seller_id in chosen:
            refusals.append(
                DomainError(
                    _("This seller is given more than once."),
                    code="DUPLICATED_INPUT_ITEM",
                    field=f"delivery_methods.{index}.seller",
                    details={"seller_id": seller_id},
                )
            )
            continue
        method = methods.get(row["shipping_method_id"])
        reason = (
            NOT_OFFERED
            if method is None
            else method_refusal(
                method,
                seller_id=seller_id,
                province=province,
                subtotal=group.subtotal,
                grams=group.grams,
                weight_known=group.weight_known,
            )
        )
        if reason is not None:
            refusals.append(
                DomainError(
                    refusal_message(reason, province=province, grams=group.grams),
                    code="DELIVERY_METHOD_NOT_APPLICABLE",
                    field=f"delivery_methods.{index}.shipping_method",
                    details={"seller_id": seller_id},
                )
            )
            continue
        chosen[seller_id] = method
    if refusals:
        raise DomainErrors(refusals)
    instances_insert(
        [
            CheckoutDelivery(checkout=checkout, seller_id=seller_id, shipping_method=method)
            for seller_id, method in chosen.items()
        ],
        unique_fields=("checkout", "seller"),
        update_fields=("shipping_method",),
    )
    renewed = reservations_renew(checkout, list(state.lines))
    reads_keep(
        checkout,
        KnownReads(
            lines=None if renewed else state.lines,
            methods=state.methods,
            chosen={**state.chosen, **chosen},
        ),
    )
    return checkout
