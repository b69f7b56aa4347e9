"""The GraphQL endpoint: graphene-django's view with limits and safe errors."""

import logging
import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from graphene.validation import depth_limit_validator
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
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
    specified_rules,
    validate,
    validate_schema,
)
from graphql.pyutils import Path
from graphql_sync_dataloaders import DeferredExecutionContext

from market.core.errors import DomainError
from market.core.graphql.limits import query_cost_errors, query_cost_validator
from market.core.graphql.multipart import parse_multipart_request

logger = logging.getLogger(__name__)

# Parsing and validating the storefront's listing query took ~2.5 ms of each
# request. Both depend only on the query text, the schema and the depth limit,
# so a document that passed is kept. Its syntax tree takes about 60 to 120
# times the text's size: a budget on the text bounds the memory (~30 MB at
# most), and a larger query, rare and costly to keep, is validated each time.
DOCUMENT_CACHE_BUDGET_CHARS = 256 * 1024
DOCUMENT_CACHE_MAX_QUERY_CHARS = 16 * 1024


class DocumentCache:
    """Valid documents by (schema, depth limit, query text), least recently used out first."""

    def __init__(self, budget_chars: int):
        self.budget_chars = budget_chars
        self._documents: OrderedDict[tuple, DocumentNode] = OrderedDict()
        self._chars = 0
        # ``runserver`` and threaded servers share the module between threads.
        self._lock = threading.Lock()

    def get(self, key: tuple) -> DocumentNode | None:
        with self._lock:
            document = self._documents.get(key)
            if document is not None:
                self._documents.move_to_end(key)
            return document

    def put(self, key: tuple, document: DocumentNode) -> None:
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


def known_valid_document(schema: GraphQLSchema, query: str, max_depth: int) -> DocumentNode | None:
    """The parsed ``query`` when it passes every rule but the cost, which depends on
    the variables; None when it does not, or is too large to keep."""
    if len(query) > DOCUMENT_CACHE_MAX_QUERY_CHARS:
        return None
    key = (schema, max_depth, query)
    document = valid_documents.get(key)
    if document is not None:
        return document
    try:
        document = parse(query)
    except GraphQLError:
        return None
    rules = (*specified_rules, depth_limit_validator(max_depth=max_depth))
    if validate(schema, document, rules):
        return None
    valid_documents.put(key, document)
    return document


class BatchingExecutionContext(DeferredExecutionContext):
    """graphql-sync-dataloaders 0.1.1 calls ``handle_field_error(error, return_type)``;
    graphql-core 3.2.14 also wants the field's path. Without it every resolver
    error (a refused permission, a bad ID) failed the whole request with a TypeError."""

    def handle_field_error(self, error, return_type, path=None):
        if path is None:
            for key in error.path or ():
                path = Path(path, key, None)
        return super().handle_field_error(error, return_type, path)


class MarketGraphQLView(GraphQLView):
    graphiql = True
    # Resolves dataloader futures in batches (see market.core.graphql.dataloaders).
    execution_context_class = BatchingExecutionContext

    def dispatch(self, request, *args, **kwargs):
        # The endpoint is CSRF-exempt, so a browser's session cookie must not sign
        # anyone in here: only a bearer token (see JWTAuthenticationMiddleware) does.
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            request.user = AnonymousUser()
        return super().dispatch(request, *args, **kwargs)

    def parse_body(self, request):
        # Files arrive by the GraphQL multipart request spec (see market.core.graphql.multipart).
        if self.get_content_type(request) == "multipart/form-data":
            return parse_multipart_request(request, batch=self.batch)
        return super().parse_body(request)

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if query and len(query.encode()) > settings.GRAPHQL_MAX_QUERY_BYTES:
            raise HttpError(
                HttpResponse(
                    f"Query is larger than {settings.GRAPHQL_MAX_QUERY_BYTES} bytes.", status=413
                )
            )
        schema = self.schema.graphql_schema
        document = None
        if query and not validate_schema(schema):
            document = known_valid_document(schema, query, settings.GRAPHQL_MAX_DEPTH)
        if document is None:
            # An invalid or very large query: graphene-django parses and validates it
            # again and reports every error the rules find, the cost's included.
            self.validation_rules = (
                *specified_rules,
                depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH),
                query_cost_validator(
                    max_cost=settings.GRAPHQL_MAX_COST,
                    variables=variables if isinstance(variables, dict) else None,
                ),
            )
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        return self._execute_valid_document(
            request, document, variables, operation_name, show_graphiql
        )

    def _execute_valid_document(self, request, document, variables, operation_name, show_graphiql):
        """graphene-django's ``execute_graphql_request`` after its parse, with the cost
        the only rule left to check (it depends on the variables)."""
        operation_ast = get_operation_ast(document, operation_name)
        if (
            request.method.lower() == "get"
            and operation_ast is not None
            and operation_ast.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"],
                    f"Can only perform a {operation_ast.operation.value} operation "
                    "from a POST request.",
                )
            )
        errors = query_cost_errors(
            document,
            max_cost=settings.GRAPHQL_MAX_COST,
            variables=variables if isinstance(variables, dict) else None,
        )
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
        }
        try:
            if (
                operation_ast is not None
                and operation_ast.operation == OperationType.MUTATION
                and (
                    graphene_settings.ATOMIC_MUTATIONS is True
                    or connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True
                )
            ):
                with transaction.atomic():
                    result = execute(schema, document, **options)
                    if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
                        transaction.set_rollback(True)
                return result
            return execute(schema, document, **options)
        except Exception as error:
            return ExecutionResult(errors=[error])

    @staticmethod
    def format_error(error):
        original = getattr(error, "original_error", None)
        if isinstance(original, DomainError):
            # Refused permission or bad input (e.g. decode_id's INVALID_ID) from a resolver.
            formatted = GraphQLView.format_error(error)
            formatted["extensions"] = {"code": original.code}
            if original.field:
                formatted["extensions"]["field"] = original.field
            return formatted
        if (
            isinstance(error, GraphQLError)
            and original is not None
            and not isinstance(original, GraphQLError)
        ):
            # A bug, not bad input: keep the traceback in the log, not in the answer.
            logger.error("Unhandled error in GraphQL resolver", exc_info=original)
            if not settings.DEBUG:
                return {
                    "message": "Internal server error.",
                    "path": error.path,
                    "extensions": {"code": "INTERNAL_ERROR"},
                }
        return GraphQLView.format_error(error)
