"""Factories of the checkout app (shipping methods, checkouts, lines, reservations).

Shared by the checkout flow's tests and the shipping-method management tests; the
catalog's factories (variants, stock, sellers) come from ``tests.factories``.
"""

import datetime

import factory
from django.conf import settings
from django.utils import timezone

from market.checkout.models import (
    Checkout,
    CheckoutDelivery,
    CheckoutLine,
    Reservation,
    ShippingMethod,
)
from tests.factories import SellerFactory, StockFactory


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    """A flat-rate method delivering everywhere."""

    class Meta:
        model = ShippingMethod

    seller = factory.SubFactory(SellerFactory)
    name = factory.Sequence(lambda n: f"Giao hàng tiêu chuẩn {n}")
    kind = ShippingMethod.Kind.FLAT
    price = 30_000
    free_above = None
    weight_bands = factory.LazyFunction(list)
    provinces = factory.LazyFunction(list)
    is_active = True


class CheckoutFactory(factory.django.DjangoModelFactory):
    """A guest's checkout (``user=None``) without lines, email or address."""

    class Meta:
        model = Checkout

    user = None
    email = ""
    shipping_address = None
    payment_method = ""


class CheckoutLineFactory(factory.django.DjangoModelFactory):
    """A line of a variant that has stock; ``price_when_added`` is the variant's price."""

    class Meta:
        model = CheckoutLine

    checkout = factory.SubFactory(CheckoutFactory)
    variant = factory.LazyFunction(lambda: StockFactory().variant)
    quantity = 1
    price_when_added = factory.LazyAttribute(lambda line: line.variant.price)


class ReservationFactory(factory.django.DjangoModelFactory):
    """The live reservation of a line's quantity on its variant's stock."""

    class Meta:
        model = Reservation

    line = factory.SubFactory(CheckoutLineFactory)
    stock = factory.LazyAttribute(lambda reservation: reservation.line.variant.stock)
    quantity = factory.LazyAttribute(lambda reservation: reservation.line.quantity)
    reserved_until = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(minutes=settings.CHECKOUT_RESERVATION_MINUTES)
    )


class CheckoutDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckoutDelivery

    checkout = factory.SubFactory(CheckoutFactory)
    shipping_method = factory.SubFactory(ShippingMethodFactory)
    seller = factory.SelfAttribute("shipping_method.seller")
