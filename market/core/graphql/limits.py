"""Limits on what one GraphQL operation may ask for: the settings, the rules, the refusals.

``QueryLimits`` holds the settings (depth, fields, repeats of one field, root
fields, cost, introspection); ``validation_rules`` are the specification's
rules and the refusal of introspection; ``shape_errors`` and ``cost_error``
are the typed errors of an operation over a limit, with the figure found and
the maximum. What an operation selects and costs is counted in
``market.core.graphql.analysis``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    ValidationRule,
    specified_rules,
)


@dataclass(frozen=True)
class QueryLimits:
    """The settings that decide whether a document may run (part of the document
    cache's key, since they change what is valid)."""

    max_depth: int
    max_fields: int
    max_aliases: int
    max_root_fields: int
    max_cost: int
    introspection: bool

    @classmethod
    def from_settings(cls) -> "QueryLimits":
        return cls(
            max_depth=settings.GRAPHQL_MAX_DEPTH,
            max_fields=settings.GRAPHQL_MAX_FIELDS,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
            max_root_fields=settings.GRAPHQL_MAX_ROOT_FIELDS,
            max_cost=settings.GRAPHQL_MAX_COST,
            introspection=settings.GRAPHQL_INTROSPECTION,
        )


class IntrospectionDisabledRule(ValidationRule):
    """Refuses ``__schema`` and ``__type``. ``__typename`` stays: clients such as
    Apollo add it to every selection set, and it tells nothing about the schema."""

    def enter_field(self, node: FieldNode, *_args):
        name = node.name.value
        if name in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    _("Introspection is disabled on this server: `%(field)s` cannot be queried.")
                    % {"field": name},
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )


def validation_rules(limits: QueryLimits) -> tuple:
    """The specification's rules, and the refusal of introspection when it is off.
    (Suggestions go with introspection: see ``hide_suggestions`` in the view.)"""
    if limits.introspection:
        return specified_rules
    return (*specified_rules, IntrospectionDisabledRule)


# The refusal of each limit, by its code; its placeholders are the operation's
# name, the figures found and the maximum.
_MESSAGES = {
    "TOO_MANY_FIELDS": gettext_lazy(
        "'%(operation)s' selects %(fields)s fields once its fragments are "
        "expanded, more than the maximum of %(maximum)s."
    ),
    # The words of graphene's depth_limit_validator, which this replaces.
    "QUERY_TOO_DEEP": gettext_lazy(
        "'%(operation)s' exceeds maximum operation depth of %(maximum)s."
    ),
    "TOO_MANY_ROOT_FIELDS": gettext_lazy(
        "'%(operation)s' has %(count)s root fields, more than the maximum of %(maximum)s."
    ),
    "TOO_MANY_ALIASES": gettext_lazy(
        "The field '%(field)s' is selected %(count)s times in one selection set "
        "(aliases and fragments included), more than the maximum of %(maximum)s."
    ),
    "QUERY_TOO_COSTLY": gettext_lazy(
        "Query cost %(cost)s exceeds the maximum of %(maximum)s. "
        "Ask for smaller pages or fewer nested lists."
    ),
}


def _over_limit(code: str, node, maximum: int, figures: dict, words: dict) -> GraphQLError:
    """The refusal of one limit, with the figures found and the maximum for clients;
    ``words`` are the message's placeholders that are not figures."""
    message = _MESSAGES[code] % {**figures, **words, "maximum": maximum}
    return GraphQLError(
        str(message), node, extensions={"code": code, **figures, "maximumAvailable": maximum}
    )


def shape_errors(
    operation: OperationDefinitionNode,
    fields: int,
    depth: int,
    root_fields: int,
    repeated: tuple,
    limits: QueryLimits,
) -> list[GraphQLError]:
    """The refusals of an operation's fields, depth, root fields and most repeated field."""
    named = {"operation": operation.name.value if operation.name else "anonymous"}
    count, node = repeated
    field = node.name.value if node is not None else None
    checks = [
        ("TOO_MANY_FIELDS", fields, limits.max_fields, operation, {"fields": fields}, named),
        ("QUERY_TOO_DEEP", depth, limits.max_depth, operation, {"depth": depth}, named),
        (
            "TOO_MANY_ROOT_FIELDS",
            root_fields,
            limits.max_root_fields,
            operation,
            {"rootFields": root_fields},
            {**named, "count": root_fields},
        ),
        ("TOO_MANY_ALIASES", count, limits.max_aliases, node, {"field": field, "count": count}, {}),
    ]
    return [
        _over_limit(code, at, maximum, figures, words)
        for code, figure, maximum, at, figures, words in checks
        if figure > maximum
    ]


def cost_error(operation: OperationDefinitionNode, cost: int, limits: QueryLimits) -> GraphQLError:
    return _over_limit("QUERY_TOO_COSTLY", operation, limits.max_cost, {"cost": cost}, {})
