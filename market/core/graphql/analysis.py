"""What one GraphQL operation selects and costs, counted before anything runs.

A document that passed the specification's rules (graphql-core's
``specified_rules``, ``NoFragmentCycles`` and ``MaxIntrospectionDepth`` among
them, so there is no cycle to follow here) is analysed once:

* its depth, as graphene's ``depth_limit_validator`` counted it (fields with a
  selection set on the way down; introspection, bounded by its own rule, left out),
* the number of fields it selects with every fragment spread expanded,
* the most times one field is selected in one selection set (aliases, and
  repeats through fragments and inline fragments),
* the number of its root fields,
* and a plan of its cost, priced by ``market.core.graphql.cost_map``.

Each fragment is analysed once, in dependency order, and each spread reuses
its fragment's figures, so the work is linear in the size of the document: a
chain of fragments each spreading the one before twice (2^n fields once
expanded) is refused as fast as it is read. Nothing here recurses: nested
selection sets are walked with an explicit stack.

The cost depends on the request's variables through page sizes
(``first: $first``). So the analysis keeps a plan: the document's selection
sets as a list of records, fragments first, each record the terms of one
selection set. Pricing a request is one pass over that list, in which each
fragment's cost is computed once and added at each of its spreads. A document
whose page sizes are all written in it is priced once, with the analysis.

Counting repeats and fields, a fragment spread twice counts twice (graphql-core
would collect it once): simpler, and never less than what runs.

Before validation, ``precheck_errors`` counts the same figures in the selections
written in the operation itself, fragments left out: what is too large there
is refused without the costlier validation. The limits themselves, and the
errors of an operation over one, are in ``market.core.graphql.limits``.

The analysis is cached with the document and serves requests in any language,
so it keeps figures and nodes only; messages are written per request.
"""

import math
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    VariableNode,
    get_named_type,
)

from market.core.graphql.cost_map import CONNECTION_PAGE, PARENT_PAGE, Page, field_cost
from market.core.graphql.limits import QueryLimits, cost_error, shape_errors

# Term kinds of a record.
_FIELD = 0
_SPREAD = 1


class _PageArguments:
    """A page size that depends on the request's variables."""

    __slots__ = ("default", "maximum", "sources")

    def __init__(self, sources: tuple, default: int, maximum: int):
        # Each source is a literal size or the name of a variable.
        self.sources = sources
        self.default = default
        self.maximum = maximum

    def size(self, variables: dict) -> int:
        size = 0
        for source in self.sources:
            if type(source) is int:
                sent = source
            elif source in variables:
                sent = variables[source]
                if type(sent) is not int:
                    # null, or a value that will fail coercion: the largest page.
                    sent = self.maximum
            else:
                # An unset variable leaves the argument out: its default applies.
                sent = self.default
            size = max(size, sent)
        return min(max(size, 1), self.maximum)


@dataclass
class _Summary:
    """What a fragment or an operation selects, whatever the variables."""

    record: int
    depth: int
    fields: int
    # Field name → [selections of it at the top level, the first of them].
    keys: dict
    # The most selections of one field in one selection set, and the first of them.
    repeated: tuple
    uses_variables: bool


class _Frame:
    """A selection set being walked, its inline fragments flattened into it."""

    __slots__ = ("depth", "fields", "keys", "owner", "pending", "terms")

    def __init__(self, selection_set: SelectionSetNode, parent_type, owner: tuple | None):
        self.pending = [(iter(selection_set.selections), parent_type)]
        self.terms = []
        self.keys = {}
        self.depth = 0
        self.fields = 0
        # For a field's selection set: (complexity, items, page, counts for depth).
        self.owner = owner

    def next_selection(self):
        pending = self.pending
        while pending:
            selections, parent_type = pending[-1]
            selection = next(selections, None)
            if selection is not None:
                return selection, parent_type
            pending.pop()
        return None, None


def _add_selections(keys: dict, name: str, count: int, node: FieldNode) -> None:
    entry = keys.get(name)
    if entry is None:
        keys[name] = [count, node]
    else:
        entry[0] += count


def _field_definition(parent_type, name: str) -> GraphQLField:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if name == "__schema":
        return SchemaMetaFieldDef
    if name == "__type":
        return TypeMetaFieldDef
    return parent_type.fields[name]


def _spread_names(selection_set: SelectionSetNode) -> list[str]:
    names = {}
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names[selection.name.value] = None
            elif selection.selection_set is not None:
                stack.append(selection.selection_set)
    return list(names)


def _dependency_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after the fragments it spreads."""
    spreads = {name: _spread_names(fragment.selection_set) for name, fragment in fragments.items()}
    order = []
    seen = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        path = [(root, iter(spreads[root]))]
        while path:
            name, pending = path[-1]
            for spread in pending:
                # Already seen: done, or on the path (a cycle, which validation refused).
                if spread in spreads and spread not in seen:
                    seen.add(spread)
                    path.append((spread, iter(spreads[spread])))
                    break
            else:
                path.pop()
                order.append(name)
    return order


@dataclass
class _OperationCheck:
    summary: _Summary
    root_fields: int
    # Integer (or null) defaults of the operation's variables, for page sizes.
    variable_defaults: dict
    cost: int | None


class DocumentAnalysis:
    """Depth, fields, repeats, root fields and the cost plan of a valid document."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode):
        self._schema = schema
        self._records: list[tuple] = []
        self._fragments: dict[str, _Summary] = {}
        self._operations: dict[int, _OperationCheck] = {}
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        for name in _dependency_order(fragments):
            fragment = fragments[name]
            fragment_type = schema.get_type(fragment.type_condition.name.value)
            self._fragments[name] = self._walk(fragment.selection_set, fragment_type)
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root_type = schema.get_root_type(definition.operation)
                if root_type is None:
                    continue  # execution refuses it: the schema has no such root type
                summary = self._walk(definition.selection_set, root_type)
                check = _OperationCheck(
                    summary=summary,
                    root_fields=sum(count for count, _node in summary.keys.values()),
                    variable_defaults=_variable_defaults(definition),
                    cost=None,
                )
                self._operations[id(definition)] = check

    def errors(
        self, operation: OperationDefinitionNode, variables: dict | None, limits: QueryLimits
    ) -> list[GraphQLError]:
        """Why ``operation`` may not run with ``variables``; empty when it may."""
        check = self._operations.get(id(operation))
        if check is None:
            return []
        summary = check.summary
        errors = shape_errors(
            operation, summary.fields, summary.depth, check.root_fields, summary.repeated, limits
        )
        if errors:
            # Priced only within the limits above, where the figures stay small.
            return errors
        cost = self.cost(operation, variables)
        if cost > limits.max_cost:
            errors.append(cost_error(operation, cost, limits))
        return errors

    def cost(self, operation: OperationDefinitionNode, variables: dict | None = None) -> int:
        check = self._operations[id(operation)]
        if check.cost is not None:
            return check.cost
        cost = self._cost(check, {**check.variable_defaults, **(variables or {})})
        if not check.summary.uses_variables:
            # The same for every request: kept with the cached document.
            check.cost = cost
        return cost

    def _walk(self, selection_set: SelectionSetNode, parent_type: GraphQLNamedType) -> _Summary:
        repeated = (0, None)
        uses_variables = False
        stack = [_Frame(selection_set, parent_type, None)]
        while True:
            frame = stack[-1]
            selection, parent_type = frame.next_selection()
            if selection is None:
                # The selection set is complete: it becomes a record.
                stack.pop()
                record = len(self._records)
                self._records.append(tuple(frame.terms))
                for entry in frame.keys.values():
                    if entry[0] > repeated[0]:
                        repeated = (entry[0], entry[1])
                if not stack:
                    return _Summary(
                        record, frame.depth, frame.fields, frame.keys, repeated, uses_variables
                    )
                parent = stack[-1]
                complexity, items, page, counts_for_depth = frame.owner
                parent.terms.append((_FIELD, complexity, items, page, record))
                parent.fields += frame.fields
                if counts_for_depth:
                    parent.depth = max(parent.depth, frame.depth + 1)
            elif isinstance(selection, FieldNode):
                name = selection.name.value
                frame.fields += 1
                if name != "__typename":
                    _add_selections(frame.keys, name, 1, selection)
                definition = _field_definition(parent_type, name)
                cost = field_cost(parent_type.name, name)
                items = cost.items
                if isinstance(items, Page):
                    items = self._page_size(items, selection, definition)
                    uses_variables |= isinstance(items, _PageArguments)
                elif items != PARENT_PAGE:
                    # Floats only, so that a huge product never meets a fraction as an int.
                    items = float(items)
                page = None
                if cost.page is not None:
                    page = self._page_size(cost.page, selection, definition)
                    uses_variables |= isinstance(page, _PageArguments)
                if selection.selection_set is None:
                    frame.terms.append((_FIELD, cost.complexity, items, page, -1))
                else:
                    owner = (cost.complexity, items, page, not name.startswith("__"))
                    field_type = get_named_type(definition.type)
                    stack.append(_Frame(selection.selection_set, field_type, owner))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None:
                    parent_type = self._schema.get_type(condition.name.value)
                frame.pending.append((iter(selection.selection_set.selections), parent_type))
            else:
                fragment = self._fragments[selection.name.value]
                frame.terms.append((_SPREAD, fragment.record))
                frame.fields += fragment.fields
                frame.depth = max(frame.depth, fragment.depth)
                for name, (count, node) in fragment.keys.items():
                    _add_selections(frame.keys, name, count, node)
                if fragment.repeated[0] > repeated[0]:
                    repeated = fragment.repeated
                uses_variables |= fragment.uses_variables

    @staticmethod
    def _page_size(page: Page, node: FieldNode, definition: GraphQLField):
        """The page size ``node`` asks for: a number, or ``_PageArguments`` to read
        from the variables."""
        default = page.maximum
        for name in page.arguments:
            argument = definition.args.get(name)
            if argument is not None and type(argument.default_value) is int:
                default = argument.default_value
                break
        sources = []
        for argument in node.arguments:
            if argument.name.value not in page.arguments:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                sources.append(int(value.value))
            elif isinstance(value, VariableNode):
                sources.append(value.name.value)
            else:  # null: the resolver's own default or refusal; the largest page
                sources.append(page.maximum)
        if not sources:
            return min(max(default, 1), page.maximum)
        if all(type(source) is int for source in sources):
            return min(max(*sources, 1), page.maximum)
        return _PageArguments(tuple(sources), default, page.maximum)

    def _cost(self, check: _OperationCheck, variables: dict) -> int:
        """One pass over the records up to the operation's: each a pair (constant,
        per item of the page of the field above), fragments before their spreads."""
        records = self._records
        values = []
        for index in range(check.summary.record + 1):
            constant = per_page_item = 0.0
            for term in records[index]:
                if term[0] == _SPREAD:
                    spread_constant, spread_per_page_item = values[term[1]]
                    constant += spread_constant
                    per_page_item += spread_per_page_item
                    continue
                _kind, complexity, items, page, child = term
                selections = 0
                if child >= 0:
                    selections, child_per_page_item = values[child]
                    if child_per_page_item:
                        if page is None:
                            size = CONNECTION_PAGE.maximum
                        elif type(page) is int:
                            size = page
                        else:
                            size = page.size(variables)
                        selections += child_per_page_item * size
                if items == PARENT_PAGE:
                    constant += complexity
                    per_page_item += selections
                else:
                    if isinstance(items, _PageArguments):
                        items = items.size(variables)
                    constant += complexity + items * selections
            values.append((constant, per_page_item))
        constant, per_page_item = values[-1]
        # Floats, for the averages of the cost map; an absurd document could reach
        # infinity, reported as the largest figure JSON can carry exactly.
        return math.ceil(min(constant + per_page_item * CONNECTION_PAGE.maximum, 2.0**53))


def precheck_errors(operation: OperationDefinitionNode, limits: QueryLimits) -> list[GraphQLError]:
    """The limits on fields, depth, root fields and repeats, counted before validation
    in the operation's own selections, fragment spreads not followed.

    These counts are never more than the analysis finds with the spreads expanded,
    so an operation refused here would be refused after validation too; refused
    here, it spares graphql-core's validation, the costliest step for a large flat
    document (a thousand aliased fields). Any document can be walked so, even an
    invalid one: nothing here looks at the schema or follows a fragment."""
    fields, depth, root_fields, repeated = _own_shape(operation.selection_set)
    return shape_errors(operation, fields, depth, root_fields, repeated, limits)


def _own_shape(selection_set: SelectionSetNode) -> tuple:
    """(fields, depth, root fields, most repeated) of the selections written in an
    operation itself, inline fragments flattened into their selection sets."""
    fields = depth = root_fields = 0
    repeated = (0, None)
    # A field's selection set (or the operation's), its depth, whether depth counts.
    stack = [(selection_set, 0, True)]
    is_root = True
    while stack:
        own_set, level, counts_depth = stack.pop()
        keys = {}
        pending = [own_set]
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FieldNode):
                    fields += 1
                    name = selection.name.value
                    if name != "__typename":
                        _add_selections(keys, name, 1, selection)
                    if selection.selection_set is not None:
                        # Introspection is left out of depth, as in the analysis.
                        child_counts = counts_depth and not name.startswith("__")
                        if child_counts:
                            depth = max(depth, level + 1)
                        stack.append((selection.selection_set, level + 1, child_counts))
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
        for entry in keys.values():
            if entry[0] > repeated[0]:
                repeated = (entry[0], entry[1])
        if is_root:
            root_fields = sum(count for count, _node in keys.values())
            is_root = False
    return fields, depth, root_fields, repeated


def _variable_defaults(operation: OperationDefinitionNode) -> dict:
    defaults = {}
    for definition in operation.variable_definitions or ():
        value = definition.default_value
        if isinstance(value, IntValueNode):
            defaults[definition.variable.name.value] = int(value.value)
        elif isinstance(value, NullValueNode):
            defaults[definition.variable.name.value] = None
    return defaults
