"""The GraphQL endpoint: graphene-django's view with limits and safe errors."""

import logging

from django.conf import settings
from django.http import HttpResponse
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView, HttpError
from graphql import GraphQLError
from graphql_sync_dataloaders import DeferredExecutionContext

from market.core.graphql.limits import query_cost_validator

logger = logging.getLogger(__name__)


class MarketGraphQLView(GraphQLView):
    graphiql = True
    # Resolves dataloader futures in batches (see market.core.graphql.dataloaders).
    execution_context_class = DeferredExecutionContext

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
