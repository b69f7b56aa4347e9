"""The demo's files: ``data/sellers.csv`` and ``data/catalog.json``, read and checked.

Reading them touches no table; ``check_demo_data`` refuses files that disagree
with each other before ``market.demo.loader`` writes anything.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from market.core.slugs import slugify_name as demo_slug
from market.sellers.models import Seller

DATA_DIR = Path(__file__).resolve().parent / "data"
SELLERS_CSV = DATA_DIR / "sellers.csv"
CATALOG_JSON = DATA_DIR / "catalog.json"

DEMO_CERTIFICATE_PREFIX = "DEMO-"


class DemoDataError(Exception):
    """The demo files disagree with each other, or the database refuses a reset."""


@dataclass(frozen=True)
class ListedSeller:
    """One row of sellers.csv."""

    name: str
    kind: str
    products: tuple[str, ...]
    listed_on: tuple[str, ...]

    @property
    def slug(self) -> str:
        return demo_slug(self.name)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def read_sellers(path: Path = SELLERS_CSV) -> list[ListedSeller]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            ListedSeller(
                name=row["seller_name"].strip(),
                kind=row["seller_kind"].strip(),
                products=_split(row["products"]),
                listed_on=_split(row["listed_on"]),
            )
            for row in csv.DictReader(handle)
        ]


def read_catalog(path: Path = CATALOG_JSON) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def iter_categories(nodes: list[dict], parent: dict | None = None) -> Iterator[tuple[dict, dict]]:
    """(category, parent) pairs, every parent before its children."""
    for node in nodes:
        yield node, parent
        yield from iter_categories(node.get("children", []), node)


def iter_products(catalog: dict) -> Iterator[tuple[dict, dict]]:
    """(seller entry, product entry) pairs of the catalog file."""
    for seller in catalog["sellers"]:
        for product in seller["products"]:
            yield seller, product


# ---------------------------------------------------------------- checks


def check_demo_data(sellers: list[ListedSeller], catalog: dict) -> None:
    """Refuse files that disagree before anything is written.

    The catalog must describe exactly the sellers of the csv, list exactly the
    products the reports name for each (a seller the reports name no product
    for may have invented ones, which say so), and mark every certificate as
    demo; slugs, SKUs and certificate numbers must be unique.
    """
    problems: list[str] = []
    kinds = set(Seller.Kind.values)
    listed = {seller.name: seller for seller in sellers}
    if len(listed) != len(sellers):
        problems.append("sellers.csv names a seller twice")
    described = [entry["name"] for entry in catalog["sellers"]]
    if sorted(described) != sorted(listed):
        missing = sorted(set(listed) - set(described))
        extra = sorted(set(described) - set(listed))
        problems.append(
            f"catalog.json sellers differ from sellers.csv: missing {missing}, extra {extra}"
        )
    for seller in sellers:
        if seller.kind not in kinds:
            problems.append(f"{seller.name}: unknown kind {seller.kind!r}")

    category_names = [node["name"] for node, _ in iter_categories(catalog["categories"])]
    if len(set(map(demo_slug, category_names))) != len(category_names):
        problems.append("two categories share a slug")

    product_slugs: set[str] = set()
    skus: set[str] = set()
    numbers: set[str] = set()
    for entry in catalog["sellers"]:
        row = listed.get(entry["name"])
        named = {product["listed_as"] for product in entry["products"]}
        # A seller the reports name products for has exactly those; one they
        # name none for may have invented ones only (listed_as null).
        if row is not None and named != (set(row.products) if row.products else named & {None}):
            problems.append(
                f"{entry['name']}: products listed as {sorted(map(str, named))}, "
                f"the reports name {sorted(row.products)}"
            )
        if not entry["description"].strip():
            problems.append(f"{entry['name']}: empty description")
        for product in entry["products"]:
            problems.extend(_check_product(product, category_names, product_slugs, skus, numbers))
    if problems:
        raise DemoDataError("Demo data files disagree:\n  " + "\n  ".join(problems))


def _is_whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_product(product, category_names, product_slugs, skus, numbers) -> list[str]:
    problems = []
    name = product["name"]
    slug = demo_slug(name)
    if slug in product_slugs:
        problems.append(f"{name}: slug {slug} is not unique")
    product_slugs.add(slug)
    if product["category"] not in category_names:
        problems.append(f"{name}: unknown category {product['category']!r}")
    if not product["description"].strip() or not product["en"]["name"].strip():
        problems.append(f"{name}: description or English name missing")
    if not product["variants"]:
        problems.append(f"{name}: no variants")
    for variant in product["variants"]:
        if variant["sku"] in skus:
            problems.append(f"{name}: SKU {variant['sku']} is not unique")
        skus.add(variant["sku"])
        if not _is_whole_number(variant["price"]) or variant["price"] <= 0:
            problems.append(f"{variant['sku']}: price must be a positive whole number of VND")
        if not _is_whole_number(variant["stock"]) or variant["stock"] < 0:
            problems.append(f"{variant['sku']}: stock must be a whole number, not negative")
    certificate = product.get("certificate")
    if certificate:
        number = certificate["number"]
        if not number.startswith(DEMO_CERTIFICATE_PREFIX):
            problems.append(f"{name}: certificate {number} does not start with DEMO-")
        if not certificate["issuing_decision"].startswith("DEMO"):
            problems.append(f"{name}: issuing decision of {number} is not marked DEMO")
        if number in numbers:
            problems.append(f"{name}: certificate {number} is not unique")
        numbers.add(number)
    return problems
