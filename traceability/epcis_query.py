"""The query parameters of EPCIS 2.0's REST event query (``GET /epcis/events``, answered by
``traceability.epcis_views.events_query``): each read from the request and checked, a bad
one raised as ``_BadParameter`` naming it.

Several values of a query parameter are given by repeating it or separated by ``|`` or
``,`` (our URIs percent-encode both). A ``MATCH_anyEPCClass`` value may end with ``*``
(any lot whose class URI starts so); it also matches the transformations a lot went into.
"""

import datetime
from urllib.parse import unquote

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.pagination import MAX_PAGE_SIZE, CursorMismatch, MalformedCursor, decode_cursor
from traceability.epcis import documents, vocabulary
from traceability.events import GS1_DIGITAL_LINK_DOMAIN
from traceability.models import LotInput
from traceability.services import capture as capture_service

DEFAULT_PER_PAGE = 30


class _BadParameter(Exception):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def _values(request: HttpRequest, name: str) -> list[str]:
    values = []
    for raw in request.GET.getlist(name):
        for value in raw.replace("|", ",").split(","):
            value = value.strip()
            if not value:
                raise _BadParameter(name, _("%(name)s has an empty value.") % {"name": name})
            values.append(value)
    return values


def _single(request: HttpRequest, name: str) -> str | None:
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise _BadParameter(name, _("%(name)s is given more than once.") % {"name": name})
    return values[0] if values else None


def _time(request: HttpRequest, name: str) -> datetime.datetime | None:
    value = _single(request, name)
    if value is None:
        return None
    # A "+" left unencoded in a query string arrives as a space: "…08:30:00 07:00".
    if len(value) > 6 and value[-6] == " ":
        value = value[:-6] + "+" + value[-5:]
    try:
        return documents.parse_event_time(value)
    except ValueError:
        raise _BadParameter(
            name,
            _("%(name)s is not a date and time in RFC 3339, such as 2025-03-01T08:30:00+07:00.")
            % {"name": name},
        ) from None


def _biz_steps(request: HttpRequest) -> list[str]:
    steps = []
    for value in _values(request, "EQ_bizStep"):
        name = vocabulary.biz_step_name(value)
        if name is None and value.lower().startswith(vocabulary.CBV_URI_PREFIXES):
            word = value.rsplit("/", 1)[-1].rsplit(":", 1)[-1].removeprefix("BizStep-")
            name = word if vocabulary.is_cbv_biz_step(word) else None
        if name is None and ":" not in value:
            raise _BadParameter(
                "EQ_bizStep",
                _(
                    "%(value)s is not a CBV business step; a step of another vocabulary is "
                    "written as a URI."
                )
                % {"value": value},
            )
        if name is None:
            steps.append(value)  # another vocabulary's step: nothing here has it
        elif vocabulary.is_cbv_biz_step(name):
            steps.append(name)
        else:
            steps.append(vocabulary.own_biz_step(name))
    return steps


def _event_types(request: HttpRequest) -> list[str]:
    types = _values(request, "eventType")
    for value in types:
        if value not in vocabulary.EVENT_TYPES:
            raise _BadParameter(
                "eventType",
                _("%(value)s is not an EPCIS event type.") % {"value": value},
            )
    return types


def _site_codes(request: HttpRequest) -> list[str] | None:
    values = _values(request, "EQ_bizLocation")
    if not values:
        return None
    base = vocabulary.vocabulary_base() + "site/"
    codes = []
    for value in values:
        if ":" not in value:
            raise _BadParameter("EQ_bizLocation", _("%(value)s is not a URI.") % {"value": value})
        if value.startswith(base) and "/" not in value.removeprefix(base):
            codes.append(unquote(value.removeprefix(base)))
    return codes


def _class_condition(value: str) -> dict | None:
    """Lookups on a lot for one ``MATCH_anyEPCClass`` value; None when no lot can match."""
    if "*" in value[:-1]:
        raise _BadParameter(
            "MATCH_anyEPCClass",
            _("A wildcard * may only end a value: %(value)s.") % {"value": value},
        )
    lot_base = vocabulary.vocabulary_base() + "lot/"
    if not value.endswith("*"):
        key = capture_service.lot_key_of(value)
        if key is None:
            return None
        code, gtin = key
        return {"code": code, "gtin": gtin or ""}
    prefix = value[:-1]
    if prefix.startswith(lot_base):
        return {"gtin": "", "code__startswith": unquote(prefix.removeprefix(lot_base))}
    gtin_base = GS1_DIGITAL_LINK_DOMAIN + "/01/"
    if not prefix.startswith(gtin_base):
        return None
    gtin, slash, rest = prefix.removeprefix(gtin_base).partition("/")
    if not slash:  # ".../01/0893*": lots of GTINs starting so
        return {"gtin__startswith": gtin, "gtin__gt": ""} if gtin.isdigit() or not gtin else None
    if len(gtin) != 14 or not gtin.isdigit():
        return None
    if "10/".startswith(rest):  # ".../01/<gtin>/*", ".../01/<gtin>/10/*"
        return {"gtin": gtin}
    if not rest.startswith("10/"):
        return None
    return {"gtin": gtin, "code__startswith": unquote(rest.removeprefix("10/"))}


def _class_filter(request: HttpRequest) -> Q | None:
    values = _values(request, "MATCH_anyEPCClass")
    if not values:
        return None
    condition = Q(pk__in=[])
    for value in values:
        lookups = _class_condition(value)
        if lookups is None:
            continue
        on_lot = {f"lot__{name}": wanted for name, wanted in lookups.items()}
        on_input = {f"source__{name}": wanted for name, wanted in lookups.items()}
        condition |= Q(**on_lot) | Q(
            Exists(LotInput.objects.filter(event_id=OuterRef("pk"), **on_input))
        )
    return condition


def _page_size(request: HttpRequest) -> int:
    value = _single(request, "perPage")
    if value is None:
        return DEFAULT_PER_PAGE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise _BadParameter(
            "perPage",
            _("perPage is a whole number from 1 to %(maximum)d.") % {"maximum": MAX_PAGE_SIZE},
        )
    return int(value)


def _after(request: HttpRequest) -> tuple[datetime.datetime, int] | None:
    token = _single(request, "nextPageToken")
    if token is None:
        return None
    try:
        when, pk = decode_cursor(token, 2)
        moment = datetime.datetime.fromisoformat(when)
        if timezone.is_naive(moment) or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(token)
    except (MalformedCursor, CursorMismatch, TypeError, ValueError):
        raise _BadParameter(
            "nextPageToken", _("nextPageToken is not a token this server gave.")
        ) from None
    return moment, pk


QUERY_PARAMETERS = frozenset(
    {
        "eventType",
        "EQ_bizStep",
        "GE_eventTime",
        "LT_eventTime",
        "EQ_bizLocation",
        "MATCH_anyEPCClass",
        "perPage",
        "nextPageToken",
    }
)
