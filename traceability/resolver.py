"""The GS1 Digital Link resolver of lots, their QR codes and their printable labels.

``GET /01/<GTIN-14>/10/<lot>[/21/<serial>][?17=YYMMDD][&linkType=…]`` (and ``/lots/<code>``,
``digital_link.lot_page_path``, for a lot without a GTIN) answers by content negotiation on
``Accept``: the mobile page (``text/html``, the default, in the language of
``Accept-Language``), JSON-LD (``application/ld+json`` or ``application/json``: schema.org
``Product`` with GS1 Web Vocabulary and the project's ``ocop:`` terms), or the RFC 9264
linkset of the lot (``linkType=all`` or ``linkset``, or ``Accept:
application/linkset+json``), as a GS1-Conformant Resolver does; ``linkType=gs1:epcis``
redirects to the lot's EPCIS document; any other link type answers the default. Every
answer names the linkset in a ``Link`` header.

Decisions:

- The public's view only, whoever asks: the lot must be visible to an anonymous visitor
  (``selectors.made_into_live_product``: lots of live products and the lots they were made from),
  internal notes are never shown, and answers may be cached by shared caches for a minute
  (a suspension shows within that minute).
- A lot that does not exist, is not public, or has another GTIN than the link's (or none)
  is 404, one answer for all three. ``/lots/<code>`` of a lot with a GTIN redirects (301)
  to its Digital Link, the canonical URI.
- An expiry (AI 17) that differs from the lot's best-before still answers the lot: the
  label may be misprinted, the buyer holding it needs the trace most. The page shows the
  lot's own date and says that the label's differs; JSON-LD carries both.
- A serial (AI 21) or variant (AI 22) is accepted and does not change the answer: lots are
  classes of goods counted in kilograms, and items are not recorded one by one.
- The parser needs the path as sent, still percent-encoded (a lot may hold ``%2F``):
  gunicorn gives it as ``RAW_URI``, uWSGI as ``REQUEST_URI``. Under a server that gives
  neither (Django's development server) the decoded path is encoded again, where a ``/``
  inside a lot code cannot be told from a separator.
- Errors answer JSON ``{"errors": [{"message", "extensions": {"code"}}]}`` to clients
  that prefer JSON, a small page in the visitor's language to browsers; an unexpected
  failure is logged and answered the same way (500), never with a traceback.
"""

import functools
import re
from urllib.parse import quote

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from catalog.models import current_ocop_stars
from market.core.errors import DomainError, InvalidInput, NotFound
from market.core.middleware import error_response, log_internal_error
from market.core.permissions import SELLER_STAFF_OR_OPERATOR, fetch_for_seller_staff
from traceability import digital_link, labels, selectors

# The answers' pieces have modules of their own; their public names are still read from
# here (``resolver.lot_uri``, ``resolver.ORIGIN_PROBLEM_SENTENCES``, ``resolver.documents``).
from traceability.epcis import documents
from traceability.models import Lot
from traceability.resolver_documents import (
    EPCIS_LINK_TYPES,
    GS1_VOCABULARY,
    HTML,
    JSON,
    JSON_LD,
    LINKSET,
    LINKSET_CONTEXT,
    LINKSET_LINK_TYPES,
    MEDIA_TYPES,
    SCHEMA_ORG,
    _json_ld,
    _link_header,
    _linkset,
)
from traceability.resolver_trace import (
    INSPECTION_RESULTS,
    MADE_FROM_INPUTS,
    ORIGIN_PROBLEM_SENTENCES,
    OTHER_STEP,
    SITE_STATUSES,
    STEP_NAMES,
    Trace,
    _lot_path,
    _trace,
    lot_uri,
)

__all__ = [
    "DEFAULT_LABEL_COUNT",
    "EPCIS_LINK_TYPES",
    "GS1_VOCABULARY",
    "HTML",
    "INSPECTION_RESULTS",
    "JSON",
    "JSON_LD",
    "LINKSET",
    "LINKSET_CONTEXT",
    "LINKSET_LINK_TYPES",
    "MADE_FROM_INPUTS",
    "MAX_LABEL_COUNT",
    "MEDIA_TYPES",
    "ORIGIN_PROBLEM_SENTENCES",
    "OTHER_STEP",
    "PUBLIC_MAX_AGE",
    "QR_MAX_AGE",
    "SCHEMA_ORG",
    "SITE_STATUSES",
    "STEP_NAMES",
    "Trace",
    "digital_link",
    "digital_link_view",
    "documents",
    "lot_labels_pdf",
    "lot_page_view",
    "lot_qr_png",
    "lot_qr_svg",
    "lot_uri",
]

# Shared caches may keep an answer this long: a suspended area shows within a minute.
PUBLIC_MAX_AGE = 60
QR_MAX_AGE = 3600
DEFAULT_LABEL_COUNT = 10  # one A4 sheet, 2 columns of 5
MAX_LABEL_COUNT = 200
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


# ---------------------------------------------------------------- answers


def _preferred_type(request: HttpRequest) -> str:
    if not request.headers.get("Accept"):
        return HTML
    return request.get_preferred_type(MEDIA_TYPES) or HTML


def _public(response: HttpResponse, max_age: int = PUBLIC_MAX_AGE) -> HttpResponse:
    patch_vary_headers(response, ("Accept", "Accept-Language"))
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """An error in the form the client reads: JSON for JSON clients, a page for browsers."""
    if _preferred_type(request) == HTML:
        response = render(
            request,
            "traceability/resolver_error.html",
            {"status": status, "code": code, "message": message},
            status=status,
        )
    else:
        response = error_response(DomainError(message, code=code), status)
    if status >= 500:
        patch_vary_headers(response, ("Accept", "Accept-Language"))
        patch_cache_control(response, no_store=True)
        return response
    return _public(response)


def _not_found(request: HttpRequest) -> HttpResponse:
    return _error(request, 404, NotFound.code, _("No lot is published under this link."))


def _public_answer(view):
    """GET and HEAD only, and never a traceback: an unexpected failure is logged (as
    Django logs its 500s, signal included) and answered in the client's format."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _error(
                request, 405, "METHOD_NOT_ALLOWED", _("Only GET and HEAD are answered here.")
            )
            response["Allow"] = "GET, HEAD"
            return response
        try:
            return view(request, *args, **kwargs)
        except Exception as exception:
            response = _error(request, 500, "INTERNAL_ERROR", _("Internal server error."))
            log_internal_error(request, response, exception)
            return response

    return wrapped


# ---------------------------------------------------------------- the lot asked for


def _raw_request_uri(request: HttpRequest) -> str:
    """The path and query as the client sent them (see the module's docstring)."""
    for key in ("RAW_URI", "REQUEST_URI"):
        raw = request.META.get(key)
        if raw:
            return raw
    path = quote(request.path_info, safe="/!$&'()*+,;=:@~")
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def _lots_with_stars():
    """Lots with their product's current OCOP stars as ``ocop_stars`` (catalog's rule)."""
    today = timezone.localdate()
    return Lot.objects.annotate(ocop_stars=current_ocop_stars(today, key="product_id"))


def _public_lot(code: str) -> Lot | None:
    """The lot if the public may see it, with what its page names loaded: one query."""
    lots = (
        _lots_with_stars()
        .select_related("product", "seller", "growing_area", "packing_house")
        .annotate(has_inputs=selectors.has_inputs())
    )
    # Codes are unique: no ORDER BY for ``first()`` to add.
    found = lots.filter(Q(selectors.made_into_live_product()), code=code).order_by()[:1]
    return next(iter(found), None)


# A lot's URI never changes and drawing its QR code costs more than the rest of the page:
# the most recently drawn are kept (a few MB at most).
@functools.lru_cache(maxsize=2048)
def _qr_svg_inline(uri: str) -> str:
    # Inline in HTML: the XML declaration of the stand-alone document has no place there.
    return _XML_DECLARATION.sub("", labels.qr_svg(uri))


def _answer(request: HttpRequest, trace: Trace, link_type: str | None) -> HttpResponse:
    preferred = _preferred_type(request)
    if link_type in EPCIS_LINK_TYPES:
        response = HttpResponse(status=307)
        response["Location"] = trace.links["epcis"]
    elif link_type in LINKSET_LINK_TYPES or preferred == LINKSET:
        response = JsonResponse(_linkset(trace), content_type=LINKSET)
        response["Link"] = (
            f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="{JSON_LD}"'
        )
        return _public(response)
    elif preferred in (JSON_LD, JSON):
        response = JsonResponse(_json_ld(trace), content_type=preferred)
    else:
        response = render(
            request,
            "traceability/lot_page.html",
            {"trace": trace, "qr_svg": _qr_svg_inline(trace.uri)},
        )
    response["Link"] = _link_header(trace)
    return _public(response)


# ---------------------------------------------------------------- views


@_public_answer
def digital_link_view(request: HttpRequest) -> HttpResponse:
    """``/01/<GTIN-14>/10/<lot>…``: see the module's docstring."""
    try:
        link = digital_link.parse(_raw_request_uri(request))
    except digital_link.DigitalLinkError as error:
        return _error(request, 400, error.code, error.message)
    lot = _public_lot(link.lot)
    if lot is None or lot.gtin != link.gtin:
        return _not_found(request)
    trace = _trace(request, lot, serial=link.serial, label_expiry=link.expiry)
    return _answer(request, trace, link.params.get("linkType"))


@_public_answer
def lot_page_view(request: HttpRequest, code: str) -> HttpResponse:
    """``/lots/<code>``: the resolver's answer for a lot without a GTIN."""
    try:
        digital_link.check_lot(code)
    except digital_link.DigitalLinkError as error:
        return _error(request, 400, error.code, error.message)
    lot = _public_lot(code)
    if lot is None:
        return _not_found(request)
    if lot.gtin:
        response = HttpResponse(status=301)
        query = request.META.get("QUERY_STRING", "")
        response["Location"] = _lot_path(lot) + (f"?{query}" if query else "")
        return _public(response)
    return _answer(request, _trace(request, lot), request.GET.get("linkType"))


def _qr(request: HttpRequest, code: str, render_qr, content_type: str) -> HttpResponse:
    lot = _public_lot(code) if _is_lot_code(code) else None
    if lot is None:
        return _not_found(request)
    return _public(HttpResponse(render_qr(lot_uri(lot)), content_type=content_type), QR_MAX_AGE)


def _is_lot_code(code: str) -> bool:
    try:
        digital_link.check_lot(code)
    except digital_link.DigitalLinkError:
        return False
    return True


@_public_answer
def lot_qr_png(request: HttpRequest, code: str) -> HttpResponse:
    """The QR code of a public lot's ``lot_uri``, as a PNG."""
    return _qr(request, code, labels.qr_png, "image/png")


@_public_answer
def lot_qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    """The QR code of a public lot's ``lot_uri``, as an SVG document."""
    return _qr(request, code, labels.qr_svg, "image/svg+xml")


def _json_refusal(error: DomainError, status: int) -> JsonResponse:
    response = error_response(error, status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _label_count(request: HttpRequest) -> int:
    raw = request.GET.get("count")
    if raw is None:
        return DEFAULT_LABEL_COUNT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LABEL_COUNT:
        raise InvalidInput(
            _("The count of labels is a whole number from 1 to %(limit)s.")
            % {"limit": MAX_LABEL_COUNT},
            field="count",
        )
    return int(raw)


@_public_answer
def lot_labels_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """An A4 sheet of ``count`` labels of a lot, for its seller's staff and operators.

    Signed in with the API's bearer token (the JWT middleware sets ``request.user``): 401
    signed out, 403 for anyone else, whether or not the lot exists (operators are told
    404); then 400 for a bad ``count``.
    """
    user = getattr(request, "user", None)
    try:
        SELLER_STAFF_OR_OPERATOR.check(user)
        pk = Lot.objects.filter(code=code).values_list("pk", flat=True).first()
        lot = fetch_for_seller_staff(
            _lots_with_stars().select_related("product", "seller"),
            pk,
            by=user,
            not_found=NotFound(_("Lot %(code)s does not exist.") % {"code": code}),
        )
        count = _label_count(request)
    except DomainError as refusal:
        if refusal.code == "AUTHENTICATION_REQUIRED":
            return _json_refusal(refusal, 401)
        if isinstance(refusal, NotFound):
            return _json_refusal(refusal, 404)
        if isinstance(refusal, InvalidInput):
            return _json_refusal(refusal, 400)
        return _json_refusal(refusal, 403)
    label = {
        "product_name": lot.product.name,
        "seller_name": lot.seller.name,
        "lot_code": lot.code,
        "harvest_date": lot.harvest_date,
        "ocop_stars": lot.ocop_stars or 0,
        "uri": lot_uri(lot),
    }
    pdf = labels.labels_pdf([label] * count, title=_("Labels of lot %(code)s") % {"code": lot.code})
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", lot.code)
    response["Content-Disposition"] = f'inline; filename="labels-{filename}.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return response
