"""The GraphQL endpoint: graphene-django's view with limits and safe errors."""

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView, HttpError
from graphql import GraphQLError
from graphql.pyutils import Path
from graphql_sync_dataloaders import DeferredExecutionContext

from market.core.errors import DomainError
from market.core.graphql.limits import query_cost_validator
from market.core.graphql.multipart import parse_multipart_request

logger = logging.getLogger(__name__)


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
        # One view instance serves one request, so the rules may see its variables.
        self.validation_rules = (
            depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH),
            query_cost_validator(
                max_cost=settings.GRAPHQL_MAX_COST,
                variables=variables if isinstance(variables, dict) else None,
            ),
        )
        return super().execute_graphql_request(
            request, data, query, variables, operation_name, show_graphiql
        )

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
