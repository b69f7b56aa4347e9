"""GraphQL requests generated from the schema itself, for the fuzz test and bench/fuzz_bench.py.

hypothesis-graphql writes the documents: queries and mutations of every root
field, valid ones and ones with one violation of the schema (a wrong argument
type, a missing required argument, an unknown enum value). On top of it:

* the project's own scalars get values, ``ID`` among them: global IDs of
  objects that exist (so resolvers have something to chew on), of the wrong
  type, and junk; ``String`` arguments are now and then a slug or email that
  exists, or text known to break servers (NUL, lone surrogates...);
* some arguments are lifted into variables, so the values arrive as JSON and
  go through variable coercion rather than literal parsing; a lifted value is
  now and then replaced by any JSON at all, lone surrogates included.

``requests(schema, known_ids)`` is the strategy; each example is a
``GeneratedRequest`` with the document, its variables and the role to send it as.
"""

import base64
import datetime
from dataclasses import dataclass

import graphql
import hypothesis_graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

ROLES = ("anonymous", "buyer", "own_staff")

# Dates a client might send, the calendar's ends included (see catalog's certificate checks).
EDGE_DATES = ("0001-01-01", "1970-01-01", "2018-05-06", "2018-05-07", "9999-12-31")
JUNK_TEXT = ("", " ", "null", "0", "-1", "2025-13-45", "2025-02-30", "9999-99-99", "∞", "\x00")
# Text that has broken servers: NUL (PostgreSQL refuses it), lone surrogates (UTF-8
# cannot encode them), bidi overrides, zero-width and combining characters, LIKE's
# wildcards, quotes, full-width letters, and a long one.
NASTY_TEXT = (
    "\x00",
    "a\x00b",
    "\udcff",
    "\ud800x",
    "Nho \u202egnp.exe\u202c sấy",
    "\u200b\u200b",
    "e\u0301",
    "%",
    "_",
    "\\",
    "' OR 1=1 --",
    "ＮＨＯ",
    "x" * 5000,
)


@dataclass(frozen=True)
class GeneratedRequest:
    query: str
    variables: dict
    role: str

    def body(self) -> dict:
        return {"query": self.query, "variables": self.variables}


def _text_nodes(values) -> st.SearchStrategy:
    return st.sampled_from(values).map(nodes.String)


def _dates() -> st.SearchStrategy:
    return st.one_of(
        st.dates().map(lambda day: nodes.String(day.isoformat())),
        _text_nodes(EDGE_DATES),
        _text_nodes(JUNK_TEXT),
    )


def _datetimes() -> st.SearchStrategy:
    return st.one_of(
        st.datetimes(timezones=st.sampled_from([datetime.UTC, None])).map(
            lambda moment: nodes.String(moment.isoformat())
        ),
        _text_nodes(JUNK_TEXT),
    )


# Quantities (kilograms, hectares, degrees) a client might send, odd ones included.
EDGE_DECIMALS = ("0", "-1", "0.0005", "1e3", "NaN", "Infinity", "999999999999.999", "12,5")


def _decimals() -> st.SearchStrategy:
    return st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=3).map(
            lambda number: nodes.String(str(number))
        ),
        _text_nodes(EDGE_DECIMALS),
        _text_nodes(JUNK_TEXT),
    )


GRAPHQL_NAMES = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,8}\Z")


def _generic_values() -> st.SearchStrategy:
    leaves = st.one_of(
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.text(max_size=20).map(nodes.String),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    )

    def object_node(pairs):
        return nodes.Object(
            [
                graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)
                for name, value in pairs
            ]
        )

    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(nodes.List),
            st.lists(st.tuples(GRAPHQL_NAMES, children), max_size=4).map(object_node),
        ),
        max_leaves=12,
    )


def _ids(known_ids) -> st.SearchStrategy:
    def global_id(pair):
        type_name, raw = pair
        return base64.b64encode(f"{type_name}:{raw}".encode()).decode()

    type_names = ["Product", "ProductVariant", "Category", "Seller", "OcopCertificate", "User"]
    return st.one_of(
        st.sampled_from(sorted(known_ids)).map(nodes.String),
        st.tuples(
            st.sampled_from(type_names),
            st.one_of(st.integers().map(str), st.text(max_size=12)),
        )
        .map(global_id)
        .map(nodes.String),
        st.text(max_size=24).map(nodes.String),
        st.sampled_from(NASTY_TEXT).map(nodes.String),
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
    )


def _strings(known_texts) -> st.SearchStrategy:
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(NASTY_TEXT),
        st.sampled_from(sorted(known_texts) or [""]),
    ).map(nodes.String)


def custom_scalars(known_ids, known_texts=()) -> dict:
    return {
        "ID": _ids(known_ids),
        "String": _strings(known_texts),
        "Date": _dates(),
        "DateTime": _datetimes(),
        "Decimal": _decimals(),
        "GenericScalar": _generic_values(),
        # A file cannot be written into a document; the schema must say so, typed.
        "Upload": st.one_of(st.just(nodes.Null), st.text(max_size=8).map(nodes.String)),
    }


def any_json() -> st.SearchStrategy:
    # Lone surrogates too: JSON's \ud800 escapes reach Python as such.
    strings = st.text(st.characters(exclude_categories=()), max_size=20)
    return st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            strings,
        ),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=10), children, max_size=4),
        ),
        max_leaves=12,
    )


def _type_node(type_: graphql.GraphQLInputType) -> graphql.TypeNode:
    return graphql.parse_type(str(type_))


def lift_arguments(
    draw, schema: graphql.GraphQLSchema, document: graphql.DocumentNode
) -> tuple[graphql.DocumentNode, dict]:
    """Move some field arguments of ``document`` into variables; returns it and their values."""
    schema_type_info = graphql.TypeInfo(schema)
    definitions: list[graphql.VariableDefinitionNode] = []
    values: dict = {}

    class Lift(graphql.Visitor):
        def enter_argument(self, node, *_args):
            argument = schema_type_info.get_argument()
            if argument is None or not draw(st.booleans()):
                return None
            name = f"v{len(definitions)}"
            definitions.append(
                graphql.VariableDefinitionNode(
                    variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
                    type=_type_node(argument.type),
                )
            )
            values[name] = graphql.value_from_ast_untyped(node.value)
            return graphql.ArgumentNode(
                name=node.name, value=graphql.VariableNode(name=graphql.NameNode(value=name))
            )

    document = graphql.visit(document, graphql.TypeInfoVisitor(schema_type_info, Lift()))
    operation = document.definitions[0]
    operation.variable_definitions = tuple(definitions)
    # One request in four has one variable that is any JSON at all; more would
    # leave few requests that get past variable coercion to the resolvers.
    if values and draw(st.integers(0, 3)) == 0:
        values[draw(st.sampled_from(sorted(values)))] = draw(any_json())
    return document, values


def requests(schema: graphql.GraphQLSchema, known_ids, known_texts=()) -> st.SearchStrategy:
    """Requests as one of ``ROLES``, from valid and once-invalid documents of ``schema``.

    ``known_ids`` are global IDs of objects that exist; ``known_texts`` strings
    that find something (slugs, emails), used now and then for ``String`` arguments.
    """
    scalars = custom_scalars(known_ids, known_texts)
    documents = st.one_of(
        hypothesis_graphql.from_schema(schema, custom_scalars=scalars, print_ast=lambda node: node),
        hypothesis_graphql.from_schema(
            schema,
            custom_scalars=scalars,
            print_ast=lambda node: node,
            mode=hypothesis_graphql.Mode.NEGATIVE,
        ),
    )

    @st.composite
    def build(draw):
        document, variables = lift_arguments(draw, schema, draw(documents))
        return GeneratedRequest(
            query=graphql.print_ast(document),
            variables=variables,
            role=draw(st.sampled_from(ROLES)),
        )

    return build()
