"""What market.core.graphql.execution fixes in graphql-sync-dataloaders, pinned.

If an upgrade of graphql-sync-dataloaders or graphql-core changes what these
tests see, the patch must be looked at again: removed if the library fixed its
bug, rewritten if its internals moved.
"""

import pytest
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    execute,
    parse,
)
from graphql_sync_dataloaders import DeferredExecutionContext, SyncDataLoader

from market.core.graphql.execution import BatchingExecutionContext, prime
from market.core.graphql.views import MarketGraphQLView

QUERY = parse("{ items { name secret } }")


class Refused(Exception):
    pass


def _schema(batches: list[list[int]]) -> GraphQLSchema:
    """Items 1 and 2; item 2's name fails inside the batch, every ``secret`` in its
    resolver."""

    def load_names(keys):
        batches.append(list(keys))
        return [Refused(f"no name for {key}") if key == 2 else f"item {key}" for key in keys]

    loader = SyncDataLoader(load_names)

    def refuse(key, info):
        raise Refused(f"secret of {key}")

    item = GraphQLObjectType(
        "Item",
        {
            "name": GraphQLField(GraphQLString, resolve=lambda key, info: loader.load(key)),
            "secret": GraphQLField(GraphQLString, resolve=refuse),
        },
    )
    query = GraphQLObjectType(
        "Query", {"items": GraphQLField(GraphQLList(item), resolve=lambda root, info: [1, 2])}
    )
    return GraphQLSchema(query)


def test_the_endpoint_executes_with_the_patched_context():
    assert MarketGraphQLView.execution_context_class is BatchingExecutionContext


def test_errors_in_batched_and_plain_fields_become_field_errors_with_their_paths():
    batches: list[list[int]] = []

    result = execute(_schema(batches), QUERY, execution_context_class=BatchingExecutionContext)

    assert batches == [[1, 2]]  # one batch for both items
    assert result.data == {
        "items": [{"name": "item 1", "secret": None}, {"name": None, "secret": None}]
    }
    errors = {tuple(error.path): error.message for error in result.errors}
    assert errors == {
        ("items", 0, "secret"): "secret of 1",
        ("items", 1, "name"): "no name for 2",
        ("items", 1, "secret"): "secret of 2",
    }
    assert all(isinstance(error.original_error, Refused) for error in result.errors)


def test_the_library_alone_still_fails_the_whole_request():
    """The bug the patch fixes. When this fails, the library handles field errors
    itself: drop ``BatchingExecutionContext`` and use its context directly."""
    with pytest.raises(TypeError, match="path"):
        execute(_schema([]), QUERY, execution_context_class=DeferredExecutionContext)


def test_a_primed_key_is_loaded_without_a_batch():
    batches: list[list[int]] = []

    def load(keys):
        batches.append(list(keys))
        return [f"loaded {key}" for key in keys]

    loader = SyncDataLoader(load)
    prime(loader, 1, "primed 1")
    prime(loader, 1, "primed again")  # the first value stays, as DataLoader's prime
    loader.load(2)
    loader.dispatch_queue()
    prime(loader, 2, "primed 2")  # nor does priming replace a loaded value

    assert loader.load(1).result() == "primed 1"
    assert loader.load(2).result() == "loaded 2"
    assert batches == [[2]]
