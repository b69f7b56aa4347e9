"""The payment methods a checkout may choose, behind one interface the gateways plug into.

A method says whether it is paid online (the order waits, unpaid and holding its stock,
until the gateway confirms; ``settings.ORDER_PAYMENT_MINUTES``) or on delivery (the order
goes straight to the sellers), and ``start`` does what the method does once the order
exists: nothing for cash on delivery, nor for an online method, whose payment the buyer
starts on the placed order (``payments.services.start``, behind ``orderPaymentStart``):
the gateway then answers what the buyer must do next (a URL to open, a QR code to scan,
a card form's client secret). Each online method is a gateway of ``payments.gateways``.
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
VNPAY = PaymentMethod(code="vnpay", name=gettext_lazy("VNPay (bank card, QR)"), online=True)
MOMO = PaymentMethod(code="momo", name=gettext_lazy("MoMo e-wallet"), online=True)
VIETQR = PaymentMethod(code="vietqr", name=gettext_lazy("Bank transfer (VietQR)"), online=True)
CARD = PaymentMethod(code="stripe", name=gettext_lazy("International card"), online=True)

METHODS: dict[str, PaymentMethod] = {
    method.code: method for method in (COD, VNPAY, MOMO, VIETQR, CARD)
}


def methods_available() -> list[PaymentMethod]:
    """The methods offered, in ``settings.PAYMENT_METHODS`` order: those that exist, and
    of the online ones those whose gateway is configured (card payments need a Stripe
    server: ``Gateway.configured``)."""
    # The gateways import this module (PaymentAction): imported here, not at the top.
    from payments.gateways import gateway_named

    offered = []
    for code in settings.PAYMENT_METHODS:
        method = METHODS.get(code)
        if method is None:
            continue
        if method.online:
            gateway = gateway_named(code)
            if gateway is None or not gateway.configured():
                continue
        offered.append(method)
    return offered


def method_named(code: str) -> PaymentMethod | None:
    """The offered method with this code, or ``None``."""
    return next((method for method in methods_available() if method.code == code), None)
