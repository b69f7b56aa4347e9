"""VNPay API 2.1.0: the string VNPay signs, payment URLs, IPN checks and answers.

What the protocol requires (``shared/DOMAIN.md``, "VNPay"):

- A payment is a redirect to VNPay's page with ``vnp_*`` parameters and ``vnp_SecureHash``:
  HMAC-SHA512, keyed with the merchant's hash secret, of every ``vnp_*`` parameter except
  the hash fields, sorted by name, joined as ``name=value`` with ``&``, values URL-encoded
  the way VNPay's reference (PHP ``urlencode``) encodes them, lowercase hex. 2.1.0 does not
  send ``vnp_SecureHashType``.
- The IPN (a GET from VNPay's servers) carries the result signed the same way; the
  merchant checks the hash before anything else and answers ``{"RspCode", "Message"}``
  (``RspCode`` below). ``00`` and ``02`` end the exchange; anything else makes VNPay retry.
- ``querydr`` and refund are JSON requests signed over their fields joined with ``|`` in a
  fixed order; VNPay's answers are signed the same way over their own fixed orders.

Choices made here, and why:

- **Encoding.** ``urllib.parse.quote_plus`` with nothing safe matches PHP ``urlencode``
  except for ``~``, which Python leaves alone and PHP writes ``%7E`` (``*`` is ``%2A`` in
  both). Encoders in VNPay's other reference samples (Java, .NET, Node) disagree on
  ``~ * ! ' ( )``, so a value we sign may not hold any of them: the signature then does not
  depend on which encoder VNPay's side uses.
- **Refusals.** A parameter we send may not be empty (VNPay drops empty parameters from
  the string it checks, so an empty one is a bug that would surface as "bad signature"),
  and ``vnp_TxnRef`` / ``vnp_OrderInfo`` stay ASCII as VNPay's docs ask: ``vnp_TxnRef``
  letters and digits, ``vnp_OrderInfo`` printable ASCII (the documented test vector holds a
  ``:``). Refusals raise ``VnpayParameterError``.
- **Checking what VNPay sends** is lenient where signing is strict: non-``vnp_``
  parameters and empty values are left out of the string, as VNPay's own samples do, and
  the hash is compared in constant time, case-insensitively (VNPay's .NET sample does).
  ``verify`` must be given the same mapping the caller then reads values from.
- ``|`` in a value of a ``|``-joined string is refused: it would move a field boundary.
"""

import datetime
import hashlib
import hmac
import re
from collections.abc import Mapping
from enum import StrEnum
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

VERSION = "2.1.0"
PAY_COMMAND = "pay"
QUERYDR_COMMAND = "querydr"
REFUND_COMMAND = "refund"
CURRENCY = "VND"
SECURE_HASH = "vnp_SecureHash"
SECURE_HASH_TYPE = "vnp_SecureHashType"
HASH_FIELDS = frozenset({SECURE_HASH, SECURE_HASH_TYPE})
PARAMETER_PREFIX = "vnp_"
# vnp_ResponseCode and vnp_TransactionStatus of a payment that went through.
SUCCESS = "00"
# vnp_TransactionType of a refund.
REFUND_FULL = "02"
REFUND_PARTIAL = "03"

# VNPay's dates are Vietnam wall-clock time (UTC+7, no daylight saving). "Etc/GMT+7" is
# UTC-7 (POSIX signs are inverted), a classic mistake, so the zone is named explicitly.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"

# The fields of the ``|``-joined strings, in the only order VNPay accepts.
QUERYDR_SIGNED_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_SIGNED_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE_SIGNED_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_RESPONSE_SIGNED_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)

# Characters VNPay's reference encoders do not agree on (see the module's docstring).
_ENCODER_DISAGREEMENTS = frozenset("~*!'()")
_TXN_REF = re.compile(r"[A-Za-z0-9]{1,100}")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")
# vnp_Amount is Numeric[1,12] in VNPay's spec; a little slack, and never a huge int().
_MAX_AMOUNT_DIGITS = 15

EMPTY_PARAMETER = "EMPTY_PARAMETER"
INVALID_PARAMETER = "INVALID_PARAMETER"


class VnpayParameterError(ValueError):
    """A parameter VNPay would refuse, or that would make the signature ambiguous.

    ``code`` is ``EMPTY_PARAMETER`` or ``INVALID_PARAMETER``, ``field`` the parameter's
    name, ``message`` the translated explanation.
    """

    def __init__(self, code: str, field: str, message: str):
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


class RspCode(StrEnum):
    """The merchant's answers to an IPN, as VNPay defines them."""

    CONFIRMED = "00"
    ORDER_NOT_FOUND = "01"
    ALREADY_CONFIRMED = "02"
    INVALID_AMOUNT = "04"
    INVALID_SIGNATURE = "97"
    UNKNOWN_ERROR = "99"


# The messages VNPay's samples send with each code. They are read by VNPay's systems and
# operators, never by a buyer, so they stay English and untranslated.
RSP_MESSAGES = {
    RspCode.CONFIRMED: "Confirm Success",
    RspCode.ORDER_NOT_FOUND: "Order not found",
    RspCode.ALREADY_CONFIRMED: "Order already confirmed",
    RspCode.INVALID_AMOUNT: "Invalid amount",
    RspCode.INVALID_SIGNATURE: "Invalid signature",
    RspCode.UNKNOWN_ERROR: "Unknown error",
}
# Answers after which VNPay stops retrying the IPN.
FINAL_ANSWERS = frozenset({RspCode.CONFIRMED, RspCode.ALREADY_CONFIRMED})


def ipn_answer(code: RspCode) -> dict[str, str]:
    """The JSON body answering an IPN: ``{"RspCode": "00", "Message": "Confirm Success"}``."""
    code = RspCode(code)
    return {"RspCode": code.value, "Message": RSP_MESSAGES[code]}


def encode_value(value: str) -> str:
    """``value`` URL-encoded exactly as PHP ``urlencode`` does (spaces as ``+``)."""
    return quote_plus(value, safe="").replace("~", "%7E")


def canonical_query(params: Mapping[str, str | int]) -> str:
    """The query string VNPay signs, for parameters we send.

    Keys sorted, ``name=value`` joined with ``&``, values encoded by ``encode_value``. Every
    parameter must be a non-empty ``vnp_*`` value (``int`` values are written in decimal),
    the hash fields are not accepted (2.1.0 never sends ``vnp_SecureHashType``), and
    ``vnp_TxnRef`` / ``vnp_OrderInfo`` must be plain ASCII (see the module's docstring).
    Raises ``VnpayParameterError``.
    """
    values = {name: _checked_value(name, value) for name, value in params.items()}
    if not values:
        raise VnpayParameterError(
            EMPTY_PARAMETER, "", _("A VNPay request needs its vnp_* parameters.")
        )
    return _joined(values)


def sign(params: Mapping[str, str | int], secret: str) -> str:
    """``vnp_SecureHash`` of ``params``: HMAC-SHA512 of ``canonical_query``, lowercase hex."""
    return _hmac_sha512(secret, canonical_query(params))


def payment_url(base_url: str, params: Mapping[str, str | int], secret: str) -> str:
    """The URL of VNPay's payment page for ``params``, with its ``vnp_SecureHash``.

    The query string is the one that was signed, so what VNPay reads is what it checks.
    """
    if not base_url or "#" in base_url:
        raise VnpayParameterError(
            INVALID_PARAMETER, "base_url", _("The VNPay payment URL is missing or has a fragment.")
        )
    query = canonical_query(params)
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{query}&{SECURE_HASH}={_hmac_sha512(secret, query)}"


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether ``params`` (an IPN's or a return URL's query) carry VNPay's valid hash.

    The string is rebuilt from every non-empty ``vnp_*`` parameter except
    ``vnp_SecureHash`` and ``vnp_SecureHashType``; the hash is compared in constant time.
    A missing or malformed hash, or a value that is not a string, is simply invalid.
    """
    received = params.get(SECURE_HASH)
    if not isinstance(received, str) or not received or not secret:
        return False
    signed = {}
    for name, value in params.items():
        if not name.startswith(PARAMETER_PREFIX) or name in HASH_FIELDS:
            continue
        if not isinstance(value, str):
            return False
        if value:
            signed[name] = value
    if not signed:
        return False
    expected = _hmac_sha512(secret, _joined(signed))
    return hmac.compare_digest(expected.encode("ascii"), received.lower().encode("utf-8"))


def payment_succeeded(params: Mapping[str, str]) -> bool:
    """Whether a (verified) IPN reports money taken: both codes must be ``00``."""
    return (
        params.get("vnp_ResponseCode") == SUCCESS and params.get("vnp_TransactionStatus") == SUCCESS
    )


def amount_parameter(amount_vnd: int) -> str:
    """``vnp_Amount`` for a whole-VND amount: VNPay counts hundredths of a đồng."""
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise VnpayParameterError(
            INVALID_PARAMETER, "vnp_Amount", _("The amount is a positive whole number of VND.")
        )
    return str(amount_vnd * 100)


def amount_vnd(parameter: str) -> int:
    """The whole-VND amount of a ``vnp_Amount`` VNPay sent (hundredths of a đồng)."""
    if (
        not isinstance(parameter, str)
        or not parameter.isascii()
        or not parameter.isdigit()
        or len(parameter) > _MAX_AMOUNT_DIGITS
    ):
        raise VnpayParameterError(
            INVALID_PARAMETER, "vnp_Amount", _("VNPay's amount is not a whole number.")
        )
    hundredths = int(parameter)
    if hundredths % 100:
        raise VnpayParameterError(
            INVALID_PARAMETER, "vnp_Amount", _("VNPay's amount is not a whole number of VND.")
        )
    return hundredths // 100


def timestamp(moment: datetime.datetime) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time, the form of ``vnp_CreateDate`` and the others."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise VnpayParameterError(
            INVALID_PARAMETER, "vnp_CreateDate", _("A VNPay date needs a time zone.")
        )
    return moment.astimezone(VIETNAM).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(value: str) -> datetime.datetime:
    """The aware datetime of a VNPay ``yyyyMMddHHmmss`` (Vietnam time)."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{14}", value):
        raise VnpayParameterError(
            INVALID_PARAMETER, "vnp_PayDate", _("A VNPay date is 14 digits, yyyyMMddHHmmss.")
        )
    try:
        naive = datetime.datetime.strptime(value, TIMESTAMP_FORMAT)  # noqa: DTZ007 - zoned below
    except ValueError as error:
        raise VnpayParameterError(
            INVALID_PARAMETER, "vnp_PayDate", _("A VNPay date is 14 digits, yyyyMMddHHmmss.")
        ) from error
    return naive.replace(tzinfo=VIETNAM)


def querydr_signature_data(fields: Mapping[str, str | int]) -> str:
    """The ``|``-joined string a ``querydr`` request signs, in ``QUERYDR_SIGNED_FIELDS``
    order. Every field must be present (empty is allowed, as VNPay's samples send it)."""
    return _pipe_joined(fields, QUERYDR_SIGNED_FIELDS, missing_as_empty=False)


def refund_signature_data(fields: Mapping[str, str | int]) -> str:
    """The ``|``-joined string a refund request signs, in ``REFUND_SIGNED_FIELDS`` order.
    ``vnp_Amount`` is in hundredths of a đồng, as in the request."""
    return _pipe_joined(fields, REFUND_SIGNED_FIELDS, missing_as_empty=False)


def sign_querydr(fields: Mapping[str, str | int], secret: str) -> str:
    """``vnp_SecureHash`` of a ``querydr`` request."""
    return _hmac_sha512(secret, querydr_signature_data(fields))


def sign_refund(fields: Mapping[str, str | int], secret: str) -> str:
    """``vnp_SecureHash`` of a refund request."""
    return _hmac_sha512(secret, refund_signature_data(fields))


def sign_querydr_response(response: Mapping[str, object], secret: str) -> str:
    """The hash VNPay puts on its ``querydr`` answer (fields it leaves out count as empty)."""
    return _hmac_sha512(
        secret, _pipe_joined(response, QUERYDR_RESPONSE_SIGNED_FIELDS, missing_as_empty=True)
    )


def sign_refund_response(response: Mapping[str, object], secret: str) -> str:
    """The hash VNPay puts on its refund answer (fields it leaves out count as empty)."""
    return _hmac_sha512(
        secret, _pipe_joined(response, REFUND_RESPONSE_SIGNED_FIELDS, missing_as_empty=True)
    )


def verify_querydr_response(response: Mapping[str, object], secret: str) -> bool:
    """Whether VNPay's ``querydr`` answer carries its valid hash (constant-time)."""
    return _verify_pipe(response, secret, sign_querydr_response)


def verify_refund_response(response: Mapping[str, object], secret: str) -> bool:
    """Whether VNPay's refund answer carries its valid hash (constant-time)."""
    return _verify_pipe(response, secret, sign_refund_response)


def _verify_pipe(response: Mapping[str, object], secret: str, signer) -> bool:
    received = response.get(SECURE_HASH)
    if not isinstance(received, str) or not received or not secret:
        return False
    try:
        expected = signer(response, secret)
    except VnpayParameterError:
        return False
    return hmac.compare_digest(expected.encode("ascii"), received.lower().encode("utf-8"))


def _checked_value(name: str, value: str | int) -> str:
    if not isinstance(name, str) or not name.startswith(PARAMETER_PREFIX):
        raise VnpayParameterError(
            INVALID_PARAMETER,
            str(name),
            _("%(name)s is not a VNPay parameter (they start with vnp_).") % {"name": name},
        )
    if name in HASH_FIELDS:
        raise VnpayParameterError(
            INVALID_PARAMETER,
            name,
            _("%(name)s is computed, not sent as a parameter.") % {"name": name},
        )
    text = _text(name, value)
    if text == "":
        raise VnpayParameterError(
            EMPTY_PARAMETER, name, _("%(name)s may not be empty.") % {"name": name}
        )
    if name == "vnp_TxnRef" and not _TXN_REF.fullmatch(text):
        raise VnpayParameterError(
            INVALID_PARAMETER,
            name,
            _("%(name)s holds only ASCII letters and digits (at most 100).") % {"name": name},
        )
    if name == "vnp_OrderInfo" and not _PRINTABLE_ASCII.fullmatch(text):
        raise VnpayParameterError(
            INVALID_PARAMETER,
            name,
            _("%(name)s holds only ASCII characters, without diacritics.") % {"name": name},
        )
    if _ENCODER_DISAGREEMENTS.intersection(text):
        raise VnpayParameterError(
            INVALID_PARAMETER,
            name,
            _("%(name)s may not hold any of ~ * ! ' ( ): VNPay's encoders disagree on them.")
            % {"name": name},
        )
    return text


def _text(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise VnpayParameterError(
            INVALID_PARAMETER,
            name,
            _("%(name)s must be text or a whole number.") % {"name": name},
        )
    return str(value)


def _joined(values: Mapping[str, str]) -> str:
    return "&".join(f"{name}={encode_value(values[name])}" for name in sorted(values))


def _pipe_joined(
    fields: Mapping[str, object], order: tuple[str, ...], *, missing_as_empty: bool
) -> str:
    parts = []
    for name in order:
        if name not in fields or fields[name] is None:
            if not missing_as_empty:
                raise VnpayParameterError(
                    EMPTY_PARAMETER, name, _("%(name)s is missing.") % {"name": name}
                )
            parts.append("")
            continue
        text = _text(name, fields[name])
        if "|" in text:
            raise VnpayParameterError(
                INVALID_PARAMETER, name, _("%(name)s may not hold a |.") % {"name": name}
            )
        parts.append(text)
    return "|".join(parts)


def _hmac_sha512(secret: str, message: str) -> str:
    if not isinstance(secret, str) or not secret:
        raise VnpayParameterError(
            INVALID_PARAMETER, "secret", _("The VNPay hash secret is missing.")
        )
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha512).hexdigest()
