"""A service's transaction, without a savepoint where nothing could use it.

A mutation runs its ``perform`` in one block (``whole_block``) that is undone whole on any
exception: nothing catches a service's refusal inside it (every ``perform`` re-raises).
A service entered directly inside such a block needs no savepoint of its own, and
skipping it saves two round trips per mutation (``SAVEPOINT`` and ``RELEASE``). Called
anywhere else (a task, a test, another service), ``@service_transaction`` is
``transaction.atomic``: its own transaction, or a savepoint its caller can roll back to.
Blocks a service opens inside itself (to catch an ``IntegrityError``) keep theirs.
"""

import functools

from django.db import transaction


class _WholeBlock(transaction.Atomic):
    undone_whole = True


def whole_block(using=None) -> transaction.Atomic:
    """``transaction.atomic()`` for a block whose every exception undoes all of it."""
    return _WholeBlock(using, savepoint=True, durable=False)


def service_transaction(function):
    """``@transaction.atomic`` for a service; no savepoint directly inside a ``whole_block``."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        blocks = transaction.get_connection().atomic_blocks
        savepoint = not (blocks and getattr(blocks[-1], "undone_whole", False))
        with transaction.atomic(savepoint=savepoint):
            return function(*args, **kwargs)

    return run
