"""Failures on the GraphQL endpoint answer GraphQL-shaped JSON, never Django's HTML pages;
the refusals of plain Django views take the same shape (``error_response``)."""

from django.core import signals
from django.http import JsonResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.log import log_response
from django.utils.translation import gettext as _

from market.core.errors import DomainError

# Resolved on first use: the URLconf imports views, and views may import this module.
GRAPHQL_PATH = SimpleLazyObject(lambda: reverse("graphql"))


def error_response(error: DomainError, status: int) -> JsonResponse:
    """A refusal in the API's error shape, for whatever answers outside GraphQL's own
    execution (this middleware, plain Django views): ``{"errors": [{"message": …,
    "extensions": {"code": …, "field": …}}]}``. A 401 names the bearer scheme the API signs
    in with (RFC 6750)."""
    extensions = {"code": error.code}
    if error.field:
        extensions["field"] = error.field
    response = JsonResponse(
        {"errors": [{"message": str(error.message), "extensions": extensions}]}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="ocop-market"'
    return response


def internal_error_response() -> JsonResponse:
    return error_response(DomainError(_("Internal server error."), code="INTERNAL_ERROR"), 500)


def log_internal_error(request, response, exception) -> None:
    """Report an exception answered with ``response`` as Django reports its own 500s: the
    ``got_request_exception`` signal (error trackers listen to it) and the traceback in the
    ``django.request`` log. For whatever turns a failure into its own answer (this
    middleware, the Digital Link resolver)."""
    signals.got_request_exception.send(sender=None, request=request)
    log_response(
        "Internal Server Error: %s",
        request.path,
        response=response,
        request=request,
        exception=exception,
    )


def is_graphql_request(request) -> bool:
    return request.path_info.startswith(str(GRAPHQL_PATH))


class GraphQLInternalErrorMiddleware:
    """Any exception escaping a view, or a middleware, under the GraphQL path becomes
    ``{"errors": [{"message": "Internal server error.", "extensions": {"code":
    "INTERNAL_ERROR"}}]}`` with status 500, whatever ``DEBUG`` says.

    A GraphQL client reads ``errors``; Django's debug page or its plain HTML
    500 would reach it as a parse failure, and the debug page shows settings
    and source to anyone. The traceback goes to the ``django.request`` log as
    Django's own 500s do, and ``got_request_exception`` is still sent (error
    trackers listen to it). It stands first in ``MIDDLEWARE`` so that a failure
    in any middleware after it is covered too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 500
            and is_graphql_request(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            # A middleware after this one failed: Django has already logged the
            # exception and rendered its page, which is replaced here.
            return internal_error_response()
        return response

    def process_exception(self, request, exception):
        if not is_graphql_request(request):
            return None
        response = internal_error_response()
        log_internal_error(request, response, exception)
        return response
