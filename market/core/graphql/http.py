"""GraphQL over HTTP: what the endpoint reads from a request before GraphQL runs.

https://graphql.github.io/graphql-over-http/draft/ — content negotiation
between ``application/graphql-response+json`` and ``application/json``, the
request parameters and their types, and the refusals (4xx) a client gets,
each as a JSON ``errors`` list with a ``code``. The view in
``market.core.graphql.views`` puts these together.
"""

import json
import re
from collections.abc import Mapping, Sequence

from django.http import HttpResponse
from django.utils.translation import gettext as _
from graphene_django.views import HttpError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
TEXT_HTML = "text/html"

# No input type in the schema nests anywhere near this deep; a deeper value is
# an attack on the recursion of whatever reads it next (json, graphql-core).
MAX_JSON_DEPTH = 64

# The code clients see for an HTTP error raised without one (graphene-django's,
# the multipart parser's), by status.
CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class RequestError(HttpError):
    """A request refused before GraphQL runs, with its status and a code for clients."""

    def __init__(self, message: str, *, code: str, status: int = 400, headers=None):
        response = HttpResponse(status=status, headers=headers)
        self.code = code
        super().__init__(response, message)


def error_code(error: HttpError) -> str:
    return getattr(error, "code", None) or CODE_BY_STATUS.get(
        error.response.status_code, "BAD_REQUEST"
    )


# ------------------------------------------------------------------ Accept

_RESTRICTED_NAME = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_RANGE = re.compile(rf"^\s*({_RESTRICTED_NAME})/({_RESTRICTED_NAME})\s*$")
_QUALITY = re.compile(r"^\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$", re.IGNORECASE)


def parse_accept(header: str) -> list[tuple[str, str, float]]:
    """The media ranges of an Accept header as (type, subtype, q), in the client's
    order. A range that is not ``type/subtype`` or has a malformed q is left out."""
    ranges = []
    for item in header.split(","):
        media_range, *parameters = item.split(";")
        match = _MEDIA_RANGE.match(media_range)
        if not match:
            continue
        quality = 1.0
        for parameter in parameters:
            if parameter.split("=", 1)[0].strip().lower() == "q":
                q_match = _QUALITY.match(parameter)
                if not q_match:
                    break
                quality = float(q_match.group(1))
        else:
            ranges.append((match.group(1).lower(), match.group(2).lower(), quality))
    return ranges


def negotiate(header: str | None, offered: Sequence[str]) -> str | None:
    """The media type of ``offered`` the Accept ``header`` prefers, or None when it
    accepts none of them.

    Each offered type takes the quality of the most specific range that matches
    it (RFC 9110 §12.5.1). Among equals, a type the client names beats one it
    only reaches with a wildcard, then the client's order decides, then the
    order of ``offered``: so ``*/*`` gets the first offered type.
    """
    ranges = parse_accept(header or "")
    if not ranges:
        # No Accept header (or nothing readable in it): the spec's legacy default.
        return APPLICATION_JSON if APPLICATION_JSON in offered else offered[0]
    best, best_key = None, None
    for preference, media_type in enumerate(offered):
        kind, subtype = media_type.split("/")
        match = None
        for position, (range_kind, range_subtype, quality) in enumerate(ranges):
            if (range_kind, range_subtype) == (kind, subtype):
                specificity = 2
            elif range_kind == kind and range_subtype == "*":
                specificity = 1
            elif (range_kind, range_subtype) == ("*", "*"):
                specificity = 0
            else:
                continue
            if match is None or specificity > match[1]:
                match = (quality, specificity, position)
        if match is None or match[0] <= 0:
            continue
        quality, specificity, position = match
        key = (quality, specificity, -position, -preference)
        if best_key is None or key > best_key:
            best, best_key = media_type, key
    return best


# -------------------------------------------------------------- parameters


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether lists and objects in ``value`` nest deeper than ``limit`` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def too_deep_error() -> RequestError:
    return RequestError(
        _("The request nests values more than %(limit)s levels deep.") % {"limit": MAX_JSON_DEPTH},
        code="BAD_REQUEST",
    )


def load_json(text: str, *, invalid_message: str):
    """``text`` decoded as JSON, or a 400 with ``invalid_message``."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep_error() from None
    except ValueError:  # JSONDecodeError, and an integer of more than 4,300 digits
        raise RequestError(invalid_message, code="BAD_REQUEST") from None
    if json_depth_exceeds(value):
        raise too_deep_error()
    return value


def _is_unicode_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. "\udcff" from a JSON escape
        return False
    return True


def string_parameter(params: Mapping, name: str) -> str | None:
    """``params[name]`` when it is a string; None when absent, null or empty."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RequestError(
            _("The `%(name)s` parameter must be a string.") % {"name": name}, code="BAD_REQUEST"
        )
    if not _is_unicode_text(value):
        raise RequestError(
            _("The `%(name)s` parameter is not valid Unicode text.") % {"name": name},
            code="BAD_REQUEST",
        )
    return value


def map_parameter(params: Mapping, name: str) -> dict | None:
    """``params[name]`` as a JSON object: sent as one, or as a string holding one
    (the only way in a URL or a form field). None when absent or null."""
    value = params.get(name)
    if isinstance(value, str):
        invalid = _("The `%(name)s` parameter is not valid JSON.") % {"name": name}
        value = None if value == "" else load_json(value, invalid_message=invalid)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestError(
            _("The `%(name)s` parameter must be a JSON object.") % {"name": name},
            code="BAD_REQUEST",
        )
    return value
