"""The GraphQL multipart request spec: files sent alongside a GraphQL operation.

https://github.com/jaydenseric/graphql-multipart-request-spec: a
``multipart/form-data`` body with

* ``operations``: the usual JSON request (``query``, ``variables``...), the
  variables that stand for files set to ``null``;
* ``map``: JSON ``{"<form key>": ["variables.image", ...]}``, naming for each
  file the places in ``operations`` it goes to;
* one form field per file, under the key the map uses.

Saleor implements this itself rather than through graphene-file-upload, and so
does this module: the parsing is small, and owning it lets a malformed request
be a 400 that names the problem instead of a 500.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from graphene_django.views import HttpError

from market.core.graphql.http import load_json

# Room for the operations, the map and the multipart framing around the files.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


def max_multipart_bytes() -> int:
    """The largest multipart body accepted: one picture at its limit, plus the operation."""
    return settings.MAX_IMAGE_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES


def _bad_request(message: str) -> HttpError:
    return HttpError(HttpResponseBadRequest(message))


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _json_field(form, name: str):
    # load_json also refuses values nested too deep to decode without a RecursionError.
    return load_json(
        form[name],
        invalid_message=_("The `%(name)s` field of a multipart request is not valid JSON.")
        % {"name": name},
    )


def _step(container, segment: str, path: str):
    """The index or key ``segment`` names in ``container``, or a 400."""
    if isinstance(container, list):
        try:
            index = int(segment)
        except ValueError:
            raise _bad_request(
                _("`map` path %(path)r: %(segment)r is not a list index.")
                % {"path": path, "segment": segment}
            ) from None
        if not 0 <= index < len(container):
            raise _bad_request(
                _("`map` path %(path)r: index %(index)d is out of range.")
                % {"path": path, "index": index}
            )
        return index
    if isinstance(container, dict):
        return segment
    raise _bad_request(_("`map` path %(path)r does not lead into the operations.") % {"path": path})


def _place(operations, path: str, upload, *, batch: bool) -> None:
    """Put ``upload`` where ``path`` (e.g. ``variables.input.image``) points.

    Only a ``null`` inside the variables may be replaced: a file put into the
    query or over a real value would be a client's mistake to report, not to run.
    """
    segments = path.split(".")
    variables_at = 1 if batch else 0
    if len(segments) <= variables_at + 1 or segments[variables_at] != "variables":
        raise _bad_request(_("`map` path %(path)r must point inside `variables`.") % {"path": path})
    container = operations
    for segment in segments[:-1]:
        key = _step(container, segment, path)
        if isinstance(container, dict) and key not in container:
            raise _bad_request(
                _("`map` path %(path)r does not exist in the operations.") % {"path": path}
            )
        container = container[key]
    key = _step(container, segments[-1], path)
    current = container[key] if isinstance(container, list) else container.get(key)
    if current is not None:
        raise _bad_request(
            _("`map` path %(path)r must point at a null placeholder.") % {"path": path}
        )
    container[key] = upload


def parse_multipart_request(request, *, batch: bool):
    """The GraphQL request in a multipart body, with its files in place.

    A multipart body without ``operations`` is a plain form post of ``query``
    and ``variables``, answered as before, and returned as the form itself.
    """
    if _declared_length(request) > max_multipart_bytes():
        raise HttpError(
            HttpResponse(
                _("Multipart requests may be at most %(limit)d bytes.")
                % {"limit": max_multipart_bytes()},
                status=413,
            )
        )
    try:
        form, files = request.POST, request.FILES
    except (MultiPartParserError, SuspiciousOperation) as error:
        raise _bad_request(
            _("The multipart body could not be read: %(error)s") % {"error": error}
        ) from None
    if "operations" not in form:
        return form

    operations = _json_field(form, "operations")
    expected = list if batch else dict
    if not isinstance(operations, expected) or (batch and not operations):
        raise _bad_request(
            _("`operations` must be a non-empty list of operations.")
            if batch
            else _("`operations` must be one operation object.")
        )
    if "map" not in form:
        raise _bad_request(_("A multipart GraphQL request needs a `map` field."))
    file_map = _json_field(form, "map")
    if not isinstance(file_map, dict):
        raise _bad_request(_("`map` must be an object of file keys to lists of paths."))
    for key, paths in file_map.items():
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise _bad_request(
                _("`map` entry %(key)r must be a non-empty list of paths.") % {"key": key}
            )
        upload = files.get(key)
        if upload is None:
            raise _bad_request(
                _("`map` names the file %(key)r, but no such file was sent.") % {"key": key}
            )
        for path in paths:
            _place(operations, path, upload, batch=batch)
    return operations
