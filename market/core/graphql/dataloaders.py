"""Batching for list fields, so a page costs the same number of queries at any size.

graphene-django executes synchronously; ``graphql-sync-dataloaders`` supplies
a DataLoader and an execution context that resolve deferred loads in batches.
Loaders are cached per request on the GraphQL context, as Saleor does.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import attrgetter

from graphql import FieldNode
from graphql_sync_dataloaders import SyncDataLoader, SyncFuture


class DataLoader(SyncDataLoader):
    """One instance per request and class; subclasses implement ``batch_load``."""

    def __new__(cls, context, *args, **kwargs):
        loaders = getattr(context, "dataloaders", None)
        if loaders is None:
            loaders = context.dataloaders = {}
        key = (cls, *args)
        if key not in loaders:
            loader = super().__new__(cls)
            loader._initialised = False
            loaders[key] = loader
        return loaders[key]

    def __init__(self, context, *args):
        if self._initialised:
            return
        super().__init__(self.batch_load)
        self.context = context
        self._initialised = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A loader without a batch function would fail only when first used.
        if not callable(getattr(cls, "batch_load", None)):
            raise TypeError(f"{cls.__name__} must define batch_load(self, keys) -> list")


class ByKeyLoader(DataLoader):
    """Each key's row, or None: ``rows(keys)`` fetches the rows of all keys in one query,
    ``key_field`` names the attribute that holds a row's key."""

    key_field = "pk"
    rows: Callable[[object, list], Iterable]
    # Set on a loader whose rows are every row of this model by primary key, whoever asks
    # (no viewer's filter): a query selecting only such a row's ``id`` is then answered
    # from the key it already holds, without a query (``load_key``).
    every_row_of = None

    def __init_subclass__(cls, abstract: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        # As for ``batch_load`` above: a loader without ``rows`` fails when it is defined.
        if not abstract and not callable(getattr(cls, "rows", None)):
            raise TypeError(f"{cls.__name__} must define rows(self, keys)")

    def batch_load(self, keys):
        found = {getattr(row, self.key_field): row for row in self.rows(keys)}
        return [found.get(key) for key in keys]


class GroupedByKeyLoader(ByKeyLoader, abstract=True):
    """Each key's list of rows, in the order ``rows(keys)`` gives them; empty for none."""

    def batch_load(self, keys):
        grouped = group_by(self.rows(keys), attrgetter(self.key_field))
        return [grouped.get(key, []) for key in keys]


def selects_id_alone(info) -> bool:
    """Whether the field being resolved asks nothing of its object but ``id`` (and
    ``__typename``), with no fragment or directive."""
    for node in info.field_nodes:
        if node.selection_set is None:
            return False
        for selection in node.selection_set.selections:
            if (
                not isinstance(selection, FieldNode)
                or selection.directives
                or selection.name.value not in ("id", "__typename")
            ):
                return False
    return True


def load_key(info, loader_class: type[ByKeyLoader], key):
    """The row ``key`` through ``loader_class`` (batched), None for None; when the query asks
    only its ``id`` and the loader answers every row (``every_row_of``), an unsaved
    instance holding the key, which answers the same ``id`` without a query."""
    if key is None:
        return None
    if loader_class.every_row_of is not None and selects_id_alone(info):
        return loader_class.every_row_of(pk=key)
    return loader_class(info.context).load(key)


def resolve_related(field: str, loader_class: type[DataLoader]) -> Callable:
    """A resolver for the foreign key ``field``: the object loaded with its root when the
    query selected it, else batched through ``loader_class`` by ``<field>_id``
    (``load_key``); null stays null."""

    def resolve(root, info):
        if getattr(type(root), field).is_cached(root):
            return getattr(root, field)
        return load_key(info, loader_class, getattr(root, f"{field}_id"))

    return resolve


def resolve_by_pk(loader_class: type[DataLoader]) -> Callable:
    """A resolver answering through ``loader_class`` keyed by its root's primary key."""

    def resolve(root, info):
        return loader_class(info.context).load(root.pk)

    return resolve


def then(future, transform: Callable):
    """A future for ``transform(result)``; ``future`` may also be a plain value."""
    if not isinstance(future, SyncFuture):
        return transform(future)
    if future.done():
        return transform(future.result())
    chained = SyncFuture()
    chained.deferred_callback = future.deferred_callback

    def finish():
        try:
            chained.set_result(transform(future.result()))
        except Exception as exc:
            chained.set_exception(exc)

    future.add_done_callback(finish)
    return chained


def gather(futures: list):
    """A future for the list of results of ``futures``."""
    if not futures:
        return []
    results = [None] * len(futures)
    pending = {index for index, future in enumerate(futures) if isinstance(future, SyncFuture)}
    for index, future in enumerate(futures):
        if index not in pending:
            results[index] = future
        elif future.done():
            results[index] = future.result()
            pending.discard(index)
    if not pending:
        return results
    combined = SyncFuture()
    combined.deferred_callback = next(
        (futures[i].deferred_callback for i in pending if futures[i].deferred_callback), None
    )

    def finish(index):
        if combined.done():
            return
        try:
            results[index] = futures[index].result()
        except Exception as exc:
            combined.set_exception(exc)
            return
        pending.discard(index)
        if not pending:
            combined.set_result(results)

    for index in list(pending):
        futures[index].add_done_callback(lambda index=index: finish(index))
    return combined


def group_by(items: Iterable, key: Callable) -> dict:
    grouped = defaultdict(list)
    for item in items:
        grouped[key(item)].append(item)
    return grouped
