"""Vietnamese tax codes, checked and brought to one stored form (phones:
``market.core.addresses.normalize_phone``).

Each validator returns the normalised value or raises ``ValidationError`` with
a code the GraphQL error enums know (``INVALID_TAX_CODE``).

Tax codes (mã số thuế) are stored in their printed form: ten digits for a
head office (``0100109106``), ten digits, a dash and the three-digit branch
number for a branch (``0100109106-001``). That is how invoices and the
national business register show them, so operators can compare at a glance,
and one form for every input keeps the database's uniqueness constraint
meaningful (``0100109106001`` and ``0100109106-001`` are the same branch).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.vn import mst


def _tax_code_problem(error: stdnum_exceptions.ValidationError) -> str:
    # python-stdnum's own messages are English only.
    if isinstance(error, stdnum_exceptions.InvalidLength):
        return _("it has the wrong number of digits")
    if isinstance(error, stdnum_exceptions.InvalidChecksum):
        return _("its check digit is wrong")
    if isinstance(error, stdnum_exceptions.InvalidFormat):
        return _("it may hold only digits and a dash")
    if isinstance(error, stdnum_exceptions.InvalidComponent):
        return _("part of it is never issued")
    return _("it is not a tax code")


def normalize_tax_code(value: str) -> str:
    """``0100109106``, ``01.00.109.106`` or ``0100109106 - 001`` → printed form."""
    try:
        compact = mst.validate(value)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _(
                "%(value)s is not a valid Vietnamese tax code (10 digits, or 13 for a branch): "
                "%(reason)s."
            ),
            code="INVALID_TAX_CODE",
            params={"value": value, "reason": _tax_code_problem(exc)},
        ) from None
    return mst.format(compact)
