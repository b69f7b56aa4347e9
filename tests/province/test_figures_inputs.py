"""The dashboard's inputs as every reader gives them (the page and exports pass raw text)."""

import unicodedata
from datetime import date

import pytest

from market.core.errors import InvalidInput
from province.figures import Filters, Period
from province.selectors import dashboard_filters, dashboard_period


def _refusal(call, **arguments) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as refused:
        call(**arguments)
    return refused.value.code, refused.value.field


def test_a_period_of_whole_days_up_to_36_months():
    assert dashboard_period(date(2024, 1, 1), date(2026, 12, 31)) == Period(
        date(2024, 1, 1), date(2026, 12, 31)
    )
    assert dashboard_period(date(2026, 12, 1), date(2026, 12, 1)).months() == [date(2026, 12, 1)]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 12, 2), date(2026, 12, 1), "period.end"),
        (date(2024, 1, 1), date(2027, 1, 1), "period.end"),
        (date(1999, 12, 31), date(2000, 1, 31), "period.start"),
        (date(2100, 12, 1), date(2101, 1, 1), "period.end"),
        ("2026-12-01", date(2026, 12, 31), "period.start"),
    ],
)
def test_a_bad_period_is_refused(start, end, field):
    assert _refusal(dashboard_period, start=start, end=end) == ("INVALID", field)


def test_filters_are_cleaned_and_blank_is_all():
    decomposed = unicodedata.normalize("NFD", "  Phước Hậu ")

    assert dashboard_filters(ward=decomposed, product_group=" food ", stars=4) == Filters(
        ward="Xã Phước Hậu", product_group="food", stars=4
    )
    assert dashboard_filters() == Filters()
    assert dashboard_filters(ward="", former_district=None, seller_kind="") == Filters()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"product_group": "weapons"}, ("INVALID", "product_group")),
        ({"product_group": "FOOD"}, ("INVALID", "product_group")),
        ({"seller_kind": "government"}, ("INVALID", "seller_kind")),
        ({"stars": 6}, ("INVALID", "stars")),
        ({"stars": True}, ("INVALID", "stars")),
        ({"stars": "4"}, ("INVALID", "stars")),
        ({"ward": "Phan\u202eRang"}, ("INVALID_TEXT", "ward")),
        ({"ward": "Phan\x00Rang"}, ("INVALID_TEXT", "ward")),
        ({"ward": "Phan\tRang"}, ("INVALID_TEXT", "ward")),
        ({"former_district": "Ninh\u2067Sơn"}, ("INVALID_TEXT", "former_district")),
        ({"ward": "x" * 101}, ("INVALID", "ward")),
    ],
)
def test_bad_filters_are_refused_with_the_field_at_fault(arguments, expected):
    assert _refusal(dashboard_filters, **arguments) == expected
