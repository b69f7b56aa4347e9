"""The one interface of every search backend, and what both backends share.

``search`` takes buyer input as is; everything that could make the engine
fail (length, punctuation, malformed filters, bad cursors) is checked here and
turned into an empty result or an ``InvalidInput`` with a code: INVALID_FILTER,
INVALID_SORT, INVALID_CURSOR, INVALID_PAGINATION or INVALID_QUERY.
"""

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

from django.utils.translation import gettext as _
from rapidfuzz.distance import OSA

from market.core.errors import DomainError, InvalidInput
from market.core.folding import fold
from market.core.pagination import MAX_PAGE_SIZE, CursorMismatch, MalformedCursor, decode_cursor

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12
MAX_SUGGESTIONS = 20
MAX_FILTER_VALUES = 100

# Lowest variant price, in whole VND; each range is [low, high).
PRICE_RANGES: dict[str, tuple[int | None, int | None]] = {
    "under_50k": (None, 50_000),
    "50k_100k": (50_000, 100_000),
    "100k_200k": (100_000, 200_000),
    "200k_500k": (200_000, 500_000),
    "over_500k": (500_000, None),
}
SORTS = ("relevance", "price_asc", "price_desc", "newest")
SELLER_KINDS = ("cooperative", "enterprise", "household", "establishment")
OCOP_STAR_VALUES = (0, 3, 4, 5)
FACETS = (
    "category",
    "seller",
    "seller_kind",
    "ocop_stars",
    "price_range",
    "in_stock",
    "verified_origin",
)

_WORD = re.compile(r"\w+")
_TRAILING_WORD = re.compile(r"\w+$")


class SearchUnavailable(DomainError):
    """The search engine did not answer."""

    code = "UNAVAILABLE"


@dataclass(frozen=True)
class SearchFilters:
    category_ids: tuple[int, ...] = ()
    seller_ids: tuple[int, ...] = ()
    seller_kinds: tuple[str, ...] = ()
    ocop_stars: tuple[int, ...] = ()
    price_ranges: tuple[str, ...] = ()
    in_stock: bool | None = None
    verified_origin: bool | None = None

    @classmethod
    def parse(cls, data: "SearchFilters | Mapping | None") -> "SearchFilters":
        if data is None:
            return cls()
        if isinstance(data, SearchFilters):
            return data
        if not isinstance(data, Mapping):
            raise InvalidInput(
                _("Filters must be an object."), code="INVALID_FILTER", field="filters"
            )
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInput(
                _("Unknown filter %(name)r.") % {"name": sorted(unknown)[0]},
                code="INVALID_FILTER",
                field="filters",
            )
        return cls(
            category_ids=_ids(data.get("category_ids"), "category_ids"),
            seller_ids=_ids(data.get("seller_ids"), "seller_ids"),
            seller_kinds=_choices(data.get("seller_kinds"), "seller_kinds", SELLER_KINDS),
            ocop_stars=_choices(data.get("ocop_stars"), "ocop_stars", OCOP_STAR_VALUES),
            price_ranges=_choices(data.get("price_ranges"), "price_ranges", tuple(PRICE_RANGES)),
            in_stock=_flag(data.get("in_stock"), "in_stock"),
            verified_origin=_flag(data.get("verified_origin"), "verified_origin"),
        )

    def without(self, facet: str) -> "SearchFilters":
        """These filters minus the one that a facet counts over."""
        cleared = {
            "category": {"category_ids": ()},
            "seller": {"seller_ids": ()},
            "seller_kind": {"seller_kinds": ()},
            "ocop_stars": {"ocop_stars": ()},
            "price_range": {"price_ranges": ()},
            "in_stock": {"in_stock": None},
            "verified_origin": {"verified_origin": None},
        }[facet]
        return SearchFilters(**{**self.__dict__, **cleared})


def _flag(raw, name: str) -> bool | None:
    if raw is not None and not isinstance(raw, bool):
        raise InvalidInput(
            _("%(name)s must be true or false.") % {"name": name},
            code="INVALID_FILTER",
            field=name,
        )
    return raw


def _values(raw, name: str) -> list:
    if raw is None:
        return []
    if isinstance(raw, str | bytes) or not isinstance(raw, list | tuple | set | frozenset):
        raise InvalidInput(
            _("%(name)s must be a list.") % {"name": name}, code="INVALID_FILTER", field=name
        )
    if len(raw) > MAX_FILTER_VALUES:
        raise InvalidInput(
            _("Too many values in %(name)s.") % {"name": name}, code="INVALID_FILTER", field=name
        )
    return list(raw)


def _ids(raw, name: str) -> tuple[int, ...]:
    values = _values(raw, name)
    # bool is an int in Python; True is not an id.
    if any(not isinstance(v, int) or isinstance(v, bool) or not 0 < v < 2**63 for v in values):
        raise InvalidInput(
            _("%(name)s must hold positive integers.") % {"name": name},
            code="INVALID_FILTER",
            field=name,
        )
    return tuple(sorted(set(values)))


def _choices(raw, name: str, allowed: tuple) -> tuple:
    values = _values(raw, name)
    for value in values:
        if isinstance(value, bool) or value not in allowed:
            raise InvalidInput(
                _("Unknown value %(value)r in %(name)s.") % {"value": value, "name": name},
                code="INVALID_FILTER",
                field=name,
            )
    return tuple(sorted(set(values), key=allowed.index))


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    words: tuple[str, ...]
    terms: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.terms


def parse_query(query: str | None) -> ParsedQuery:
    """Normalise buyer input: NFC, bounded length, words only.

    Only words reach the engine (as ``match`` queries, never query_string
    syntax), so punctuation or operators in the input are inert.
    """
    if query is None:
        query = ""
    if not isinstance(query, str):
        raise InvalidInput(_("The query must be text."), code="INVALID_QUERY", field="query")
    text = unicodedata.normalize("NFC", query[: MAX_QUERY_LENGTH * 4])
    if len(text) > MAX_QUERY_LENGTH:
        # A word cut in half by the limit would have to match too: drop it.
        cut_mid_word = text[MAX_QUERY_LENGTH].isalnum()
        text = text[:MAX_QUERY_LENGTH]
        if cut_mid_word:
            text = _TRAILING_WORD.sub("", text)
    words = tuple(word.lower() for word in _WORD.findall(text) if word.strip("_"))
    words = tuple(dict.fromkeys(words))[:MAX_QUERY_TERMS]
    terms = tuple(dict.fromkeys(fold(word) for word in words))
    return ParsedQuery(text=" ".join(words), words=words, terms=terms)


def check_first(first: int, maximum: int) -> int:
    """``first`` when it is a whole number from 1 to ``maximum``."""
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= maximum:
        raise InvalidInput(
            _("%(name)s must be between 1 and %(maximum)d.")
            % {"name": "first", "maximum": maximum},
            code="INVALID_PAGINATION",
            field="first",
        )
    return first


def check_page(first: int | None) -> int:
    return 20 if first is None else check_first(first, MAX_PAGE_SIZE)


def check_sort(sort: str | None) -> str:
    sort = sort or "relevance"
    if sort not in SORTS:
        raise InvalidInput(
            _("Unknown sort %(sort)r.") % {"sort": sort}, code="INVALID_SORT", field="sort"
        )
    return sort


def check_after(cursor: str | None, length: int) -> list | None:
    """The sort values of the ``after`` cursor of a search page: ``length`` numbers."""
    if cursor is None or cursor == "":
        return None
    try:
        values = decode_cursor(cursor, length)
    except MalformedCursor:
        raise InvalidInput(_("Invalid cursor."), code="INVALID_CURSOR", field="after") from None
    except CursorMismatch:
        values = None
    if values is None or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        raise InvalidInput(_("Invalid cursor for this sort."), code="INVALID_CURSOR", field="after")
    return values


def fuzzy_distance(term: str) -> int:
    """Edits allowed for a term, as Elasticsearch's ``fuzziness: AUTO`` (3 and 6)."""
    if len(term) < 3:
        return 0
    return 1 if len(term) < 6 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition is one edit), capped at ``limit + 1``."""
    return OSA.distance(a, b, score_cutoff=limit)


def correction_passes(terms: tuple[str, ...], unknown: Iterable[str]) -> list[frozenset[str]]:
    """The sets of folded query terms that fuzzy passes match loosely, in turn.

    A term that is no word of any product name, while a name word is a few
    edits away, is the likely typo ("noc" in "noc mam ca com"), and only it is
    corrected first: "mam" and "com" are not turned into "nam" or "con". When
    that finds nothing, or when every term is some name's word (only their
    combination failed: "nuoc nam", "nam" being a word of another name), every
    term may be the typo, and all are corrected.
    """
    correctable = frozenset(term for term in terms if fuzzy_distance(term))
    likely = correctable & set(unknown)
    return [likely, correctable] if likely and likely != correctable else [correctable]


def highlight(name: str, terms: tuple[str, ...], *, corrected: frozenset[str] = frozenset()) -> str:
    """``name`` HTML-escaped, with the words that match a query term in ``<em>``.

    Words a few edits from a term count only for the ``corrected`` terms, those
    the search's fuzzy fallback matched loosely (see ``correction_passes``).

    Done in Python for both backends because matches happen on folded text:
    Elasticsearch's highlighter could only mark the folded copy, not the name
    as written.
    """
    pieces: list[str] = []
    position = 0
    for match in _WORD.finditer(name):
        word = fold(match.group())
        hit = any(
            word == term
            or (
                term in corrected
                and edit_distance(word, term, fuzzy_distance(term)) <= fuzzy_distance(term)
            )
            for term in terms
        )
        if hit:
            pieces.append(escape(name[position : match.start()]))
            pieces.append(f"<em>{escape(match.group())}</em>")
            position = match.end()
    pieces.append(escape(name[position:]))
    return "".join(pieces)


@dataclass(frozen=True)
class SearchHit:
    product_id: int
    highlighted_name: str
    cursor: str
    score: float | None = None


@dataclass(frozen=True)
class FacetValue:
    value: int | str | bool
    count: int


@dataclass
class SearchResult:
    hits: list[SearchHit] = field(default_factory=list)
    total_count: int = 0
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    has_next_page: bool = False

    @property
    def ids(self) -> list[int]:
        return [hit.product_id for hit in self.hits]

    @property
    def end_cursor(self) -> str | None:
        return self.hits[-1].cursor if self.hits else None


def empty_facets() -> dict[str, list[FacetValue]]:
    return {name: [] for name in FACETS}


@dataclass(frozen=True)
class SearchRequest:
    """A search's input once ``SearchBackend.search`` has checked it."""

    parsed: ParsedQuery
    filters: SearchFilters
    sort: str
    first: int
    after_values: list | None


class SearchBackend(ABC):
    def search(
        self,
        *,
        query: str | None,
        filters: SearchFilters | Mapping | None = None,
        sort: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> SearchResult:
        """One page of live products matching ``query`` and ``filters``, with facets.

        Input is checked here, once for every backend; a query with no words
        matches nothing rather than everything.
        """
        parsed = parse_query(query)
        filters = SearchFilters.parse(filters)
        sort = check_sort(sort)
        first = check_page(first)
        after_values = check_after(after, 2)
        if parsed.is_empty:
            return SearchResult(facets=empty_facets())
        return self.run_search(SearchRequest(parsed, filters, sort, first, after_values))

    @abstractmethod
    def run_search(self, request: SearchRequest) -> SearchResult:
        """The backend's own search, on input already checked by ``search``."""

    @abstractmethod
    def suggest(self, *, prefix: str | None, first: int = 8) -> list[str]:
        """Product names completing ``prefix``, best first."""


def check_suggest(prefix: str | None, first: int) -> tuple[str, int]:
    check_first(first, MAX_SUGGESTIONS)
    if prefix is None:
        return "", first
    if not isinstance(prefix, str):
        raise InvalidInput(_("The prefix must be text."), code="INVALID_QUERY", field="prefix")
    text = unicodedata.normalize("NFC", prefix[:400])[:100]
    return " ".join(_WORD.findall(text)).lower(), first
