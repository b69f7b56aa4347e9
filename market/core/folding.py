"""Vietnamese text folding: the one definition, in Python and its SQL twin.

Buyers type "nuoc mam" for "nước mắm" and "dac san" for "đặc sản". Stripping
combining marks after NFD decomposition removes the tones and vowel marks, but
"đ" is a letter of its own (U+0111), not "d" plus a mark, so it is mapped
explicitly. Search indexes, name filters and slugs all fold with ``fold``;
``FoldedText`` does the same in a query, with arguments taken from ``fold``'s
own table.
"""

import re
import unicodedata

from django.db.models import CharField, Func

_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D"})


def fold_slowly(text: str) -> str:
    """``fold`` spelled out: works on any text, and is the reference of the fast path."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", stripped).lower()


# Latin letters (Basic Latin to Latin Extended-B, and Latin Extended
# Additional, where the Vietnamese letters with tones live), combining
# diacritics, and the punctuation and currency signs shop texts use (en dash, "…",
# "₫"). In these ranges folding is character by character: lowercasing has no
# context (unlike Greek final sigma) and no two characters left after the
# marks are stripped compose under NFC (unlike Hangul jamo), so one
# ``str.translate`` with each character's own fold gives the same output.
_FAST_RANGES = ((0x0000, 0x0250), (0x0300, 0x0370), (0x1E00, 0x1F00), (0x2000, 0x20D0))
_OUTSIDE_FAST_RANGES = re.compile(
    "[^" + "".join(f"\\u{low:04x}-\\u{high - 1:04x}" for low, high in _FAST_RANGES) + "]"
)
_FOLD_TABLE = {
    code: folded
    for low, high in _FAST_RANGES
    for code in range(low, high)
    if (folded := fold_slowly(chr(code))) != chr(code)
}


def fold(text: str) -> str:
    """Lowercase ``text`` and remove Vietnamese diacritics, đ included."""
    if text.isascii():
        return text.lower()
    if _OUTSIDE_FAST_RANGES.search(text):
        return fold_slowly(text)
    return text.translate(_FOLD_TABLE)


# Marks Vietnamese puts on letters: five tones, circumflex, breve and horn.
VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")
# Where precomposed Vietnamese letters are: Latin-1 to "ư" (U+01B0), and the
# Vietnamese part of Latin Extended Additional.
_VIETNAMESE_LETTER_RANGES = ((0x00C0, 0x01B1), (0x1EA0, 0x1EFA))


def _is_vietnamese_letter(code: int, folded: str) -> bool:
    """A letter that ``fold`` turns into one ASCII letter by removing only Vietnamese
    marks (đ, which has none, included)."""
    if not any(low <= code < high for low, high in _VIETNAMESE_LETTER_RANGES):
        return False
    marks = unicodedata.normalize("NFD", chr(code))[1:]
    return len(folded) == 1 and folded.isascii() and set(marks) <= VIETNAMESE_MARKS


def _translate_arguments() -> tuple[str, str]:
    """``fold``'s table cut to Vietnamese, as the ``from`` and ``to`` of SQL's TRANSLATE.

    PostgreSQL's TRANSLATE looks each character up in ``from`` one by one, so
    the whole table (six hundred characters) would make a name filter several
    times slower; Vietnamese letters and the loose marks of decomposed text are
    what shop names hold.
    """
    letters = {
        chr(code): folded
        for code, folded in _FOLD_TABLE.items()
        if _is_vietnamese_letter(code, folded)
    }
    # TRANSLATE deletes characters of ``from`` that have no counterpart in ``to``.
    marks = [mark for mark in sorted(VIETNAMESE_MARKS) if _FOLD_TABLE[ord(mark)] == ""]
    return "".join(letters) + "".join(marks), "".join(letters.values())


_TRANSLATE_FROM, _TRANSLATE_TO = _translate_arguments()


def _fold_or_null(text: str | None) -> str | None:
    return None if text is None else fold(text)


class FoldedText(Func):
    """SQL twin of ``fold`` so that "nho say" finds "Nho sấy".

    Text typed on some keyboards is stored decomposed (base letter, then
    combining marks); the marks themselves are deleted as well. Letters are
    folded to ASCII before LOWER so that the result does not depend on the
    database's locale.
    """

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER(TRANSLATE({sql}, %s, %s))", [*params, _TRANSLATE_FROM, _TRANSLATE_TO]

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite (the embedded default) has no TRANSLATE, and a REPLACE per letter
        # overflows its parser: fold with the Python function itself.
        connection.ensure_connection()
        connection.connection.create_function("catalog_fold", 1, _fold_or_null, deterministic=True)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"catalog_fold({sql})", params
