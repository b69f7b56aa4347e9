"""Bank-account notification webhooks (Casso, SePay) and order codes in transfer contents.

A VietQR transfer is confirmed by a service that watches the marketplace's bank account
and POSTs each incoming transfer (id, amount, content...) to a webhook. Two services are
spoken here, each authenticated its own way (``shared/DOMAIN.md``, "VietQR" and "SePay
bank notifications"):

- **Casso** signs with ``X-Casso-Signature: t=<ms>,v1=<hex>``, where hex is
  HMAC-SHA512, keyed with the webhook's checksum key, of ``t + "." + the JSON payload with
  its keys sorted recursively, written compactly``. Casso signs the *object*, not the
  bytes it sent, so the body is parsed and written again canonically
  (``canonical_json``). Casso's reference implementation is JavaScript's
  ``JSON.stringify``, which writes non-ASCII characters as they are: hence
  ``ensure_ascii=False`` (UTF-8), separators ``,`` and ``:``, integral numbers without a
  fraction (``JSON.stringify(1.0)`` is ``1``) and NaN/Infinity refused (they are not JSON).
  Casso's PHP sample uses ``json_encode``, which escapes non-ASCII and ``/``: the two agree
  only on ASCII payloads, the only kind its published test vector has. ``t`` is in
  milliseconds; a signature older or newer than the tolerance is refused, so a captured
  notification cannot be replayed later.
- **SePay** sends ``Authorization: Apikey <key>``; the key is compared in constant time.
  The scheme is matched case-insensitively, as HTTP authentication schemes are.

**Order codes.** Order numbers are ``OCOP-2026-000123`` (prefix, year, a sequence of at
least 6 digits); the transfer's purpose carries the same code without hyphens,
``OCOP2026000123`` (``transfer_code``), because banks strip punctuation anyway. Reading a
transfer's content, ``order_codes_in`` folds it (diacritics removed, ``đ`` to ``d``,
upper case) and finds ``OCOP``, the 4-digit year and the sequence, allowing any run of
non-alphanumeric characters (or none) between those three parts only: "CHUYEN TIEN OCOP
2026 000123", "ocop-2026-000123 nho xanh" and "OCOP2026000123" all hold the same code.
The sequence's digits must be contiguous and may not be followed directly by another
digit, so ``OCOP20260001234`` is never read as ``OCOP2026000123``; what follows after a
separator is not part of the code (``OCOP-2026-000123-2``, a seller order's number, holds
its order's code). Letters around the code do not matter: no code can be read differently
because of them, and banks sometimes glue words together.
"""

import datetime
import hashlib
import hmac
import json
import math
import re
import unicodedata
from collections.abc import Mapping

from django.utils.translation import gettext as _

CASSO_SIGNATURE_HEADER = "X-Casso-Signature"
SEPAY_AUTHORIZATION_HEADER = "Authorization"
SEPAY_SCHEME = "Apikey"
DEFAULT_TOLERANCE_SECONDS = 300

ORDER_CODE_PREFIX = "OCOP"
_ORDER_CODE = re.compile(ORDER_CODE_PREFIX + r"[^A-Z0-9]*([0-9]{4})[^A-Z0-9]*([0-9]{6,})(?![0-9])")
_HEX = re.compile(r"[0-9a-fA-F]+")
# Milliseconds since 1970 have 13 digits until the year 2286.
_MAX_TIMESTAMP_DIGITS = 15
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

SIGNATURE_MISSING = "SIGNATURE_MISSING"
SIGNATURE_MALFORMED = "SIGNATURE_MALFORMED"
SIGNATURE_MISMATCH = "SIGNATURE_MISMATCH"
TIMESTAMP_STALE = "TIMESTAMP_STALE"
PAYLOAD_INVALID = "PAYLOAD_INVALID"
INVALID_ORDER_CODE = "INVALID_ORDER_CODE"


class BankNotificationError(ValueError):
    """A notification that is not authentic or not readable, or a malformed order code.
    ``code`` is one of the module's constants; ``message`` is translated."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- Casso


def canonical_json(payload: object) -> str:
    """``payload`` as Casso signs it: keys sorted at every depth, no spaces, UTF-8 text."""
    try:
        return json.dumps(
            _js_numbers(payload),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as error:
        raise BankNotificationError(
            PAYLOAD_INVALID, _("The notification is not a JSON object.")
        ) from error


def casso_signature(payload: object, checksum_key: str, timestamp_ms: int) -> str:
    """The ``v1`` hex of ``payload`` signed at ``timestamp_ms`` (HMAC-SHA512)."""
    if not isinstance(checksum_key, str) or not checksum_key:
        raise BankNotificationError(SIGNATURE_MISMATCH, _("The Casso checksum key is missing."))
    message = f"{timestamp_ms}.{canonical_json(_parsed(payload))}"
    return hmac.new(
        checksum_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha512
    ).hexdigest()


def casso_signature_header(payload: object, checksum_key: str, timestamp_ms: int) -> str:
    """The ``X-Casso-Signature`` value Casso would send (the bank simulator sends it)."""
    return f"t={timestamp_ms},v1={casso_signature(payload, checksum_key, timestamp_ms)}"


def check_casso_signature(
    header: str | None,
    payload: object,
    checksum_key: str,
    *,
    now: datetime.datetime | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Raise ``BankNotificationError`` unless ``header`` is Casso's valid, fresh signature
    of ``payload`` (the raw body as ``bytes``/``str``, or the parsed object).

    The signature is checked before the time, so a forgery is reported as a mismatch and
    a genuine but old notification as stale. ``now`` (aware) defaults to the current time.
    """
    if now is None:
        now = datetime.datetime.now(datetime.UTC)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not header:
        raise BankNotificationError(SIGNATURE_MISSING, _("The Casso signature is missing."))
    timestamp_ms, received = _casso_header(header)
    expected = casso_signature(payload, checksum_key, timestamp_ms)
    if not hmac.compare_digest(expected.encode("ascii"), received.lower().encode("ascii")):
        raise BankNotificationError(SIGNATURE_MISMATCH, _("The Casso signature does not match."))
    # In whole milliseconds: no float rounding, and no overflow on an absurd timestamp.
    now_ms = (now - _EPOCH) // datetime.timedelta(milliseconds=1)
    if abs(now_ms - timestamp_ms) > tolerance_seconds * 1000:
        raise BankNotificationError(
            TIMESTAMP_STALE,
            _("The Casso signature is older or newer than %(seconds)s seconds.")
            % {"seconds": tolerance_seconds},
        )


def verify_casso_signature(
    header: str | None,
    payload: object,
    checksum_key: str,
    *,
    now: datetime.datetime | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``check_casso_signature`` accepts the notification."""
    try:
        check_casso_signature(
            header, payload, checksum_key, now=now, tolerance_seconds=tolerance_seconds
        )
    except BankNotificationError:
        return False
    return True


def _casso_header(header: str) -> tuple[int, str]:
    parts: dict[str, str] = {}
    for item in header.split(","):
        name, separator, value = item.strip().partition("=")
        if not separator or name in parts:
            parts = {}
            break
        parts[name] = value
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if (
        not (timestamp.isascii() and timestamp.isdigit())
        or len(timestamp) > _MAX_TIMESTAMP_DIGITS
        or not _HEX.fullmatch(signature)
    ):
        raise BankNotificationError(
            SIGNATURE_MALFORMED, _("The Casso signature is not t=<ms>,v1=<hex>.")
        )
    return int(timestamp), signature


def _parsed(payload: object) -> object:
    if isinstance(payload, bytes | bytearray | str):
        try:
            return json.loads(payload, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise BankNotificationError(
                PAYLOAD_INVALID, _("The notification is not a JSON object.")
            ) from error
    return payload


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _js_numbers(value: object) -> object:
    # JSON.stringify writes an integral number without a fraction; Python writes 1.0.
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: _js_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_js_numbers(item) for item in value]
    return value


# ---------------------------------------------------------------- SePay


def sepay_authorization_header(api_key: str) -> str:
    """The ``Authorization`` value SePay sends (the bank simulator sends it)."""
    return f"{SEPAY_SCHEME} {api_key}"


def verify_sepay_authorization(header: str | None, api_key: str) -> bool:
    """Whether ``header`` is ``Apikey <api_key>`` (key compared in constant time). An
    empty configured key accepts nothing."""
    if not isinstance(header, str) or not isinstance(api_key, str) or not api_key:
        return False
    scheme, _separator, received = header.strip().partition(" ")
    if scheme.lower() != SEPAY_SCHEME.lower():
        return False
    return hmac.compare_digest(received.strip().encode("utf-8"), api_key.encode("utf-8"))


# ---------------------------------------------------------------- order codes


def fold(text: str) -> str:
    """``text`` in upper-case ASCII: diacritics dropped, ``đ`` as ``D``, other non-ASCII
    characters as spaces. The form banks reduce a transfer's content to."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    kept = (char for char in decomposed if not unicodedata.combining(char))
    return "".join(char if char.isascii() else " " for char in kept).upper()


def transfer_code(order_number: str) -> str:
    """The code a transfer's purpose carries for ``order_number``:
    ``OCOP-2026-000123`` gives ``OCOP2026000123`` (either form is accepted)."""
    match = _ORDER_CODE.fullmatch(fold(order_number)) if isinstance(order_number, str) else None
    if match is None:
        raise BankNotificationError(
            INVALID_ORDER_CODE,
            _("%(number)s is not an order number like OCOP-2026-000123.")
            % {"number": order_number},
        )
    return ORDER_CODE_PREFIX + match.group(1) + match.group(2)


def order_codes_in(content: str) -> list[str]:
    """Every order code (``transfer_code`` form) in a transfer's content, in order of
    appearance, each once. See the module's docstring for what is tolerated."""
    if not isinstance(content, str):
        return []
    found = []
    for match in _ORDER_CODE.finditer(fold(content)):
        code = ORDER_CODE_PREFIX + match.group(1) + match.group(2)
        if code not in found:
            found.append(code)
    return found


def order_code_in(content: str, code: str) -> bool:
    """Whether the transfer's ``content`` holds the order ``code`` (either form)."""
    return transfer_code(code) in order_codes_in(content)
