"""The payment methods a checkout may choose, behind one interface the gateways plug into.

A method says whether it is paid online (the order waits, unpaid and holding its stock,
until the gateway confirms; ``settings.ORDER_PAYMENT_MINUTES``) or on delivery (the order
goes straight to the sellers), and ``start`` does what the method does once the order
exists: nothing for cash on delivery; a gateway returns what the buyer must do next (a
URL to open, a QR code to scan). The gateways (VNPay, MoMo, VietQR, Stripe) are added
to ``METHODS`` with their own module.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class PaymentAction:
    """What the buyer does next to pay: nothing for COD."""

    kind: str = "none"
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentMethod:
    code: str
    name: Promise
    online: bool

    def start(self, order) -> PaymentAction:
        """Begin paying ``order`` (just created, in the caller's transaction)."""
        return PaymentAction()


COD = PaymentMethod(code="cod", name=gettext_lazy("Cash on delivery"), online=False)

METHODS: dict[str, PaymentMethod] = {method.code: method for method in (COD,)}


def methods_available() -> list[PaymentMethod]:
    """The methods offered, in ``settings.PAYMENT_METHODS`` order (those that exist)."""
    return [METHODS[code] for code in settings.PAYMENT_METHODS if code in METHODS]


def method_named(code: str) -> PaymentMethod | None:
    """The offered method with this code, or ``None``."""
    return next((method for method in methods_available() if method.code == code), None)
