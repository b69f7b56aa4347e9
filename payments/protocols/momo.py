"""MoMo AIO v2: the raw signature strings and HMAC-SHA256 signatures, and result codes.

What the protocol requires (``shared/DOMAIN.md``, "MoMo"; MoMo's developer docs for the
query and refund APIs):

- Every request and the IPN carry ``signature``: HMAC-SHA256, keyed with the merchant's
  secret key, lowercase hex, of ``key1=value1&key2=value2...`` over a fixed list of fields
  per operation, in alphabetical order, ``accessKey`` first (it is not in the body: it is
  the merchant's access key). Values are **raw**, not URL-encoded, and the string is
  UTF-8 (MoMo's own Python sample encodes ASCII and breaks on Vietnamese text).
- Create: ``accessKey amount extraData ipnUrl orderId orderInfo partnerCode redirectUrl
  requestId requestType``. IPN: ``accessKey amount extraData message orderId orderInfo
  orderType partnerCode payType requestId responseTime resultCode transId``. Query
  (``/v2/gateway/api/query``): ``accessKey orderId partnerCode requestId``. Refund
  (``/v2/gateway/api/refund``): ``accessKey amount description orderId partnerCode
  requestId transId``, where ``orderId`` is a **new** id for the refund and ``transId``
  MoMo's id of the payment.
- ``orderId`` matches ``^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$``; ``requestId`` is MoMo's
  idempotency key; wallet amounts are 1,000 to 50,000,000 VND.

Choices made here, and why:

- A value is signed exactly as it is sent: no Unicode normalisation, so the caller sends
  the very strings it signed. Numbers (``amount``, ``transId``, ``resultCode``,
  ``responseTime``) are written in decimal, as MoMo's JSON carries them.
- The requests we sign are checked first (``MomoParameterError``): a missing field, an
  ``orderId`` outside MoMo's pattern, an amount that is not a positive whole number. The
  string is not injective (a raw value holding ``&orderId=`` could move a boundary), which
  is one more reason the gateway matches ``orderId`` and ``amount`` against its own
  records after the signature.
- Checking an IPN is lenient about what MoMo sends: a field it leaves out counts as empty,
  and any malformed input is simply "not valid". Comparison is constant-time.
"""

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from enum import IntEnum

from django.utils.translation import gettext as _

CREATE_SIGNED_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "ipnUrl",
    "orderId",
    "orderInfo",
    "partnerCode",
    "redirectUrl",
    "requestId",
    "requestType",
)
IPN_SIGNED_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "payType",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
)
QUERY_SIGNED_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")
REFUND_SIGNED_FIELDS = (
    "accessKey",
    "amount",
    "description",
    "orderId",
    "partnerCode",
    "requestId",
    "transId",
)

# The request types MoMo's AIO v2 create API names.
CAPTURE_WALLET = "captureWallet"
PAY_WITH_METHOD = "payWithMethod"
PAY_WITH_ATM = "payWithATM"
PAY_WITH_CC = "payWithCC"
REQUEST_TYPES = frozenset({CAPTURE_WALLET, PAY_WITH_METHOD, PAY_WITH_ATM, PAY_WITH_CC})

WALLET_MIN_AMOUNT = 1_000
WALLET_MAX_AMOUNT = 50_000_000
ORDER_ID_PATTERN = re.compile(r"[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*")
SIGNATURE_FIELD = "signature"

MISSING_FIELD = "MISSING_FIELD"
INVALID_FIELD = "INVALID_FIELD"


class MomoParameterError(ValueError):
    """A field of a request we sign that MoMo would refuse. ``code`` is ``MISSING_FIELD``
    or ``INVALID_FIELD``, ``field`` the field's name, ``message`` translated."""

    def __init__(self, code: str, field: str, message: str):
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


class ResultCode(IntEnum):
    """MoMo's ``resultCode`` values a payment flow meets (see ``RESULT_MEANINGS``)."""

    SUCCESS = 0
    AUTHORIZED = 9000
    PENDING_CONFIRMATION = 8000
    PROCESSING = 7000
    PROCESSING_BY_PROVIDER = 7002
    AWAITING_BUYER = 1000
    INSUFFICIENT_FUNDS = 1001
    CANCELLED = 1003
    EXPIRED = 1005
    DECLINED_BY_BUYER = 1006
    MAINTENANCE = 10
    ACCESS_DENIED = 11
    BAD_SIGNATURE = 13
    BAD_FORMAT = 20
    BAD_AMOUNT = 21
    DUPLICATE_REQUEST_ID = 40
    DUPLICATE_ORDER_ID = 41
    UNKNOWN = 99


# What each code means, for logs and operators (MoMo's own message, localised by MoMo,
# comes with it in ``message``); never shown to a buyer as is.
RESULT_MEANINGS = {
    ResultCode.SUCCESS: "Successful.",
    ResultCode.AUTHORIZED: "Authorised: capture or cancel it when not auto-captured.",
    ResultCode.PENDING_CONFIRMATION: "Waiting for the buyer to confirm the payment again.",
    ResultCode.PROCESSING: "Being processed.",
    ResultCode.PROCESSING_BY_PROVIDER: "Being processed by the payment method's provider.",
    ResultCode.AWAITING_BUYER: "Created, waiting for the buyer.",
    ResultCode.INSUFFICIENT_FUNDS: "Insufficient funds.",
    ResultCode.CANCELLED: "Cancelled or timed out.",
    ResultCode.EXPIRED: "The payment URL or QR code expired.",
    ResultCode.DECLINED_BY_BUYER: "The buyer declined the payment.",
    ResultCode.MAINTENANCE: "MoMo is under maintenance.",
    ResultCode.ACCESS_DENIED: "Access denied (merchant settings).",
    ResultCode.BAD_SIGNATURE: "Merchant authentication failed (bad signature or keys).",
    ResultCode.BAD_FORMAT: "Bad request format.",
    ResultCode.BAD_AMOUNT: "Invalid amount.",
    ResultCode.DUPLICATE_REQUEST_ID: "Duplicate requestId.",
    ResultCode.DUPLICATE_ORDER_ID: "Duplicate orderId.",
    ResultCode.UNKNOWN: "Unknown error.",
}
# The payment may still succeed: wait for the IPN or ask again (query).
PENDING_RESULTS = frozenset(
    {
        ResultCode.AWAITING_BUYER,
        ResultCode.PROCESSING,
        ResultCode.PROCESSING_BY_PROVIDER,
        ResultCode.PENDING_CONFIRMATION,
    }
)


def is_paid(result_code: int) -> bool:
    """Whether the money is taken: ``0`` only (``9000`` is held, not yet captured)."""
    return result_code == ResultCode.SUCCESS


def is_pending(result_code: int) -> bool:
    """Whether the result is not final yet (see ``PENDING_RESULTS``)."""
    return result_code in PENDING_RESULTS


def raw_signature(values: Mapping[str, object], fields: tuple[str, ...]) -> str:
    """``field=value`` for each of ``fields`` in that order, joined with ``&``, raw values.

    Every field must be present (``accessKey`` included); strings are used as they are,
    whole numbers in decimal. Raises ``MomoParameterError``.
    """
    return "&".join(f"{name}={_text(name, values.get(name))}" for name in fields)


def create_raw_signature(request: Mapping[str, object], access_key: str) -> str:
    """The string a create request signs (``CREATE_SIGNED_FIELDS``), after checking the
    request: ``orderId`` pattern, positive whole ``amount``, a known ``requestType``,
    ``extraData`` empty or base64."""
    _check_order_id(request.get("orderId"))
    _check_amount(request.get("amount"))
    if request.get("requestType") not in REQUEST_TYPES:
        raise MomoParameterError(
            INVALID_FIELD, "requestType", _("This MoMo request type is not supported.")
        )
    _check_extra_data(request.get("extraData"))
    return raw_signature(_with_access_key(request, access_key), CREATE_SIGNED_FIELDS)


def sign_create(request: Mapping[str, object], access_key: str, secret_key: str) -> str:
    """``signature`` of a create request."""
    return _hmac_sha256(secret_key, create_raw_signature(request, access_key))


def query_raw_signature(request: Mapping[str, object], access_key: str) -> str:
    """The string a query request signs (``QUERY_SIGNED_FIELDS``)."""
    _check_order_id(request.get("orderId"))
    return raw_signature(_with_access_key(request, access_key), QUERY_SIGNED_FIELDS)


def sign_query(request: Mapping[str, object], access_key: str, secret_key: str) -> str:
    """``signature`` of a query request."""
    return _hmac_sha256(secret_key, query_raw_signature(request, access_key))


def refund_raw_signature(request: Mapping[str, object], access_key: str) -> str:
    """The string a refund request signs (``REFUND_SIGNED_FIELDS``). ``orderId`` is the
    refund's own new id, ``transId`` MoMo's id of the payment being refunded."""
    _check_order_id(request.get("orderId"))
    _check_amount(request.get("amount"))
    trans_id = request.get("transId")
    if isinstance(trans_id, bool) or not isinstance(trans_id, int | str) or not str(trans_id):
        raise MomoParameterError(
            INVALID_FIELD, "transId", _("A refund needs MoMo's transaction id (transId).")
        )
    return raw_signature(_with_access_key(request, access_key), REFUND_SIGNED_FIELDS)


def sign_refund(request: Mapping[str, object], access_key: str, secret_key: str) -> str:
    """``signature`` of a refund request."""
    return _hmac_sha256(secret_key, refund_raw_signature(request, access_key))


def ipn_raw_signature(notification: Mapping[str, object], access_key: str) -> str:
    """The string an IPN is signed over (``IPN_SIGNED_FIELDS``); a field MoMo left out
    counts as empty."""
    present = {name: notification.get(name, "") for name in IPN_SIGNED_FIELDS}
    return raw_signature(_with_access_key(present, access_key), IPN_SIGNED_FIELDS)


def sign_ipn(notification: Mapping[str, object], access_key: str, secret_key: str) -> str:
    """``signature`` of an IPN, as MoMo computes it (the sandbox signs with this)."""
    return _hmac_sha256(secret_key, ipn_raw_signature(notification, access_key))


def verify_ipn(notification: Mapping[str, object], access_key: str, secret_key: str) -> bool:
    """Whether an IPN body carries MoMo's valid signature (constant-time). Malformed
    input (a field of the wrong type, no signature) is not valid rather than an error."""
    received = notification.get(SIGNATURE_FIELD)
    if not isinstance(received, str) or not received or not access_key or not secret_key:
        return False
    try:
        expected = sign_ipn(notification, access_key, secret_key)
    except MomoParameterError:
        return False
    return hmac.compare_digest(expected.encode("ascii"), received.lower().encode("utf-8"))


def _with_access_key(values: Mapping[str, object], access_key: str) -> dict[str, object]:
    # The access key is the merchant's, never taken from the body being signed.
    if not isinstance(access_key, str) or not access_key:
        raise MomoParameterError(
            MISSING_FIELD, "accessKey", _("%(name)s is missing.") % {"name": "accessKey"}
        )
    return {**values, "accessKey": access_key}


def _text(name: str, value: object) -> str:
    if value is None:
        raise MomoParameterError(MISSING_FIELD, name, _("%(name)s is missing.") % {"name": name})
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MomoParameterError(
            INVALID_FIELD, name, _("%(name)s must be text or a whole number.") % {"name": name}
        )
    return str(value)


def _check_order_id(order_id: object) -> None:
    if not isinstance(order_id, str) or not ORDER_ID_PATTERN.fullmatch(order_id):
        raise MomoParameterError(
            INVALID_FIELD,
            "orderId",
            _("A MoMo orderId is letters and digits, joined by - _ or . only."),
        )


def _check_amount(amount: object) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise MomoParameterError(
            INVALID_FIELD, "amount", _("The amount is a positive whole number of VND.")
        )


def _check_extra_data(extra_data: object) -> None:
    if extra_data is None:
        raise MomoParameterError(
            MISSING_FIELD, "extraData", _("%(name)s is missing.") % {"name": "extraData"}
        )
    if extra_data == "":
        return
    try:
        if not isinstance(extra_data, str):
            raise TypeError
        base64.b64decode(extra_data, validate=True)
    except (TypeError, ValueError, binascii.Error) as error:
        raise MomoParameterError(
            INVALID_FIELD, "extraData", _("MoMo's extraData is empty or base64.")
        ) from error


def _hmac_sha256(secret_key: str, message: str) -> str:
    if not isinstance(secret_key, str) or not secret_key:
        raise MomoParameterError(
            MISSING_FIELD, "secretKey", _("%(name)s is missing.") % {"name": "secretKey"}
        )
    return hmac.new(secret_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()
