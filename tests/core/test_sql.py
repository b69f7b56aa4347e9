"""market.core.sql: the pieces of hand-written SQL."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from market.core.sql import row_lock


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_outside_a_transaction_is_refused_as_the_orm_refuses_it():
    with pytest.raises(TransactionManagementError):
        row_lock(connection, "locked_s")
    with transaction.atomic():
        assert row_lock(connection, "locked_s") == ' FOR UPDATE OF "locked_s"'
