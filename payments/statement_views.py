"""A seller's settlement statement as a file: ``GET /payments/statement.csv`` and
``GET /payments/statement.xlsx``, with ``seller`` (a Seller global ID), ``from`` and ``to``
(days, ``YYYY-MM-DD``, Vietnam time) in the query string. What the file holds is
``payments.statements``'; who may read it is ``payments.ledger``'s rule, as for the
GraphQL ``sellerStatement``: the seller's owners and operators.

Only the API's bearer token signs anyone in here, as on ``/graphql/`` and the EPCIS
endpoints (a browser's session cookie does not count): the JWT middleware reads it and
answers a bad or expired one (401 and its ``JWT_*`` code). Refusals answer
JSON shaped like the API's errors, checked in this order so that a stranger learns
nothing from the parameters: 401 signed out, 403 neither an operator nor any seller's
owner, 400 a bad parameter, then 403 not this seller's owner (the same for a seller that
does not exist), 404 a missing seller for an operator. Files are attachments, never
cached.
"""

import re
import tempfile
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from market.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from market.core.graphql.mutations import decode_id
from market.core.middleware import error_response
from market.core.permissions import is_operator, require_authenticated
from market.sellers.selectors import seller_ids_owned_by
from payments import ledger, statements

PARAMETERS = ("seller", "from", "to")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Rows are written to memory up to this size, then to a temporary file.
XLSX_MEMORY_BYTES = 8 * 1024 * 1024


def _caller(request: HttpRequest):
    """The bearer token's user (set by the JWT middleware), else anonymous: a session
    cookie does not sign anyone in here."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return request.user
    return AnonymousUser()


def _single(request: HttpRequest, name: str) -> str:
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise InvalidInput(_("%(name)s is given more than once.") % {"name": name}, field=name)
    value = values[0].strip() if values else ""
    if not value:
        raise InvalidInput(_("%(name)s is required.") % {"name": name}, field=name)
    return value


def _day(request: HttpRequest, name: str) -> date:
    raw = _single(request, name)
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            _("%(name)s must be a date written YYYY-MM-DD.") % {"name": name}, field=name
        ) from None


def _statement_or_refusal(request: HttpRequest) -> ledger.Statement | HttpResponse:
    user = _caller(request)
    try:
        require_authenticated(user)
    except PermissionDenied as refusal:
        return error_response(refusal, 401)
    if not is_operator(user) and not seller_ids_owned_by(user):
        return error_response(
            PermissionDenied(_("Only the seller's owners and operators may do this.")), 403
        )
    try:
        for name in request.GET:
            if name not in PARAMETERS:
                raise InvalidInput(_("Unknown parameter %(name)r.") % {"name": name}, field=name)
        seller_id = decode_id(_single(request, "seller"), "Seller", field="seller")
        first, last = _day(request, "from"), _day(request, "to")
    except DomainError as bad:
        return error_response(bad, 400)
    try:
        return ledger.seller_statement_for(user, seller_id=seller_id, first=first, last=last)
    except PermissionDenied as refusal:
        return error_response(refusal, 403)
    except NotFound as missing:
        return error_response(missing, 404)
    except InvalidInput as bad:
        return error_response(bad, 400)


@never_cache
@require_safe
def statement_csv(request: HttpRequest) -> HttpResponse:
    statement = _statement_or_refusal(request)
    if isinstance(statement, HttpResponse):
        return statement
    response = StreamingHttpResponse(
        statements.csv_chunks(statement), content_type="text/csv; charset=utf-8; header=present"
    )
    name = statements.filename(statement, "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@require_safe
def statement_xlsx(request: HttpRequest) -> HttpResponse:
    statement = _statement_or_refusal(request)
    if isinstance(statement, HttpResponse):
        return statement
    # A zip file cannot be streamed as it is written: build it (rows spill to disk), then
    # send the file; FileResponse closes it, which deletes it.
    file = tempfile.SpooledTemporaryFile(max_size=XLSX_MEMORY_BYTES)  # noqa: SIM115
    statements.xlsx_write(statement, file)
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=statements.filename(statement, "xlsx"),
        content_type=statements.XLSX_CONTENT_TYPE,
    )
