"""Query cost limit.

Depth is limited by graphene's own ``depth_limit_validator``. Depth alone lets
``products(first: 100) { variants(first: 100) { ... } }`` ask for millions of
rows, so each query is also priced: a field costs one, times the page sizes
(``first``/``last``) of the list fields above it. A page size given through a
variable is priced at the value sent; a missing one at the largest page size.
"""

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

MAX_PAGE_SIZE = 100


class _Pricing:
    """The cost of a document's operations, given the variables sent with it."""

    def __init__(self, document: DocumentNode, variables: dict | None):
        self.variables = variables or {}
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }

    def error(self, operation: OperationDefinitionNode, max_cost: int) -> GraphQLError | None:
        cost = self.selection_cost(operation.selection_set, multiplier=1, seen=frozenset())
        if cost <= max_cost:
            return None
        return GraphQLError(
            f"Query cost {cost} exceeds the maximum of {max_cost}. "
            "Ask for smaller pages or fewer nested lists.",
            operation,
            extensions={"code": "QUERY_TOO_COSTLY", "cost": cost},
        )

    def page_size(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 1)
            if isinstance(value, VariableNode):
                sent = self.variables.get(value.name.value)
                return max(sent, 1) if isinstance(sent, int) else MAX_PAGE_SIZE
        return 1

    def selection_cost(
        self, selection_set: SelectionSetNode | None, *, multiplier: int, seen: frozenset
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                child_multiplier = multiplier * self.page_size(selection)
                total += multiplier + self.selection_cost(
                    selection.selection_set, multiplier=child_multiplier, seen=seen
                )
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_cost(
                    selection.selection_set, multiplier=multiplier, seen=seen
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                # Cyclic fragments are reported by graphql-core's own rules.
                if fragment is not None and name not in seen:
                    total += self.selection_cost(
                        fragment.selection_set, multiplier=multiplier, seen=seen | {name}
                    )
        return total


def query_cost_errors(
    document: DocumentNode, *, max_cost: int, variables: dict | None
) -> list[GraphQLError]:
    """What ``query_cost_validator`` reports, without a validation pass.

    For a document already known to pass every other rule (see
    ``market.core.graphql.views``): the cost is then the only check that
    depends on the request, through the page sizes sent as variables.
    """
    pricing = _Pricing(document, variables)
    errors = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            error = pricing.error(definition, max_cost)
            if error is not None:
                errors.append(error)
    return errors


def query_cost_validator(*, max_cost: int, variables: dict | None):
    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            self.pricing = _Pricing(context.document, variables)

        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            error = self.pricing.error(node, max_cost)
            if error is not None:
                self.report_error(error)

    return QueryCostRule
