"""The example queries in the README give the answers printed there."""

import json
import re
from pathlib import Path

import pytest

from catalog.models import Category, Product
from market.demo.loader import load_demo
from market.sellers.models import Seller

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"```graphql\n(?P<query>.*?)\n```.*?```json\n(?P<answer>.*?)\n```", re.S)


def examples() -> list[tuple[str, dict]]:
    section = README.read_text(encoding="utf-8").split("## Example queries", 1)[1]
    section = section.split("## Checkout example", 1)[0]  # tests/e2e/test_readme_checkout.py
    return [(m["query"], json.loads(m["answer"])) for m in EXAMPLE.finditer(section)]


def test_the_readme_has_three_examples():
    assert len(examples()) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "answer"), examples(), ids=["list", "product", "seller"])
def test_readme_example_answers_as_printed(graphql, query, answer, settings):
    settings.ELASTICSEARCH_URL = None  # the demo's embedded default
    # The answers are those of the demo data alone: start from an empty catalog
    # (rolled back with the test), whatever earlier tests committed.
    Product.objects.all().delete()
    Seller.objects.all().delete()
    while Category.objects.exists():
        Category.objects.filter(children__isnull=True).delete()
    load_demo()

    status, body = graphql(query)

    assert status == 200
    # A cursor ends with the row's primary key, which depends on the database's sequences.
    for result in (body, answer):
        result["data"].get("products", {}).get("pageInfo", {}).pop("endCursor", None)
    assert body == answer
