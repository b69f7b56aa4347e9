"""Text hygiene: what a person typed, in one spelling, with nothing hidden in it.

Every string a mutation receives passes through ``clean_text`` (see
``market.core.graphql.mutations.BaseMutation``), so services see text that is

- in Unicode NFC, so "ấ" typed as one code point or as "a" + two combining
  marks is stored, searched and compared as the same word;
- free of what a person cannot see or did not mean: control characters
  (NUL among them, which PostgreSQL refuses in text), lone surrogates (not
  text at all: they cannot be encoded), and the bidirectional embeddings,
  overrides and isolates that make "Nho \u202egnp.exe\u202c sấy" display as
  something other than what it is;
- trimmed of spaces and invisible format characters (zero-width space, BOM)
  at both ends, so a name of only zero-width characters is empty and the
  service's own "required" check refuses it.

Secrets (passwords, tokens) are compared byte for byte and never shown: they
are only checked to be encodable, never changed.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

INVALID_TEXT = "INVALID_TEXT"

# Tab, line feed and carriage return are the control characters a description may hold.
ALLOWED_CONTROLS = frozenset("\t\n\r")
# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: they reorder what is displayed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs"})


def _edge_invisible(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) == "Cf"


def forbidden_character(value: str) -> str | None:
    """The first character text may not hold, or None."""
    if value.isascii() and value.isprintable():
        return None  # the common case, at C speed
    for character in value:
        if character in BIDI_CONTROLS:
            return character
        if (
            unicodedata.category(character) in _FORBIDDEN_CATEGORIES
            and character not in ALLOWED_CONTROLS
        ):
            return character
    return None


def unencodable_character(value: str) -> str | None:
    """A lone surrogate or NUL: what no database column or search engine can take."""
    if value.isascii():
        return "\x00" if "\x00" in value else None
    for character in value:
        if character == "\x00" or unicodedata.category(character) == "Cs":
            return character
    return None


def clean_text(value: str) -> str:
    """``value`` in NFC, trimmed; a ``ValidationError`` (code ``INVALID_TEXT``) naming
    the first character that text may not hold."""
    character = forbidden_character(value)
    if character is not None:
        raise _character_refused(character)
    value = unicodedata.normalize("NFC", value)
    start, end = 0, len(value)
    while start < end and _edge_invisible(value[start]):
        start += 1
    while end > start and _edge_invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def _character_refused(character: str) -> ValidationError:
    return ValidationError(
        _("The text holds a character that is not allowed: U+%(code)04X.")
        % {"code": ord(character)},
        code=INVALID_TEXT,
    )


def check_secret(value: str) -> str:
    """A password or token, unchanged, once it is known to be encodable text."""
    character = unencodable_character(value)
    if character is not None:
        raise _character_refused(character)
    return value


def unencodable_path(value, path: str = "") -> str | None:
    """The path (``input.name``, ``ids.2``) of the first string in ``value`` that holds
    a lone surrogate or NUL, or None. For arguments no mutation cleans: query variables."""
    if isinstance(value, str):
        return path if unencodable_character(value) is not None else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = unencodable_path(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None
