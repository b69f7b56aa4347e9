"""``service_transaction``: no savepoint directly inside a mutation's whole block, the
same ``transaction.atomic`` anywhere else; and every service uses it."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from market.core.errors import DomainError
from market.core.transactions import service_transaction, whole_block
from market.sellers.models import Seller
from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@service_transaction
def rename(seller_id: int, name: str, *, refuse: bool = False) -> None:
    Seller.objects.filter(pk=seller_id).update(name=name)
    if refuse:
        raise DomainError("refused")


def savepoints(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if "SAVEPOINT" in query["sql"]]


def test_a_service_directly_inside_a_whole_block_takes_no_savepoint():
    seller = SellerFactory()
    with CaptureQueriesContext(connection) as queries, whole_block():
        rename(seller.pk, "Một")
        rename(seller.pk, "Hai")

    assert savepoints(queries) == []
    seller.refresh_from_db()
    assert seller.name == "Hai"


def test_a_refusal_inside_a_whole_block_undoes_the_whole_block():
    seller = SellerFactory(name="Trước")

    def both():
        with whole_block():
            rename(seller.pk, "Một")
            rename(seller.pk, "Hai", refuse=True)

    with pytest.raises(DomainError):
        both()

    seller.refresh_from_db()
    assert seller.name == "Trước"


def test_elsewhere_it_keeps_a_savepoint_its_caller_can_roll_back_to():
    seller = SellerFactory(name="Trước")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        rename(seller.pk, "Một")
        with pytest.raises(DomainError):
            rename(seller.pk, "Hai", refuse=True)
        # The caller goes on: only the refused service was undone.
        assert Seller.objects.get(pk=seller.pk).name == "Một"

    assert len(savepoints(queries)) >= 3  # two savepoints, a release and a rollback to one
    seller.refresh_from_db()
    assert seller.name == "Một"


def test_a_service_inside_a_service_keeps_its_savepoint():
    seller = SellerFactory(name="Trước")

    @service_transaction
    def outer():
        rename(seller.pk, "Một")
        with pytest.raises(DomainError):
            rename(seller.pk, "Hai", refuse=True)

    with CaptureQueriesContext(connection) as queries, whole_block():
        outer()

    assert savepoints(queries)
    seller.refresh_from_db()
    assert seller.name == "Một"


def test_no_service_module_decorates_with_transaction_atomic_itself():
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in sorted(root.glob("**/services*/**/*.py")) + sorted(root.glob("**/services.py")):
        if ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    if ast.unparse(decorator) in {"transaction.atomic", "atomic"}:
                        offenders.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    assert offenders == []
