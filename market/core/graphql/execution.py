"""Where the project leans on graphql-sync-dataloaders' internals, in one place.

graphene-django executes synchronously, so batching needs the execution context
and the ``SyncDataLoader`` of graphql-sync-dataloaders 0.1.1, whose last release
was in 2022. No maintained replacement exists: graphql-core 3.2 has no lazy
values of its own (its lazy-evaluation proposal, graphql-core pull request 155,
was never merged), ``aiodataloader`` and Strawberry's loaders need an event
loop, and the ``promise`` library of graphene 2 is unmaintained and unknown to
graphql-core 3. Two gaps are filled here, each pinned by
tests/core/test_dataloader_patch.py so that an upgrade changing them fails
loudly:

- the library's ``DeferredExecutionContext`` calls
  ``handle_field_error(error, return_type)``, while graphql-core 3.2.14 also
  requires the field's path: every resolver error (a refused permission, a bad
  ID) became a ``TypeError`` that failed the whole request (see the library's
  open issue 3 on error handling, 2022);
- ``SyncDataLoader`` has no public priming API (the JavaScript DataLoader's
  ``prime``); ``prime`` writes its cache, which maps keys to futures.
"""

from graphql.pyutils import Path
from graphql_sync_dataloaders import DeferredExecutionContext, SyncDataLoader, SyncFuture


class BatchingExecutionContext(DeferredExecutionContext):
    """``DeferredExecutionContext`` whose field errors become errors of their field,
    with its path, as graphql-core reports them without batching."""

    def handle_field_error(self, error, return_type, path=None):
        if path is None:
            # The library passes no path, but has located the error at its field.
            for key in error.path or ():
                path = Path(path, key, None)
        return super().handle_field_error(error, return_type, path)


def prime(loader: SyncDataLoader, key, value) -> None:
    """Store a value another query already fetched, so that loading it costs nothing.

    A key already loaded or primed keeps its value, as DataLoader's ``prime`` does.
    """
    if key in loader._cache:
        return
    future = SyncFuture()
    future.set_result(value)
    loader._cache[key] = future
