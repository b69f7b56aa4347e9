"""Every write of a checkout: create, lines, email, address, delivery, payment, attach,
complete.

Callers use this package's interface (``from market.checkout import services``, then
``services.checkout_lines_add(...)``); the modules hold one subject each (shipping-method
management is ``services.shipping_methods``). Each function takes keyword-only arguments,
runs in one transaction, locks the checkout's row, and refuses with typed errors
(``ValidationError`` keyed by field, ``DomainError`` / ``DomainErrors`` whose ``details``
carry the ids of the line, variant or seller at fault). Who reaches a checkout and how
stock is reserved is written once, in ``common``.
"""

from market.checkout.services.attach import checkout_customer_attach
from market.checkout.services.checkouts import (
    checkout_create,
    checkout_delivery_method_update,
    checkout_email_update,
    checkout_payment_method_update,
    checkout_shipping_address_update,
)
from market.checkout.services.common import (
    MAX_LINE_QUANTITY,
    MAX_LINES,
    reservations_delete_ended,
)
from market.checkout.services.completion import Completion, checkout_complete
from market.checkout.services.lines import (
    checkout_lines_add,
    checkout_lines_delete,
    checkout_lines_update,
)

__all__ = [
    "MAX_LINES",
    "MAX_LINE_QUANTITY",
    "Completion",
    "checkout_complete",
    "checkout_create",
    "checkout_customer_attach",
    "checkout_delivery_method_update",
    "checkout_email_update",
    "checkout_lines_add",
    "checkout_lines_delete",
    "checkout_lines_update",
    "checkout_payment_method_update",
    "checkout_shipping_address_update",
    "reservations_delete_ended",
]
