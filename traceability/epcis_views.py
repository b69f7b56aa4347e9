"""EPCIS 2.0 over HTTP (``/epcis/…``, routes in ``traceability.epcis_urls``).

- ``GET /epcis/lots/<lot code>``: the ``EPCISDocument`` of one lot's events in chain order
  (``application/ld+json``), error declarations included as recorded.
- ``GET /epcis/events``: an ``EPCISQueryDocument`` by the REST binding's query parameters
  (``eventType``, ``EQ_bizStep``, ``GE_eventTime``, ``LT_eventTime``, ``EQ_bizLocation``,
  ``MATCH_anyEPCClass``), ordered by event time, paged with ``perPage`` and an opaque
  ``nextPageToken`` (keyset on event time and id, ``market.core.pagination``'s codec); the
  next page is also announced in a ``Link: <…>; rel="next"`` header.
- ``POST /epcis/capture``: a document from a seller's farm software, recorded whole or not
  at all (``traceability.services.capture``); ``201`` with the recorded events.

Who: the public reads the lots ``selectors.lots_visible_to`` shows, without internal notes;
a seller's staff also their own lots with notes; auditors and operators everything.
Capture is for a seller's staff. Only a bearer token signs anyone in here (as on
``/graphql/``): capture is CSRF-exempt, so a browser's session cookie must not count.

Refusals are RFC 7807 ``application/problem+json``, with the EPCIS exception as ``type``
where the standard names one (``epcisException:QueryParameterException``,
``ValidationException``, ``NoSuchResourceException``, ``SecurityException``,
``CaptureLimitExceededException``), else ``about:blank``; ``code`` is the project's.

Several values of a query parameter are given by repeating it or separated by ``|`` or
``,`` (our URIs percent-encode both). A ``MATCH_anyEPCClass`` value may end with ``*``
(any lot whose class URI starts so); it also matches the transformations a lot went into.
"""

import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from market.core import throttle
from market.core.errors import PermissionDenied
from market.core.pagination import encode_cursor
from market.core.permissions import seller_ids_of
from traceability import selectors
from traceability.epcis import documents, vocabulary
from traceability.epcis_query import (
    DEFAULT_PER_PAGE,
    QUERY_PARAMETERS,
    _after,
    _BadParameter,
    _biz_steps,
    _class_filter,
    _event_types,
    _page_size,
    _site_codes,
    _time,
)
from traceability.events import INTERNAL_NOTE
from traceability.services import capture as capture_service

# The query's parsing has its module (``epcis_query``); its constants are still read here.
__all__ = [
    "CAPTURE_CONTENT_TYPES",
    "CAPTURE_LIMIT_EXCEPTION",
    "DEFAULT_PER_PAGE",
    "LD_JSON",
    "NO_SUCH_RESOURCE_EXCEPTION",
    "PROBLEM_JSON",
    "QUERY_NAME",
    "QUERY_PARAMETERS",
    "QUERY_PARAMETER_EXCEPTION",
    "SECURITY_EXCEPTION",
    "VALIDATION_EXCEPTION",
    "VERSION_HEADERS",
    "capture",
    "events_query",
    "lot_document",
]

LD_JSON = "application/ld+json"
PROBLEM_JSON = "application/problem+json"
CAPTURE_CONTENT_TYPES = ("application/ld+json", "application/json")
QUERY_NAME = "SimpleEventQuery"
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}

QUERY_PARAMETER_EXCEPTION = "epcisException:QueryParameterException"
VALIDATION_EXCEPTION = "epcisException:ValidationException"
NO_SUCH_RESOURCE_EXCEPTION = "epcisException:NoSuchResourceException"
SECURITY_EXCEPTION = "epcisException:SecurityException"
CAPTURE_LIMIT_EXCEPTION = "epcisException:CaptureLimitExceededException"


def _caller(request: HttpRequest):
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return request.user
    return AnonymousUser()


def _problem(status: int, kind: str, title: str, detail: str, **extra) -> JsonResponse:
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    response = JsonResponse(
        body, status=status, content_type=PROBLEM_JSON, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in VERSION_HEADERS.items():
        response[name] = value
    return response


def _ld_json(document: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=LD_JSON,
    )
    for name, value in VERSION_HEADERS.items():
        response[name] = value
    return response


def _without_note(document: dict) -> dict:
    if INTERNAL_NOTE in document:
        return {key: value for key, value in document.items() if key != INTERNAL_NOTE}
    return document


# ---------------------------------------------------------------------------
# One lot's document


@never_cache
@require_safe
def lot_document(request: HttpRequest, code: str) -> HttpResponse:
    user = _caller(request)
    lot = selectors.lot_visible_by_code(user, code)
    if lot is None:
        return _problem(
            404,
            NO_SUCH_RESOURCE_EXCEPTION,
            _("Not found"),
            _("There is no lot %(code)s.") % {"code": code},
            code="NOT_FOUND",
        )
    with_notes = selectors.sees_internal_records_of(user, lot.seller_id)
    rows = selectors.lot_event_documents(lot.pk)
    events = rows if with_notes else (_without_note(row) for row in rows)
    return _ld_json(documents.epcis_document(events))


# ---------------------------------------------------------------------------
# The event query


@never_cache
@require_safe
def events_query(request: HttpRequest) -> HttpResponse:
    user = _caller(request)
    try:
        unknown = sorted(set(request.GET) - QUERY_PARAMETERS)
        if unknown:
            raise _BadParameter(
                unknown[0],
                _("%(name)s is not a query parameter of this server; it knows %(known)s.")
                % {"name": unknown[0], "known": ", ".join(sorted(QUERY_PARAMETERS))},
            )
        event_types = _event_types(request)
        biz_steps = _biz_steps(request)
        since = _time(request, "GE_eventTime")
        until = _time(request, "LT_eventTime")
        site_codes = _site_codes(request)
        classes = _class_filter(request)
        per_page = _page_size(request)
        after = _after(request)
    except _BadParameter as bad:
        return _problem(
            400,
            QUERY_PARAMETER_EXCEPTION,
            _("Invalid query parameter"),
            bad.message,
            code="INVALID_QUERY_PARAMETER",
            parameter=bad.parameter,
        )
    events = selectors.trace_events_visible_to(user)
    if event_types:
        events = events.filter(event_type__in=event_types)
    if biz_steps:
        events = events.filter(biz_step__in=biz_steps)
    if since is not None:
        events = events.filter(event_time__gte=since)
    if until is not None:
        events = events.filter(event_time__lt=until)
    if site_codes is not None:
        events = events.filter(site__code__in=site_codes)
    if classes is not None:
        events = events.filter(classes)
    if after is not None:
        moment, pk = after
        events = events.filter(Q(event_time__gt=moment) | Q(event_time=moment, pk__gt=pk))
    rows = list(
        events.order_by("event_time", "pk").values_list(
            "pk", "event_time", "document", "lot__seller_id"
        )[: per_page + 1]
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    everything = selectors.sees_every_trace_record(user)
    own = seller_ids_of(user)
    event_list = [
        document if everything or seller_id in own else _without_note(document)
        for _pk, _when, document, seller_id in rows
    ]
    body = {
        "@context": vocabulary.document_context(),
        "type": "EPCISQueryDocument",
        "schemaVersion": vocabulary.SCHEMA_VERSION,
        "creationDate": documents.format_event_time(timezone.now()),
        "epcisBody": {
            "queryResults": {"queryName": QUERY_NAME, "resultsBody": {"eventList": event_list}}
        },
    }
    response = _ld_json(body)
    if more:
        _pk, last_time, _document, _seller = rows[-1]
        parameters = request.GET.copy()
        parameters["nextPageToken"] = encode_cursor([last_time, rows[-1][0]])
        parameters["perPage"] = str(per_page)
        link = request.build_absolute_uri(request.path) + "?" + parameters.urlencode()
        response["Link"] = f'<{link}>; rel="next"'
    return response


# ---------------------------------------------------------------------------
# Capture


def _refusal(refusal: PermissionDenied) -> JsonResponse:
    if refusal.code == "AUTHENTICATION_REQUIRED":
        response = _problem(
            401, SECURITY_EXCEPTION, _("Unauthorized"), refusal.message, code=refusal.code
        )
        response["WWW-Authenticate"] = 'Bearer realm="ocop-market"'
        return response
    return _problem(403, SECURITY_EXCEPTION, _("Forbidden"), refusal.message, code=refusal.code)


def _no_constants(name: str):
    raise ValueError(name)


@csrf_exempt
@never_cache
@require_POST
def capture(request: HttpRequest) -> HttpResponse:
    user = _caller(request)
    try:
        capture_service.capture_authorize(by=user)
    except PermissionDenied as refusal:
        return _refusal(refusal)
    except throttle.Throttled as throttled:
        response = _problem(
            429, "about:blank", _("Too many requests"), throttled.message, code="THROTTLED"
        )
        response["Retry-After"] = str(throttled.retry_after)
        return response
    if request.content_type not in CAPTURE_CONTENT_TYPES:
        response = _problem(
            415,
            "about:blank",
            _("Unsupported media type"),
            _("Send the EPCIS document as %(types)s.")
            % {"types": " or ".join(CAPTURE_CONTENT_TYPES)},
            code="UNSUPPORTED_MEDIA_TYPE",
        )
        response["Accept-Post"] = ", ".join(CAPTURE_CONTENT_TYPES)
        return response
    limit = settings.TRACE_CAPTURE_MAX_BYTES
    too_big = _problem(
        413,
        CAPTURE_LIMIT_EXCEPTION,
        _("Document too large"),
        _("A captured document is at most %(limit)d bytes; send it in parts.") % {"limit": limit},
        code="TOO_LARGE",
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return too_big
    body = request.read(limit + 1)
    if len(body) > limit:
        return too_big
    try:
        document = json.loads(body, parse_constant=_no_constants)
    except ValueError:
        return _problem(
            400,
            VALIDATION_EXCEPTION,
            _("Invalid document"),
            _("The body is not JSON (UTF-8)."),
            code="INVALID_JSON",
        )
    try:
        recorded = capture_service.document_capture(by=user, document=document)
    except capture_service.CaptureRefused as refused:
        duplicates = refused.only_duplicates
        return _problem(
            409 if duplicates else 400,
            VALIDATION_EXCEPTION,
            _("Already recorded") if duplicates else _("Invalid document"),
            ngettext(
                "Nothing was recorded: %(count)d problem, listed by event.",
                "Nothing was recorded: %(count)d problems, listed by event.",
                len(refused.errors),
            )
            % {"count": len(refused.errors)},
            code="DUPLICATE_EVENT" if duplicates else "INVALID_DOCUMENT",
            errors=[
                {
                    "index": error.index,
                    "eventID": error.event_id,
                    "path": error.pointer,
                    "code": error.code,
                    "message": error.message,
                }
                for error in refused.errors
            ],
        )
    response = JsonResponse(
        {
            "recorded": [
                {
                    "index": event.index,
                    "eventID": event.event_id,
                    "lot": event.lot_code,
                    "sequence": event.sequence,
                    "hash": event.hash,
                }
                for event in recorded
            ]
        },
        status=201,
    )
    for name, value in VERSION_HEADERS.items():
        response[name] = value
    return response
