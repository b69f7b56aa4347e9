"""The README's checkout example is true of the demo data: its six requests, sent in order,
give the answers printed there.

The README shows the IDs a fresh ``make run`` gives (primary keys from 1, in the demo's
loading order); here the same objects have other keys, so each README ID is mapped to the
object of the same rank. Tokens are new on every run and an order's number counts the
year's orders: those are compared by form.
"""

import json
import re
import uuid
from pathlib import Path

import pytest
from graphql_relay import from_global_id, to_global_id

from catalog.models import Category, Product, ProductVariant
from market.checkout.models import ShippingMethod
from market.demo.loader import load_demo
from market.sellers.models import Seller

README = Path(__file__).resolve().parents[2] / "README.md"
STEP = re.compile(
    r"```graphql\n(?P<query>.*?)\n```\s*```json\n(?P<variables>.*?)\n```.*?"
    r"```json\n(?P<answer>.*?)\n```",
    re.S,
)
MODELS = {"ProductVariant": ProductVariant, "Seller": Seller, "ShippingMethod": ShippingMethod}
ORDER_NUMBER = re.compile(r"^OCOP-\d{4}-\d{6}(?P<part>-\d+)?$")

pytestmark = pytest.mark.django_db


def steps() -> list[tuple[str, dict, dict]]:
    section = README.read_text(encoding="utf-8").split("## Checkout example", 1)[1]
    section = section.split("\n## ", 1)[0]  # the payment example: test_readme_payment.py
    return [
        (m["query"], json.loads(m["variables"]), json.loads(m["answer"]))
        for m in STEP.finditer(section)
    ]


def id_map() -> dict[str, str]:
    """Each global ID a fresh install gives these objects → the ID they have here."""
    mapped = {}
    for type_name, model in MODELS.items():
        for rank, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True), 1):
            mapped[to_global_id(type_name, rank)] = to_global_id(type_name, pk)
    return mapped


def translated(value, ids: dict[str, str], token: str | None):
    """README values as this database has them: IDs mapped, the checkout's token ours."""
    if isinstance(value, dict):
        return {
            key: token if key == "token" and token else translated(item, ids, token)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [translated(item, ids, token) for item in value]
    if isinstance(value, str) and value in ids:
        return ids[value]
    return value


def by_form(value):
    """Tokens and order numbers replaced by what they must look like."""
    if isinstance(value, dict):
        return {key: _form(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [by_form(item) for item in value]
    return value


def _form(key: str, value):
    if key in ("token", "orderToken") and isinstance(value, str):
        return "<uuid4>" if uuid.UUID(value).version == 4 else value
    if key == "number" and isinstance(value, str) and ORDER_NUMBER.match(value):
        return "OCOP-<year>-<count>" + (ORDER_NUMBER.match(value)["part"] or "")
    return by_form(value)


def test_the_readme_has_the_six_steps():
    assert len(steps()) == 6
    for query, _variables, _answer in steps():
        assert query.startswith("mutation ")


def test_the_checkout_example_answers_as_printed(graphql, settings, mailoutbox):
    settings.ELASTICSEARCH_URL = None  # the demo's embedded default
    settings.STRIPE_API_BASE = None  # nor is a Stripe server: no card payments offered
    # The demo data alone, whatever earlier tests committed (rolled back with the test).
    Product.objects.all().delete()
    Seller.objects.all().delete()
    while Category.objects.exists():
        Category.objects.filter(children__isnull=True).delete()
    load_demo()
    ids = id_map()
    assert from_global_id(ids[to_global_id("Seller", 1)])[0] == "Seller"

    token = None
    for query, variables, answer in steps():
        status, body = graphql(query, translated(variables, ids, token))
        assert status == 200, body
        assert by_form(body) == by_form(translated(answer, ids, None)), query.split("(")[0]
        payload = next(iter(body["data"].values()))
        token = token or payload["checkout"]["token"]
