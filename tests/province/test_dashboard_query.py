"""``provinceDashboard`` through /graphql/: who may read it, what it answers, what it
refuses. The figures themselves are tested in ``test_figures*``; here the numbers that
depend only on the period (sales, payments, sellers) are checked through the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from market.orders.models import Order
from tests.conftest import ROLES
from tests.province.figures_world import (
    PHAN_RANG,
    PHUOC_HAU,
    build_world,
    local,
    order_with_parts,
)

pytestmark = pytest.mark.django_db

SHARE = "{ part whole ratio target meetsTarget }"
DASHBOARD = f"""
query Dashboard($period: ProvincePeriodInput!, $filters: ProvinceDashboardFilterInput) {{
  provinceDashboard(period: $period, filters: $filters) {{
    period {{ start end }}
    filters {{ ward formerDistrict productGroup stars sellerKind }}
    computedAt
    ocop {{
      inRegistry listed onSale onSaleShare {SHARE}
      byStars {{ key inRegistry listed onSale }}
      byGroup {{ key inRegistry listed onSale }}
      expiringSoon unmatched
    }}
    traceability {{
      agriculturalPublished originVerified verifiedShare {SHARE}
      areasByStatus {{ key count }}
      lotsWithOpenViolations areasSuspendedInPeriod
    }}
    sales {{
      orders value {{ amount currency }}
      bySellerKind {{ key orders value {{ amount }} }}
      paidOrders paidValue {{ amount currency }}
      cashlessCountShare {SHARE}
      cashlessValueShare {SHARE}
      byMethod {{ key orders value {{ amount }} }}
      refunds refundedValue {{ amount }}
    }}
    sellers {{
      active activeByKind {{ key count }} activeByWard {{ key count }} withoutProductOnSale
    }}
    trend {{
      month onSaleShare {SHARE} verifiedShare {SHARE}
      cashlessCountShare {SHARE} cashlessValueShare {SHARE}
    }}
    wards {{
      ward formerDistrict activeSellers inRegistry onSale onSaleShare {SHARE}
      verifiedShare {SHARE} paidOrders cashlessCountShare {SHARE}
    }}
  }}
}}
"""
DECEMBER = {"start": "2026-12-01", "end": "2026-12-31"}
REFUSED = {
    "anonymous": "AUTHENTICATION_REQUIRED",
    "buyer": "PERMISSION_DENIED",
    "other_staff": "PERMISSION_DENIED",
    "own_staff": "PERMISSION_DENIED",
    "own_owner": "PERMISSION_DENIED",
}


@pytest.fixture
def ask(graphql, auth_headers, roles):
    def run(role="auditor", period=None, filters=None):
        variables = {"period": period or DECEMBER}
        if filters is not None:
            variables["filters"] = filters
        return graphql(DASHBOARD, variables, **auth_headers(roles[role]))

    return run


def _error(body) -> tuple:
    assert body.get("data") is None, body
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("field")


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(ask, role):
    status, body = ask(role)

    assert status == 200
    if role in REFUSED:
        assert _error(body) == (REFUSED[role], None)
        assert "Traceback" not in str(body)
    else:
        assert "errors" not in body, body
        assert body["data"]["provinceDashboard"]["period"] == DECEMBER


def test_the_answer_of_the_hand_counted_world(ask):
    build_world()

    _, body = ask("operator")

    board = body["data"]["provinceDashboard"]
    sales = board["sales"]
    assert (sales["orders"], sales["value"]) == (4, {"amount": 540_000, "currency": "VND"})
    assert sales["paidOrders"] == 3
    assert sales["cashlessCountShare"] == {
        "part": 2,
        "whole": 3,
        "ratio": pytest.approx(2 / 3),
        "target": 0.5,
        "meetsTarget": True,
    }
    assert sales["cashlessValueShare"]["part"] == 340_000
    assert {row["key"]: row["orders"] for row in sales["byMethod"]} == {
        "vnpay": 1,
        "momo": 0,
        "vietqr": 1,
        "card": 0,
        "cod": 1,
    }
    assert (sales["refunds"], sales["refundedValue"]["amount"]) == (2, 540_000)
    # S1, S2, S4, and the two sellers of the ``roles`` fixture (no address).
    sellers = board["sellers"]
    assert sellers["active"] == 5
    assert {row["key"]: row["count"] for row in sellers["activeByWard"]} == {
        "": 3,
        PHAN_RANG: 1,
        PHUOC_HAU: 1,
    }
    assert [month["month"] for month in board["trend"]] == ["2026-12-01"]
    assert [row["ward"] for row in board["wards"]] == [PHAN_RANG, PHUOC_HAU, ""]
    assert board["traceability"]["areasSuspendedInPeriod"] == 2


def test_an_empty_period_answers_zeros_and_null_ratios(ask):
    _, body = ask(period={"start": "2025-03-01", "end": "2025-03-31"})

    board = body["data"]["provinceDashboard"]
    assert board["sales"]["orders"] == 0
    assert board["sales"]["cashlessCountShare"] == {
        "part": 0,
        "whole": 0,
        "ratio": None,
        "target": 0.5,
        "meetsTarget": None,
    }
    # A past month nobody recorded: no stock figure.
    assert board["trend"][0]["onSaleShare"] is None
    assert board["ocop"]["onSaleShare"]["ratio"] is None


def test_money_passes_32_bits(ask, roles):
    seller = roles["seller"]
    from tests.orders.factories import stocked_variant

    variant = stocked_variant(seller=seller)
    order_with_parts(
        "BIG",
        local(2026, 12, 2, 9),
        status=Order.Status.PLACED,
        method="vietqr",
        payment_status=Order.PaymentStatus.PAID,
        parts=[(seller, variant, 3_000_000_000)],
    )

    _, body = ask()

    sales = body["data"]["provinceDashboard"]["sales"]
    assert sales["value"]["amount"] == 3_000_000_000
    assert sales["cashlessValueShare"]["whole"] == 3_000_000_000


def test_filters_narrow_and_are_echoed_cleaned(ask):
    build_world()

    _, body = ask(
        filters={
            "ward": f"  {PHAN_RANG} ",
            "productGroup": "FOOD",
            "stars": 5,
            "sellerKind": "HOUSEHOLD",
        }
    )

    board = body["data"]["provinceDashboard"]
    assert board["filters"] == {
        "ward": PHAN_RANG,
        "formerDistrict": "",
        "productGroup": "food",
        "stars": 5,
        "sellerKind": "household",
    }
    # O1's S2 part: P3, 5★ food, paid by VNPay.
    assert (board["sales"]["orders"], board["sales"]["value"]["amount"]) == (1, 100_000)


def test_a_ward_in_decomposed_unicode_finds_the_composed_one(ask):
    import unicodedata

    build_world()

    _, body = ask(filters={"ward": unicodedata.normalize("NFD", PHUOC_HAU)})

    board = body["data"]["provinceDashboard"]
    assert board["filters"]["ward"] == PHUOC_HAU
    assert board["sales"]["orders"] == 2


@pytest.mark.parametrize(
    ("period", "filters", "expected"),
    [
        ({"start": "2026-12-31", "end": "2026-12-01"}, None, ("INVALID", "period.end")),
        ({"start": "2024-01-01", "end": "2027-01-01"}, None, ("INVALID", "period.end")),
        ({"start": "1900-01-01", "end": "1900-01-31"}, None, ("INVALID", "period.start")),
        ({"start": "2026-12-01", "end": "9999-12-31"}, None, ("INVALID", "period.end")),
        (DECEMBER, {"stars": 7}, ("INVALID", "filters.stars")),
        (DECEMBER, {"stars": 2}, ("INVALID", "filters.stars")),
        (DECEMBER, {"ward": "Phan\u202eRang"}, ("INVALID_TEXT", "filters.ward")),
        (DECEMBER, {"ward": "Phan\nRang"}, ("INVALID_TEXT", "filters.ward")),
        (DECEMBER, {"formerDistrict": "x" * 101}, ("INVALID", "filters.formerDistrict")),
    ],
)
def test_bad_input_is_refused_with_the_field_at_fault(ask, period, filters, expected):
    status, body = ask(period=period, filters=filters)

    assert status == 200
    assert _error(body) == expected


@pytest.mark.parametrize(
    ("period", "filters"),
    [
        ({"start": "2026-02-30", "end": "2026-03-01"}, None),
        ({"start": "yesterday", "end": "2026-03-01"}, None),
        ({"start": "2026-02-01"}, None),
        (DECEMBER, {"productGroup": "WEAPONS"}),
        (DECEMBER, {"sellerKind": "GOVERNMENT"}),
        (DECEMBER, {"stars": "four"}),
    ],
)
def test_malformed_input_is_refused_before_running(ask, period, filters):
    _, body = ask(period=period, filters=filters)

    assert _error(body) == ("GRAPHQL_VALIDATION_FAILED", None)


def test_bad_input_of_a_refused_caller_is_refused_for_the_role_first(ask):
    _, body = ask("buyer", period={"start": "2026-12-31", "end": "2026-12-01"})

    assert _error(body) == ("PERMISSION_DENIED", None)


def test_the_query_costs_the_same_for_two_months_and_twelve(ask):
    build_world()
    counts = []
    # Both reach back past this month, so both read the months' records once.
    for period in (
        {"start": "2026-11-01", "end": "2026-12-31"},
        {"start": "2026-01-01", "end": "2026-12-31"},
    ):
        with CaptureQueriesContext(connection) as queries:
            _, body = ask(period=period)
        assert "errors" not in body, body
        counts.append(len(queries))

    assert counts[0] == counts[1]
