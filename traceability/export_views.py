"""HTTP answers of the auditors' exports (``/trace/exports/<table>.csv|xlsx``,
``/trace/exports/areas.geojson``); what each export holds is in ``traceability.exports``.

Auditors and operators only, signed in with the API's bearer token (the JWT middleware
sets ``request.user``). Refusals and bad filters answer JSON shaped like the API's
errors: 401 signed out, 403 another role, 400 a bad filter, checked in that order so a
stranger learns nothing from the filters. Files are attachments, never cached.
"""

import functools
import tempfile

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from market.core.errors import InvalidInput, PermissionDenied
from market.core.middleware import error_response
from market.core.permissions import require_auditor_or_operator
from traceability import exports

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows are written to memory up to this size, then to a temporary file.
XLSX_MEMORY_BYTES = 8 * 1024 * 1024


def _export(view):
    """An export's view, called as ``view(request, table, filters)`` for an auditor or
    operator with good filters; anyone else, or bad filters, gets the JSON refusal. The
    table is the URL's ``table`` (the growing areas when it names none)."""

    @never_cache
    @require_safe
    @functools.wraps(view)
    def checked(request: HttpRequest, table: str = exports.AREAS.name) -> HttpResponse:
        definition = exports.TABLES[table]
        try:
            require_auditor_or_operator(getattr(request, "user", None))
        except PermissionDenied as refusal:
            status = 401 if refusal.code == "AUTHENTICATION_REQUIRED" else 403
            return error_response(refusal, status)
        try:
            filters = exports.parse_filters(definition, request.GET)
        except InvalidInput as bad:
            return error_response(bad, 400)
        return view(request, definition, filters)

    return checked


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localtime(timezone=exports.EXPORT_TIME_ZONE):%Y%m%d-%H%M}.{extension}"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@_export
def table_csv(request: HttpRequest, table: exports.Table, filters) -> HttpResponse:
    # Headers are translated now, in the request's language, before streaming starts.
    chunks = exports.csv_chunks(table, filters, table.headers())
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8; header=present")
    return _attachment(response, _filename(table.name, "csv"))


@_export
def table_xlsx(request: HttpRequest, table: exports.Table, filters) -> HttpResponse:
    # A zip file cannot be streamed as it is written: build it (rows spill to disk), then
    # send the file; FileResponse closes it, which deletes it.
    file = tempfile.SpooledTemporaryFile(max_size=XLSX_MEMORY_BYTES)  # noqa: SIM115
    exports.xlsx_write(table, filters, table.headers(), file)
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=_filename(table.name, "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )


@_export
def areas_geojson(request: HttpRequest, table: exports.Table, filters) -> HttpResponse:
    response = StreamingHttpResponse(
        exports.areas_geojson_chunks(filters), content_type="application/geo+json"
    )
    return _attachment(response, _filename("areas", "geojson"))
