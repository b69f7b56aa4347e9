"""Vietnamese text folding, shared by both search backends.

Buyers type "nuoc mam" for "nước mắm" and "dac san" for "đặc sản". Stripping
combining marks after NFD decomposition removes the tones and vowel marks, but
"đ" is a letter of its own (U+0111), not "d" plus a mark, so it is mapped
explicitly.

Elasticsearch decision: the only Elasticsearch 8 distribution that the
package registries serve is the integ-test zip, which ships without the
analysis-common module, so ``asciifolding``, ``edge_ngram`` and friends do not
exist on the server. Folding is therefore done here, in Python, once, and both
the original and the folded text are indexed with the built-in ``standard``
tokenizer and ``lowercase`` filter. Querying both fields, with the original
boosted, ranks an exact-diacritics match above a folded one.
"""

import re
import unicodedata

from elasticsearch_dsl import Q, analyzer

_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D"})

# Built from the standard tokenizer and the lowercase filter only: both are in
# Elasticsearch's server core, so the analyzer works on every distribution.
vietnamese_analyzer = analyzer("vietnamese", tokenizer="standard", filter=["lowercase"])


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


def folded_match(field: str, text: str, *, boost: float = 1.0, **match_options) -> Q:
    """Match ``text`` against ``field`` (with diacritics) and ``field_folded``.

    The exact field gets twice the weight, so "nước mắm" ranks a product named
    "nước mắm" above one named "nước mâm" although both match when folded.
    """
    return Q(
        "bool",
        should=[
            Q("match", **{field: {"query": text, "boost": 2 * boost, **match_options}}),
            Q(
                "match",
                **{f"{field}_folded": {"query": fold(text), "boost": boost, **match_options}},
            ),
        ],
        minimum_should_match=1,
    )
