"""GS1 Digital Link URIs of lots: parsed strictly for the resolver, and built for QR codes.

The rules are those of ``shared/DOMAIN.md`` ("GS1 Digital Link: how resolvers parse"):
an optional stem, then ``/01/<GTIN-14>`` and its key qualifiers in the standard's order
(``/22/`` variant, ``/10/`` lot, ``/21/`` serial); data attributes such as ``17`` (expiry,
YYMMDD) only in the query string; anything ambiguous is refused rather than guessed
(a qualifier in the query string, a duplicate or unknown AI, a trailing ``/``, an empty
segment, qualifiers out of order). GS1 knowledge (AI formats, check digits, the date rules
of AI 17) comes from biip, not from code of our own.

``parse`` expects the URI as it was sent, still percent-encoded: a lot may hold ``/``
(``%2F``), so decoding before splitting the path would move segment boundaries.
"""

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString
from biip.gtin import Gtin
from django.utils.translation import gettext as _

INVALID_SYNTAX = "INVALID_SYNTAX"
INVALID_GTIN = "INVALID_GTIN"
INVALID_VARIANT = "INVALID_VARIANT"
INVALID_LOT = "INVALID_LOT"
INVALID_SERIAL = "INVALID_SERIAL"
INVALID_EXPIRY = "INVALID_EXPIRY"

GTIN_AI = "01"
VARIANT_AI = "22"
LOT_AI = "10"
SERIAL_AI = "21"
EXPIRY_AI = "17"
# The key qualifiers of a GTIN, in the only order the path may hold them.
QUALIFIER_ORDER = (VARIANT_AI, LOT_AI, SERIAL_AI)
# Key and qualifiers identify the thing, so they belong in the path, never in the query.
_PATH_ONLY_AIS = frozenset({GTIN_AI, *QUALIFIER_ORDER, "235"})
# The longest URI worth reading: a GS1 Digital Link in a QR code is far shorter.
MAX_URI_LENGTH = 2048
LOT_MAX_LENGTH = 20

# What RFC 3986 allows unencoded in a path segment (pchar) and in a query.
_PATH_SEGMENT = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*")
_QUERY = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*")
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


class DigitalLinkError(ValueError):
    """A URI that is not a GS1 Digital Link this resolver accepts, or a value that cannot
    go in one. ``code`` is one of the module's ``INVALID_*`` constants; ``message`` is
    translated."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GS1 Digital Link of a lot.

    ``origin`` is ``scheme://host[:port]`` when a full URI was parsed, else empty;
    ``stem`` is the path before ``/01/`` (empty when none). ``attributes`` holds every
    data attribute AI of the query string (``{"17": "251231"}``), ``expiry`` the date of
    AI 17. ``params`` holds the other query parameters (``linkType``...), which the
    parser does not interpret; a repeated one keeps its first value.
    """

    gtin: str
    lot: str
    serial: str | None = None
    variant: str | None = None
    expiry: datetime.date | None = None
    origin: str = ""
    stem: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


def _syntax(message: str) -> DigitalLinkError:
    return DigitalLinkError(INVALID_SYNTAX, message)


def _decode(text: str, *, plus_is_space: bool) -> str:
    """Percent-decoding that refuses bytes that are not UTF-8, which
    ``urllib.parse.unquote`` would replace. The callers have checked every ``%``."""
    if plus_is_space:
        text = text.replace("+", " ")
    raw = bytearray()
    position = 0
    for match in _PERCENT_ESCAPE.finditer(text):
        raw += text[position : match.start()].encode()
        raw.append(int(match.group(1), 16))
        position = match.end()
    raw += text[position:].encode()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _syntax(_("The link holds percent-encoded bytes that are not UTF-8.")) from None


def _known_ai(key: str) -> GS1ApplicationIdentifier | None:
    """The GS1 AI written exactly ``key``, or None. AIs are prefix-free, so biip's
    prefix lookup finds this AI itself when ``key`` is one."""
    try:
        ai = GS1ApplicationIdentifier.extract(key)
    except ParseError:
        return None
    return ai if ai.ai == key else None


def _is_ai_like(key: str) -> bool:
    return key.isascii() and key.isdigit()


def gtin_valid(gtin14: str) -> bool:
    """Whether ``gtin14`` is a GTIN written in 14 digits with the right GS1 check digit."""
    if not isinstance(gtin14, str) or len(gtin14) != 14 or not _is_ai_like(gtin14):
        return False
    try:
        Gtin.parse(gtin14)
    except ParseError:
        return False
    return True


def _check_gtin(gtin: str) -> None:
    if not gtin_valid(gtin):
        raise DigitalLinkError(
            INVALID_GTIN,
            _("%(value)s is not a GTIN-14: 14 digits, the last the GS1 check digit.")
            % {"value": _shown(gtin)},
        )


# Set 82 beyond letters and digits, as the messages show it.
_SET_82_PUNCTUATION = "!\"%&'()*+,-./:;<=>?_"


def _value_problems(code: str) -> tuple[str, str]:
    """The two ways a lot, serial or variant is wrong (too long, a character outside
    set 82), each a whole sentence of its own so that each translates well."""
    if code == INVALID_SERIAL:
        return (
            _("The serial number is longer than %(limit)s characters."),
            _(
                "The serial number may hold only letters A–Z and a–z, digits and "
                "%(characters)s (the GS1 character set 82)."
            ),
        )
    if code == INVALID_VARIANT:
        return (
            _("The variant is longer than %(limit)s characters."),
            _(
                "The variant may hold only letters A–Z and a–z, digits and "
                "%(characters)s (the GS1 character set 82)."
            ),
        )
    return (
        _("The lot code is longer than %(limit)s characters."),
        _(
            "The lot code may hold only letters A–Z and a–z, digits and "
            "%(characters)s (the GS1 character set 82)."
        ),
    )


def _check_ai_value(ai_code: str, value: str, code: str) -> None:
    too_long, bad_character = _value_problems(code)
    if len(value) > LOT_MAX_LENGTH:
        raise DigitalLinkError(code, too_long % {"limit": LOT_MAX_LENGTH})
    # biip's pattern of AIs 10, 21 and 22: 1 to 20 characters of the encodable set 82.
    if not re.fullmatch(GS1ApplicationIdentifier.extract(ai_code).pattern, ai_code + value):
        raise DigitalLinkError(code, bad_character % {"characters": _SET_82_PUNCTUATION})


def check_lot(lot: str) -> None:
    """Raise ``DigitalLinkError(INVALID_LOT)`` unless ``lot`` can be a GS1 lot (AI 10)."""
    if not isinstance(lot, str) or not lot:
        raise DigitalLinkError(INVALID_LOT, _("The lot code is empty."))
    _check_ai_value(LOT_AI, lot, INVALID_LOT)


def _expiry_date(value: str) -> datetime.date:
    """AI 17 (YYMMDD) by biip: GS1's century rule, and day 00 as the month's last day."""
    try:
        element = GS1ElementString.parse(EXPIRY_AI + value)
    except ParseError:
        element = None
    if element is None or element.date is None:
        raise DigitalLinkError(
            INVALID_EXPIRY,
            _("The expiry date (AI 17) %(value)s is not a date written YYMMDD.")
            % {"value": _shown(value)},
        )
    return element.date


def _shown(value: str) -> str:
    # Refused input echoed back in a message, cut short so a long one stays readable.
    return value if len(value) <= 40 else value[:40] + "…"


def _split_path(path: str) -> tuple[str, list[str]]:
    """The stem and the raw segments from the first ``01`` on."""
    if not path.startswith("/"):
        raise _syntax(_("The path of the link must start with /."))
    if path.endswith("/"):
        raise _syntax(_("The path of the link must not end with /."))
    segments = path[1:].split("/")
    if any(segment == "" for segment in segments):
        raise _syntax(_("The path of the link has an empty segment (//)."))
    for segment in segments:
        if not _PATH_SEGMENT.fullmatch(segment):
            raise _syntax(
                _(
                    "The path of the link holds a character that must be percent-encoded, "
                    "or a percent sign not followed by two hexadecimal digits."
                )
            )
    decoded = [_decode(segment, plus_is_space=False) for segment in segments]
    if GTIN_AI not in decoded:
        raise _syntax(_("The link has no GTIN: its path needs /01/ and a GTIN-14."))
    start = decoded.index(GTIN_AI)
    stem = "/" + "/".join(segments[:start]) if start else ""
    return stem, decoded[start:]


def _parse_path_pairs(segments: list[str]) -> dict[str, str]:
    if len(segments) % 2:
        raise _syntax(_("An AI in the path of the link has no value after it."))
    pairs = list(zip(segments[0::2], segments[1::2], strict=True))
    values: dict[str, str] = {}
    # Where the next qualifier may be found in QUALIFIER_ORDER.
    next_qualifier = 0
    for position, (key, value) in enumerate(pairs):
        if position == 0:
            values[key] = value
            continue
        if key in values:
            raise _syntax(_("AI %(ai)s appears twice in the link.") % {"ai": key})
        if not _is_ai_like(key):
            raise _syntax(
                _("%(key)s in the path of the link is not a GS1 AI.") % {"key": _shown(key)}
            )
        if _known_ai(key) is None:
            raise _syntax(_("%(key)s is not a GS1 AI.") % {"key": _shown(key)})
        if key not in QUALIFIER_ORDER:
            raise _syntax(
                _("AI %(ai)s cannot be in the path after a GTIN (only 22, 10 and 21).")
                % {"ai": key}
            )
        if QUALIFIER_ORDER.index(key) < next_qualifier:
            raise _syntax(
                _("AI %(ai)s is out of order: the path takes 22, 10 and 21 in that order.")
                % {"ai": key}
            )
        next_qualifier = QUALIFIER_ORDER.index(key) + 1
        values[key] = value
    return values


def _parse_query(query: str) -> tuple[dict[str, str], dict[str, str]]:
    if not _QUERY.fullmatch(query):
        raise _syntax(
            _(
                "The query of the link holds a character that must be percent-encoded, "
                "or a percent sign not followed by two hexadecimal digits."
            )
        )
    attributes: dict[str, str] = {}
    params: dict[str, str] = {}
    for component in query.split("&"):
        if not component:
            continue
        raw_key, _equals, raw_value = component.partition("=")
        key = _decode(raw_key, plus_is_space=True)
        value = _decode(raw_value, plus_is_space=True)
        if not _is_ai_like(key):
            params.setdefault(key, value)
            continue
        ai = _known_ai(key)
        if ai is None:
            raise _syntax(_("%(key)s is not a GS1 AI.") % {"key": _shown(key)})
        if key in _PATH_ONLY_AIS:
            raise _syntax(
                _("AI %(ai)s identifies the item and belongs in the path, not the query.")
                % {"ai": key}
            )
        if key in attributes:
            raise _syntax(_("AI %(ai)s appears twice in the link.") % {"ai": key})
        if key == EXPIRY_AI:
            _expiry_date(value)
        else:
            try:
                GS1ElementString.parse(key + value)
            except ParseError:
                raise _syntax(
                    _("%(value)s is not a valid value of AI %(ai)s (%(title)s).")
                    % {"value": _shown(value), "ai": key, "title": ai.data_title}
                ) from None
        attributes[key] = value
    return attributes, params


def parse(uri: str) -> DigitalLink:
    """Parse a GS1 Digital Link of a lot: ``https://host[/stem]/01/<GTIN-14>[/22/<variant>]
    /10/<lot>[/21/<serial>][?17=YYMMDD&...]``, or the same from the path on
    (``/01/...?17=...``, as a view receives it). Raises ``DigitalLinkError``."""
    if not isinstance(uri, str) or not uri:
        raise _syntax(_("The link is empty."))
    if len(uri) > MAX_URI_LENGTH:
        raise _syntax(
            _("The link is longer than %(limit)s characters.") % {"limit": MAX_URI_LENGTH}
        )
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise _syntax(_("This is not a URI.")) from None
    origin = ""
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _syntax(_("A GS1 Digital Link is an http or https URI with a host."))
        origin = f"{parts.scheme}://{parts.netloc}"
    stem, segments = _split_path(parts.path)
    values = _parse_path_pairs(segments)
    # The query's structure before the values: a lot sent in the query is told as such.
    attributes, params = _parse_query(parts.query)
    gtin = values[GTIN_AI]
    _check_gtin(gtin)
    if VARIANT_AI in values:
        _check_ai_value(VARIANT_AI, values[VARIANT_AI], INVALID_VARIANT)
    if LOT_AI not in values:
        raise DigitalLinkError(INVALID_LOT, _("The link names no lot: its path needs /10/."))
    check_lot(values[LOT_AI])
    if SERIAL_AI in values:
        _check_ai_value(SERIAL_AI, values[SERIAL_AI], INVALID_SERIAL)
    expiry = _expiry_date(attributes[EXPIRY_AI]) if EXPIRY_AI in attributes else None
    return DigitalLink(
        gtin=gtin,
        lot=values[LOT_AI],
        serial=values.get(SERIAL_AI),
        variant=values.get(VARIANT_AI),
        expiry=expiry,
        origin=origin,
        stem=stem,
        attributes=attributes,
        params=params,
    )


def _resolver_root(resolver_base: str) -> str:
    parts = urlsplit(resolver_base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The resolver base {resolver_base!r} is not an http(s) URL with a host.")
    if parts.query or parts.fragment:
        raise ValueError(f"The resolver base {resolver_base!r} must have no query or fragment.")
    return resolver_base.rstrip("/")


def _yymmdd(expiry: datetime.date) -> str:
    value = expiry.strftime("%y%m%d")
    # Two-digit years stand for a 100-year window around today (GS1's century rule):
    # a date outside it would be read back as another century.
    if _expiry_date(value) != expiry:
        raise DigitalLinkError(
            INVALID_EXPIRY,
            _("The expiry date %(date)s cannot be written as GS1 YYMMDD.")
            % {"date": expiry.isoformat()},
        )
    return value


def build(resolver_base: str, gtin: str, lot: str, expiry: datetime.date | None = None) -> str:
    """The GS1 Digital Link of a lot on our resolver:
    ``<resolver_base>/01/<gtin>/10/<lot, percent-encoded>[?17=YYMMDD]``.

    Raises ``DigitalLinkError`` for a bad GTIN, lot or expiry, and ``ValueError`` for a
    resolver base that is not an http(s) URL (a configuration mistake)."""
    root = _resolver_root(resolver_base)
    _check_gtin(gtin)
    check_lot(lot)
    # Every character of set 82 outside RFC 3986's unreserved ones is percent-encoded,
    # "/" and "+" included: the parser reads "+" in a path literally, others may not.
    uri = f"{root}/{GTIN_AI}/{gtin}/{LOT_AI}/{quote(lot, safe='')}"
    if expiry is not None:
        uri += f"?{EXPIRY_AI}={_yymmdd(expiry)}"
    return uri


def lot_page_path(code: str) -> str:
    """The resolver's path of a lot without a GTIN: ``/lots/<code, percent-encoded>``."""
    check_lot(code)
    return f"/lots/{quote(code, safe='')}"


def lot_page_uri(resolver_base: str, code: str) -> str:
    """The full URI of ``lot_page_path(code)`` on the resolver base."""
    return _resolver_root(resolver_base) + lot_page_path(code)
