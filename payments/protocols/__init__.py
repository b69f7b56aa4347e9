"""The wire protocols of the Vietnamese payment gateways, as pure functions.

Each module here speaks one protocol and nothing else: it builds and checks the strings a
gateway signs, the payloads it reads and the codes it answers, from the values and secrets
it is given. None of them touches the database, reads a setting, speaks HTTP or reads the
clock (beyond an optional "now" default); Django is used only to translate their error
messages. So they are tested without models (CONTRIBUTING.md, "Pure pieces"), and the
gateways, views and sandboxes built on them share one definition of each protocol.

- ``vnpay``: VNPay 2.1.0: the signed query string, payment URL, IPN check and answers,
  ``querydr`` and refund signatures.
- ``momo``: MoMo AIO v2: the raw signature strings of create, IPN, query and refund, and
  the result codes.
- ``vietqr``: the EMVCo merchant-presented payload of a NAPAS 247 transfer (VietQR), its
  parser, and its QR code as PNG or SVG.
- ``bank_notifications``: the bank-account notification webhooks (Casso's signature,
  SePay's API key) and finding an order code in a transfer's content.
"""
