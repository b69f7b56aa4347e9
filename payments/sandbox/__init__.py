"""The project's own gateway sandboxes: VNPay, MoMo and a bank's notifications.

Real HTTP servers in this app (mounted at ``/sandbox/`` when ``PAYMENT_SANDBOXES`` is on,
as on ``make run`` and in the tests), speaking the protocols of ``payments.protocols``
from the gateway's side, so that a payment can be made end to end without the gateways'
own sandboxes. Each keeps its state in memory in its own module: one sandbox serves one
process.
"""
