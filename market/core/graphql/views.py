"""The GraphQL endpoint: graphene-django's view with limits and safe errors."""

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from graphene_django.settings import graphene_settings
from graphene_django.utils.utils import set_rollback
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
    validate_schema,
)
from graphql.error import GraphQLSyntaxError
from graphql.language import FieldNode, Node, StringValueNode
from graphql.language.location import get_location

from market.core.errors import DomainError
from market.core.graphql import http
from market.core.graphql.analysis import DocumentAnalysis, precheck_errors
from market.core.graphql.execution import BatchingExecutionContext
from market.core.graphql.http import RequestError
from market.core.graphql.limits import QueryLimits, validation_rules
from market.core.graphql.multipart import parse_multipart_request
from market.core.text import INVALID_TEXT, unencodable_path

logger = logging.getLogger(__name__)

# Parsing, validating and analysing the storefront's listing query takes ~1.2 ms.
# All three depend only on the query text, the schema and the limits
# (market.core.graphql.limits.QueryLimits), so a document that passed is kept
# with its analysis, and checked again in microseconds. Its syntax tree takes
# about 60 to 120 times the text's size: a budget on the text bounds the memory
# (~30 MB at most), and a larger query, rare and costly to keep, is checked each
# time.
DOCUMENT_CACHE_BUDGET_CHARS = 256 * 1024
DOCUMENT_CACHE_MAX_QUERY_CHARS = 16 * 1024


@dataclass(frozen=True)
class CheckedDocument:
    """A query parsed: why it was refused before it could be analysed (it did not
    parse, or validate, or its own selections are over the limits), or its analysis."""

    document: DocumentNode | None
    analysis: DocumentAnalysis | None
    errors: tuple[GraphQLError, ...] = ()


class DocumentCache:
    """Valid documents by (schema, limits, query text), least recently used out first."""

    def __init__(self, budget_chars: int):
        self.budget_chars = budget_chars
        self._documents: OrderedDict[tuple, CheckedDocument] = OrderedDict()
        self._chars = 0
        # ``runserver`` and threaded servers share the module between threads.
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CheckedDocument | None:
        with self._lock:
            document = self._documents.get(key)
            if document is not None:
                self._documents.move_to_end(key)
            return document

    def put(self, key: tuple, document: CheckedDocument) -> None:
        size = len(key[-1])
        with self._lock:
            if key in self._documents or size > self.budget_chars:
                return
            self._documents[key] = document
            self._chars += size
            while self._chars > self.budget_chars:
                old_key, _ = self._documents.popitem(last=False)
                self._chars -= len(old_key[-1])


valid_documents = DocumentCache(DOCUMENT_CACHE_BUDGET_CHARS)


def known_valid_document(
    schema: GraphQLSchema, query: str, limits: QueryLimits, operation_name: str | None = None
) -> CheckedDocument:
    """``query`` parsed, validated by the specification's rules and analysed
    (market.core.graphql.analysis), from the cache when it was seen before.

    The specification's rules run before the analysis, and alone: graphql-core
    runs the rules of one pass side by side, and the analysis may assume what they
    ensure (no fragment cycle, known fragments and fields). Before them, a cheaper
    look at the selections of the operation to run, its fragments left out,
    refuses what is too large already (the analysis, which the cached document
    keeps for each of its operations, would refuse it too). Each step is linear in
    the document; graphql-core bounds its parser's nesting and aborts a validation
    that nests fragments too deeply or compares too many overlapping fields."""
    key = (schema, limits, query)
    cacheable = len(query) <= DOCUMENT_CACHE_MAX_QUERY_CHARS
    if cacheable:
        checked = valid_documents.get(key)
        if checked is not None:
            return checked
    try:
        document = parse(query)
    except GraphQLError as error:
        return CheckedDocument(None, None, (error,))
    operation = get_operation_ast(document, operation_name)
    if operation is not None:
        errors = precheck_errors(operation, limits)
        if errors:
            return CheckedDocument(document, None, tuple(errors))
    errors = validate(
        schema,
        document,
        validation_rules(limits),
        graphene_settings.MAX_VALIDATION_ERRORS,
        # "Did you mean …?" names fields and types: it goes with introspection.
        hide_suggestions=not limits.introspection,
    )
    if errors:
        return CheckedDocument(document, None, tuple(errors))
    checked = CheckedDocument(document, DocumentAnalysis(schema, document))
    if cacheable:
        valid_documents.put(key, checked)
    return checked


def _unencodable_text_errors(document: DocumentNode, variables) -> list[GraphQLError]:
    """A lone surrogate or NUL in a query's variables or string literals: no database
    or search engine takes them, so the query is refused before it runs. (Mutations
    clean every argument themselves and answer field errors: see BaseMutation.)"""
    path = unencodable_path(variables) if isinstance(variables, dict) else None
    if path is not None:
        where = f"${path}"
    elif "\\u0000" in (document.loc.source.body if document.loc else ""):
        # The lexer refuses raw NULs and lone surrogates; an escaped NUL is the one way in.
        where = next(
            (
                "{line}:{column}".format(**get_location(node.loc.source, node.loc.start)._asdict())
                for node in _string_values(document)
                if "\x00" in node.value
            ),
            None,
        )
    else:
        return []
    if where is None:
        return []
    return [
        GraphQLError(
            _(
                "The text at %(where)s holds a character that is not allowed (NUL or a lone "
                "surrogate)."
            )
            % {"where": where},
            extensions={"code": INVALID_TEXT},
        )
    ]


def _string_values(document: DocumentNode):
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, StringValueNode):
            yield node
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple | list):
                stack.extend(item for item in child if isinstance(item, Node))


# GraphiQL's page loads nothing but this server's own files and talks to nothing
# else; CodeMirror sets inline styles, and the bundled fonts are data: URLs.
GRAPHIQL_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


class MarketGraphQLView(GraphQLView):
    # Whether browsers get GraphiQL is settings.GRAPHIQL, read on each request.
    graphiql_template = "core/graphiql.html"
    # Resolves dataloader futures in batches (see market.core.graphql.execution).
    execution_context_class = BatchingExecutionContext

    def dispatch(self, request, *args, **kwargs):
        # The endpoint is CSRF-exempt, so a browser's session cookie must not sign
        # anyone in here: only a bearer token (see JWTAuthenticationMiddleware) does.
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            request.user = AnonymousUser()
        # The media type of every JSON answer, the refusals' included: set by the
        # Accept negotiation, application/json until then.
        self.response_media_type = http.APPLICATION_JSON
        try:
            response = self.answer(request)
        except HttpError as error:
            response = self.error_response(request, error)
        patch_vary_headers(response, ("Accept",))
        return response

    def answer(self, request):
        """GraphQL over HTTP (market.core.graphql.http): method, Accept, body, then
        the operation, or GraphiQL for a browser."""
        if request.method not in ("GET", "POST"):
            raise RequestError(
                _("GraphQL is served over GET and POST only."),
                code="METHOD_NOT_ALLOWED",
                status=405,
                headers={"Allow": "GET, POST"},
            )
        offered = [http.APPLICATION_JSON, http.GRAPHQL_RESPONSE_JSON]
        if request.method == "GET" and settings.GRAPHIQL and "raw" not in request.GET:
            offered.append(http.TEXT_HTML)
        media_type = http.negotiate(request.headers.get("Accept"), offered)
        if media_type is None:
            raise RequestError(
                _(
                    "The Accept header allows neither %(graphql_response)s nor %(json)s, "
                    "the media types of this endpoint's answers."
                )
                % {"graphql_response": http.GRAPHQL_RESPONSE_JSON, "json": http.APPLICATION_JSON},
                code="NOT_ACCEPTABLE",
                status=406,
            )
        if media_type == http.TEXT_HTML:
            return self.render_graphiql(request)
        self.response_media_type = media_type
        data = self.parse_body(request) if request.method == "POST" else request.GET
        result, status = self.get_response(request, data)
        return HttpResponse(result, status=status, content_type=self.response_content_type())

    def response_content_type(self) -> str:
        return f"{self.response_media_type}; charset=utf-8"

    def error_response(self, request, error: HttpError) -> HttpResponse:
        """A refusal before GraphQL ran, in the shape of a GraphQL error."""
        code = http.error_code(error)
        body = {"errors": [{"message": error.message, "extensions": {"code": code}}]}
        response = HttpResponse(
            self.json_encode(request, body),
            status=error.response.status_code,
            content_type=self.response_content_type(),
        )
        if error.response.has_header("Allow"):
            response["Allow"] = error.response["Allow"]
        return response

    def parse_body(self, request):
        content_type = self.get_content_type(request)
        if content_type == "multipart/form-data":
            # Files arrive by the GraphQL multipart request spec (market.core.graphql.multipart).
            return parse_multipart_request(request, batch=self.batch)
        try:
            if content_type == "application/x-www-form-urlencoded":
                return request.POST
            if content_type not in ("application/json", "application/graphql"):
                raise RequestError(
                    _("Send the request as application/json (or multipart/form-data for files)."),
                    code="UNSUPPORTED_MEDIA_TYPE",
                    status=415,
                )
            charset = request.content_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise RequestError(
                    _("The request body must be UTF-8, not %(charset)s.") % {"charset": charset},
                    code="UNSUPPORTED_MEDIA_TYPE",
                    status=415,
                )
            body = request.body
        except RequestDataTooBig:
            raise RequestError(
                _("The request body is larger than %(limit)s bytes.")
                % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
                code="REQUEST_TOO_LARGE",
                status=413,
            ) from None
        except SuspiciousOperation:  # e.g. a form with too many fields
            message = _("The request body could not be read.")
            raise RequestError(message, code="BAD_REQUEST") from None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            message = _("The request body is not UTF-8 text.")
            raise RequestError(message, code="BAD_REQUEST") from None
        if content_type == "application/graphql":
            return {"query": text}
        data = http.load_json(text, invalid_message=_("The request body is not valid JSON."))
        if isinstance(data, list):
            raise RequestError(
                _("Batched requests are not supported: send one operation per request."),
                code="BAD_REQUEST",
            )
        if not isinstance(data, dict):
            raise RequestError(
                _("The request body must be a JSON object with a `query`."), code="BAD_REQUEST"
            )
        return data

    def get_graphql_params(self, request, data):
        """The request's parameters, checked for their types (a 400 otherwise): from
        the URL for GET, the body for POST."""
        query = http.string_parameter(data, "query")
        if query is None:
            raise RequestError(_("The request has no `query` string."), code="BAD_REQUEST")
        if len(query.encode()) > settings.GRAPHQL_MAX_QUERY_BYTES:
            raise RequestError(
                _("The query is larger than %(limit)s bytes.")
                % {"limit": settings.GRAPHQL_MAX_QUERY_BYTES},
                code="QUERY_TOO_LARGE",
                status=413,
            )
        operation_name = http.string_parameter(data, "operationName")
        variables = http.map_parameter(data, "variables")
        # Nothing reads extensions yet; they are checked so a wrong type is reported.
        http.map_parameter(data, "extensions")
        return query, variables, operation_name, None

    def get_response(self, request, data, show_graphiql=False):
        query, variables, operation_name, _id = self.get_graphql_params(request, data)
        result = self.execute_graphql_request(
            request, data, query, variables, operation_name, show_graphiql
        )
        errors = result.errors or []
        response = {}
        status = 200
        if errors:
            set_rollback()
            response["errors"] = [self.format_error(error) for error in errors]
        if result.data is None and any(not getattr(error, "path", None) for error in errors):
            # A request error: the document did not parse or validate, or the variables
            # did not fit it, so nothing ran and there is no data entry. The spec keeps
            # application/json answers at 200 for old clients; its own media type says 4xx.
            # An exception from ``execute`` itself is no request error but a bug.
            if any(not isinstance(error, GraphQLError) for error in errors):
                status = 500
            elif self.response_media_type == http.GRAPHQL_RESPONSE_JSON:
                status = 400
        else:
            response["data"] = result.data
        return self.json_encode(request, response), status

    def render_graphiql(self, request, **data):
        options = {
            "url": request.path,
            "headerEditorEnabled": graphene_settings.GRAPHIQL_HEADER_EDITOR_ENABLED,
            "shouldPersistHeaders": graphene_settings.GRAPHIQL_SHOULD_PERSIST_HEADERS,
            "inputValueDeprecation": graphene_settings.GRAPHIQL_INPUT_VALUE_DEPRECATION,
        }
        response = render(request, self.graphiql_template, {"graphiql_options": options})
        response["Content-Security-Policy"] = GRAPHIQL_CONTENT_SECURITY_POLICY
        return response

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        """Parse, validate and check the limits (market.core.graphql.limits) before
        anything runs; the query's size was checked with the request's parameters."""
        schema = self.schema.graphql_schema
        schema_errors = validate_schema(schema)
        if schema_errors:
            return ExecutionResult(data=None, errors=schema_errors)
        limits = QueryLimits.from_settings()
        checked = known_valid_document(schema, query or "", limits, operation_name)
        if checked.errors:
            return ExecutionResult(data=None, errors=list(checked.errors))
        return self._execute_valid_document(request, checked, variables, operation_name, limits)

    def _execute_valid_document(self, request, checked, variables, operation_name, limits):
        """graphene-django's ``execute_graphql_request`` after its validation, with
        the limits checked for the operation that runs, with its variables."""
        document = checked.document
        operation_ast = get_operation_ast(document, operation_name)
        if (
            request.method.lower() == "get"
            and operation_ast is not None
            and operation_ast.operation != OperationType.QUERY
        ):
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"],
                    _("Can only perform a %(operation)s operation from a POST request.")
                    % {"operation": operation_ast.operation.value},
                )
            )
        if operation_ast is not None:
            errors = checked.analysis.errors(
                operation_ast, variables if isinstance(variables, dict) else None, limits
            )
            if not errors and operation_ast.operation != OperationType.MUTATION:
                errors = _unencodable_text_errors(document, variables)
            if errors:
                return ExecutionResult(data=None, errors=errors)
        schema = self.schema.graphql_schema
        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "middleware": self.get_middleware(request),
            "execution_context_class": self.execution_context_class,
            # Coercion errors of variables would suggest names too.
            "hide_suggestions": not limits.introspection,
        }
        try:
            if (
                operation_ast is not None
                and operation_ast.operation == OperationType.MUTATION
                and (
                    graphene_settings.ATOMIC_MUTATIONS is True
                    or connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True
                )
                and _may_run_several_mutations(operation_ast)
            ):
                # ATOMIC_MUTATIONS: the operation's mutations commit together; a refusal
                # (``errors``) undoes its own mutation only, in BaseMutation.mutate.
                with transaction.atomic():
                    return execute(schema, document, **options)
            # One mutation is one transaction already (BaseMutation's): wrapping it again
            # would only add a savepoint, two more round trips to the database.
            return execute(schema, document, **options)
        except Exception as error:
            return ExecutionResult(errors=[error])

    @staticmethod
    def format_error(error):
        """One error of the answer, always with an ``extensions.code``.

        A resolver's refusals bring their own (a ``DomainError``, or a
        ``GraphQLError`` given one, as the cost limit's). Without one, a document
        that does not parse is ``GRAPHQL_PARSE_FAILED`` and any other refusal
        before execution (a validation rule, a variable's value) is
        ``GRAPHQL_VALIDATION_FAILED``, as Apollo names them. What is left
        happened while executing with no code: a bug, ``INTERNAL_ERROR``.
        """
        if not isinstance(error, GraphQLError):
            # The view caught an exception from ``execute`` itself.
            return MarketGraphQLView._internal_error(error, {})
        original = error.original_error
        if isinstance(original, DomainError):
            # Refused permission or bad input (e.g. decode_id's INVALID_ID) from a resolver.
            formatted = GraphQLView.format_error(error)
            formatted["extensions"] = {"code": original.code}
            if original.field:
                formatted["extensions"]["field"] = original.field
            return formatted
        formatted = error.formatted
        extensions = formatted.get("extensions") or {}
        if "code" in extensions:
            return formatted
        if isinstance(error, GraphQLSyntaxError):
            code = "GRAPHQL_PARSE_FAILED"
        elif error.path is None:
            code = "GRAPHQL_VALIDATION_FAILED"
        else:
            return MarketGraphQLView._internal_error(original or error, formatted)
        formatted["extensions"] = {**extensions, "code": code}
        return formatted

    @staticmethod
    def _internal_error(exception: Exception, formatted: dict) -> dict:
        """A bug, not bad input: the traceback goes to the log, not into the answer."""
        logger.error("Unhandled error in GraphQL execution", exc_info=exception)
        answer = {
            "message": formatted.get("message", str(exception))
            if settings.DEBUG
            else _("Internal server error."),
            "extensions": {"code": "INTERNAL_ERROR"},
        }
        if formatted.get("path") is not None:
            answer["path"] = formatted["path"]
        return answer


def _may_run_several_mutations(operation_ast) -> bool:
    """Whether the operation names more than one root mutation field (fragments at the
    root count as several, whatever they hold)."""
    selections = operation_ast.selection_set.selections
    if not all(isinstance(selection, FieldNode) for selection in selections):
        return True
    return sum(selection.name.value != "__typename" for selection in selections) > 1
