"""The loader bases refuse, when the class is defined, a loader missing what it must say."""

import pytest

from market.core.graphql.dataloaders import ByKeyLoader, DataLoader, GroupedByKeyLoader


def test_a_loader_without_a_batch_function_is_refused_at_definition():
    with pytest.raises(TypeError, match="batch_load"):
        type("NoBatch", (DataLoader,), {"batch_load": None})


@pytest.mark.parametrize("base", [ByKeyLoader, GroupedByKeyLoader])
def test_a_keyed_loader_without_rows_is_refused_at_definition(base):
    with pytest.raises(TypeError, match="rows"):
        type("NoRows", (base,), {})


def test_a_keyed_loader_with_rows_is_accepted():
    loader = type("Rows", (GroupedByKeyLoader,), {"rows": lambda self, keys: []})

    assert loader.key_field == "pk"
