"""Domain errors raised by services and turned into typed GraphQL errors.

Services raise ``django.core.exceptions.ValidationError`` keyed by field with a
``code`` on each error (as Django forms and Saleor do), or one of these when
the problem is not about a single field.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A refusal. ``after_rollback`` is work the refusal itself calls for, which must
    survive the rollback of the caller's transaction (signing a user out everywhere
    after a replayed refresh token): whoever rolls back runs it afterwards, as
    ``market.core.graphql.mutations.BaseMutation`` does."""

    code = "INVALID"
    field: str | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        after_rollback: Callable[[], object] | None = None,
        details: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field
        self.after_rollback = after_rollback
        # Values for the extra fields of an error type that declares them (the variant
        # and the units available of an INSUFFICIENT_STOCK); ignored by the others.
        self.details = details or {}


class DomainErrors(DomainError):
    """Several refusals at once (every line short of stock, not only the first)."""

    def __init__(self, errors: list[DomainError]):
        if not errors:
            raise ValueError("DomainErrors needs at least one error")
        first = errors[0]
        super().__init__(first.message, code=first.code, field=first.field, details=first.details)
        self.errors = list(errors)


class NotFound(DomainError):
    code = "NOT_FOUND"


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"


class InvalidInput(DomainError):
    """Bad input to a read (a filter, a sort, an ID, a page size, a cursor), refused
    before anything runs; ``code`` says which kind (``INVALID`` unless given)."""


class InvalidPagination(InvalidInput):
    code = "INVALID_PAGINATION"


def invalid(field: str, message: str, code: str = "INVALID") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})
