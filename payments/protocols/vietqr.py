"""VietQR: the EMVCo merchant-presented QR payload of a NAPAS 247 bank transfer.

What the format requires (``shared/DOMAIN.md``, "VietQR"; EMVCo QR Code Specification for
Payment Systems, merchant-presented mode):

- The payload is a list of TLV data objects: a 2-digit id, a 2-digit length (characters),
  the value. In order here: ``00`` payload format ``01``; ``01`` point of initiation,
  ``12`` dynamic (one payment, with an amount) or ``11`` static; ``38`` the NAPAS merchant
  account template, itself TLV: ``00`` the NAPAS AID ``A000000727``, ``01`` the
  beneficiary (``00`` bank BIN, ``01`` account or card number), ``02`` the service,
  ``QRIBFTTA`` to an account or ``QRIBFTTC`` to a card; ``53`` currency ``704`` (VND);
  ``54`` the amount; ``58`` country ``VN``; ``62`` additional data, whose ``08`` is the
  purpose of the transfer; ``63`` the CRC, last.
- The CRC is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR)
  over the whole payload up to and including ``6304``, as 4 uppercase hex digits. The
  standard library computes it: ``binascii.crc_hqx(data, 0xFFFF)``.

Choices made here, and why:

- Payloads we build are dynamic (``12``): one QR per order, with its exact amount, so the
  transfer can be matched on the order code and the amount.
- Validation (``VietQRError``): the amount is a positive whole number of VND under
  500,000,000 (a NAPAS 247 transfer's limit); the BIN is 6 digits; the account (or card)
  number 1 to 19 digits (NAPAS's longest); the purpose 1 to 25 characters (EMVCo's limit
  for ``62``/``08``) of ASCII letters, digits and single spaces. Banks pass the purpose
  into the transfer's content, and many strip or mangle anything else (diacritics,
  punctuation), so the order code is written in that alphabet in the first place.
- The parser is a strict reader: every length must fit, ids are 2 digits, no top-level id
  repeats, ``00`` comes first and ``63`` last, the CRC must match (hex compared in either
  case, as some generators write lowercase), and the merchant account must be NAPAS's.
- The QR code itself is made by segno, at error correction level M (15 %), enough for a
  screen or a printed sheet.
"""

import binascii
import io
import re
from dataclasses import dataclass

import segno
from django.utils.translation import gettext as _

NAPAS_AID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
TO_CARD = "QRIBFTTC"
SERVICES = frozenset({TO_ACCOUNT, TO_CARD})
PAYLOAD_FORMAT = "01"
STATIC = "11"
DYNAMIC = "12"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"

ID_PAYLOAD_FORMAT = "00"
ID_POINT_OF_INITIATION = "01"
ID_NAPAS_ACCOUNT = "38"
ID_CURRENCY = "53"
ID_AMOUNT = "54"
ID_COUNTRY = "58"
ID_ADDITIONAL_DATA = "62"
ID_CRC = "63"
SUB_AID = "00"
SUB_BENEFICIARY = "01"
SUB_SERVICE = "02"
SUB_BANK_BIN = "00"
SUB_ACCOUNT = "01"
SUB_PURPOSE = "08"

MAX_AMOUNT_EXCLUSIVE = 500_000_000
MAX_PURPOSE_LENGTH = 25
MAX_ACCOUNT_LENGTH = 19
_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(rf"[0-9]{{1,{MAX_ACCOUNT_LENGTH}}}")
# Letters, digits, and single spaces between words.
_PURPOSE = re.compile(r"[A-Za-z0-9]+( [A-Za-z0-9]+)*")
_CRC_TAG = ID_CRC + "04"
_CRC_INIT = 0xFFFF

QR_ERROR_LEVEL = "m"
QR_BORDER = 4  # the quiet zone the QR specification asks for, in modules

INVALID_AMOUNT = "INVALID_AMOUNT"
INVALID_BANK_BIN = "INVALID_BANK_BIN"
INVALID_ACCOUNT = "INVALID_ACCOUNT"
INVALID_PURPOSE = "INVALID_PURPOSE"
INVALID_SERVICE = "INVALID_SERVICE"
INVALID_PAYLOAD = "INVALID_PAYLOAD"
INVALID_CRC = "INVALID_CRC"


class VietQRError(ValueError):
    """A value that cannot go in a VietQR payload, or a payload that is not a valid one.
    ``code`` is one of the module's ``INVALID_*`` constants; ``message`` is translated."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TransferRequest:
    """What a VietQR payload asks the payer's bank to do."""

    bank_bin: str
    account_number: str
    amount: int | None
    purpose: str
    service: str = TO_ACCOUNT
    point_of_initiation: str = DYNAMIC


def crc16_ccitt_false(data: str) -> str:
    """CRC-16/CCITT-FALSE of ``data`` (UTF-8) as 4 uppercase hex digits."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), _CRC_INIT):04X}"


def build_payload(
    bank_bin: str,
    account_number: str,
    amount: int,
    purpose: str,
    *,
    service: str = TO_ACCOUNT,
) -> str:
    """The dynamic VietQR payload of a transfer of ``amount`` VND to ``account_number`` at
    the bank ``bank_bin``, with ``purpose`` (the order code) as the transfer's content."""
    _check_amount(amount)
    _check_bank_bin(bank_bin)
    _check_account(account_number)
    _check_purpose(purpose)
    if service not in SERVICES:
        raise VietQRError(INVALID_SERVICE, _("The VietQR service is QRIBFTTA or QRIBFTTC."))
    beneficiary = _tlv(SUB_BANK_BIN, bank_bin) + _tlv(SUB_ACCOUNT, account_number)
    merchant_account = (
        _tlv(SUB_AID, NAPAS_AID) + _tlv(SUB_BENEFICIARY, beneficiary) + _tlv(SUB_SERVICE, service)
    )
    body = (
        _tlv(ID_PAYLOAD_FORMAT, PAYLOAD_FORMAT)
        + _tlv(ID_POINT_OF_INITIATION, DYNAMIC)
        + _tlv(ID_NAPAS_ACCOUNT, merchant_account)
        + _tlv(ID_CURRENCY, CURRENCY_VND)
        + _tlv(ID_AMOUNT, str(amount))
        + _tlv(ID_COUNTRY, COUNTRY_VN)
        + _tlv(ID_ADDITIONAL_DATA, _tlv(SUB_PURPOSE, purpose))
        + _CRC_TAG
    )
    return body + crc16_ccitt_false(body)


def parse_payload(payload: str) -> TransferRequest:
    """Read a VietQR payload back, checking its structure and CRC (``VietQRError``)."""
    if not isinstance(payload, str) or len(payload) < len(_CRC_TAG) + 4:
        raise VietQRError(INVALID_PAYLOAD, _("This is not a VietQR payload."))
    body, crc = payload[:-4], payload[-4:]
    if not body.endswith(_CRC_TAG):
        raise VietQRError(INVALID_PAYLOAD, _("A VietQR payload ends with its CRC (6304)."))
    if crc.upper() != crc16_ccitt_false(body):
        raise VietQRError(INVALID_CRC, _("The VietQR payload's CRC does not match: it is damaged."))
    fields = _read_tlv(payload, top_level=True)
    if next(iter(fields)) != ID_PAYLOAD_FORMAT or fields[ID_PAYLOAD_FORMAT] != PAYLOAD_FORMAT:
        raise VietQRError(INVALID_PAYLOAD, _("A VietQR payload starts with 000201."))
    if next(reversed(fields)) != ID_CRC:
        raise VietQRError(INVALID_PAYLOAD, _("A VietQR payload ends with its CRC (6304)."))
    point_of_initiation = fields.get(ID_POINT_OF_INITIATION, STATIC)
    if point_of_initiation not in {STATIC, DYNAMIC}:
        raise VietQRError(INVALID_PAYLOAD, _("The VietQR point of initiation is 11 or 12."))
    if fields.get(ID_CURRENCY) != CURRENCY_VND or fields.get(ID_COUNTRY) != COUNTRY_VN:
        raise VietQRError(INVALID_PAYLOAD, _("A VietQR payload is in VND (704), in VN."))
    if ID_NAPAS_ACCOUNT not in fields:
        raise VietQRError(INVALID_PAYLOAD, _("The payload has no NAPAS account (38)."))
    account = _read_tlv(fields[ID_NAPAS_ACCOUNT])
    if account.get(SUB_AID) != NAPAS_AID or SUB_BENEFICIARY not in account:
        raise VietQRError(INVALID_PAYLOAD, _("The payload has no NAPAS account (38)."))
    beneficiary = _read_tlv(account[SUB_BENEFICIARY])
    bank_bin = beneficiary.get(SUB_BANK_BIN, "")
    account_number = beneficiary.get(SUB_ACCOUNT, "")
    _check_bank_bin(bank_bin)
    _check_account(account_number)
    service = account.get(SUB_SERVICE, TO_ACCOUNT)
    if service not in SERVICES:
        raise VietQRError(INVALID_SERVICE, _("The VietQR service is QRIBFTTA or QRIBFTTC."))
    amount = None
    if ID_AMOUNT in fields:
        text = fields[ID_AMOUNT]
        if not text.isascii() or not text.isdigit():
            raise VietQRError(INVALID_AMOUNT, _("The amount is a whole number of VND."))
        amount = int(text)
        _check_amount(amount)
    purpose = ""
    if ID_ADDITIONAL_DATA in fields:
        purpose = _read_tlv(fields[ID_ADDITIONAL_DATA]).get(SUB_PURPOSE, "")
    return TransferRequest(
        bank_bin=bank_bin,
        account_number=account_number,
        amount=amount,
        purpose=purpose,
        service=service,
        point_of_initiation=point_of_initiation,
    )


def qr_png(payload: str, *, scale: int = 8, border: int = QR_BORDER) -> bytes:
    """A PNG of the QR code of ``payload``, ``scale`` pixels per module, black on white."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(payload: str, *, scale: int = 4, border: int = QR_BORDER) -> str:
    """An SVG document of the QR code of ``payload``, ``scale`` user units per module."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="svg", scale=scale, border=border)
    return buffer.getvalue().decode("utf-8")


def _qr(payload: str) -> segno.QRCode:
    # Only a payload that reads back (CRC included) is worth printing.
    parse_payload(payload)
    return segno.make(payload, error=QR_ERROR_LEVEL, micro=False)


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(INVALID_PAYLOAD, _("A VietQR field holds at most 99 characters."))
    return f"{tag}{len(value):02d}{value}"


def _read_tlv(data: str, *, top_level: bool = False) -> dict[str, str]:
    fields: dict[str, str] = {}
    position = 0
    while position < len(data):
        header = data[position : position + 4]
        if len(header) < 4 or not header.isascii() or not header.isdigit():
            raise VietQRError(INVALID_PAYLOAD, _("A VietQR field starts with 4 digits."))
        tag, length = header[:2], int(header[2:])
        value = data[position + 4 : position + 4 + length]
        if len(value) != length:
            raise VietQRError(INVALID_PAYLOAD, _("A VietQR field is longer than the payload."))
        if tag in fields:
            raise VietQRError(
                INVALID_PAYLOAD, _("VietQR field %(tag)s appears twice.") % {"tag": tag}
            )
        fields[tag] = value
        position += 4 + length
    if top_level and not fields:
        raise VietQRError(INVALID_PAYLOAD, _("This is not a VietQR payload."))
    return fields


def _check_amount(amount: object) -> None:
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or not 0 < amount < MAX_AMOUNT_EXCLUSIVE
    ):
        raise VietQRError(
            INVALID_AMOUNT,
            _("The amount is a whole number of VND from 1 to under %(limit)s.")
            % {"limit": f"{MAX_AMOUNT_EXCLUSIVE:,}"},
        )


def _check_bank_bin(bank_bin: object) -> None:
    if not isinstance(bank_bin, str) or not _BIN.fullmatch(bank_bin):
        raise VietQRError(INVALID_BANK_BIN, _("A bank BIN is 6 digits."))


def _check_account(account_number: object) -> None:
    if not isinstance(account_number, str) or not _ACCOUNT.fullmatch(account_number):
        raise VietQRError(
            INVALID_ACCOUNT,
            _("An account number is 1 to %(limit)s digits.") % {"limit": MAX_ACCOUNT_LENGTH},
        )


def _check_purpose(purpose: object) -> None:
    if (
        not isinstance(purpose, str)
        or len(purpose) > MAX_PURPOSE_LENGTH
        or not _PURPOSE.fullmatch(purpose)
    ):
        raise VietQRError(
            INVALID_PURPOSE,
            _("The transfer's purpose is 1 to %(limit)s ASCII letters, digits and single spaces.")
            % {"limit": MAX_PURPOSE_LENGTH},
        )
