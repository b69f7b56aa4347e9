from pathlib import Path

from market.core.management.commands.export_schema import DEFAULT_PATH, printed_schema


def test_committed_schema_matches_the_code():
    committed = Path(DEFAULT_PATH).read_text(encoding="utf-8")
    assert committed == printed_schema(), "schema.graphql is stale: run `make schema`"
