"""The payment gateways, one module each behind ``base.Gateway``, by code.

Which of them a checkout offers is ``settings.PAYMENT_METHODS`` (``payments.methods``);
this registry is every gateway the endpoints can hear from.
"""

from functools import cache

from payments.gateways.base import Gateway


@cache
def gateways() -> dict[str, Gateway]:
    from payments.gateways.momo import MomoGateway
    from payments.gateways.stripe import StripeGateway
    from payments.gateways.vietqr import VietQRGateway
    from payments.gateways.vnpay import VnpayGateway

    every = (VnpayGateway(), MomoGateway(), VietQRGateway(), StripeGateway())
    return {gateway.code: gateway for gateway in every}


def gateway_named(code: str) -> Gateway | None:
    return gateways().get(code)
