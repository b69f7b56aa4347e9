"""The settlement ledger against a hand-counted world (``tests/payments/ledger_world``):
the selectors' figures, the GraphQL ``sellerStatement`` and who may read it."""

from datetime import date

import pytest
from graphql_relay import to_global_id

from payments import ledger
from payments.models import TransactionEvent
from tests.payments.ledger_world import (
    A_FEBRUARY_LINES,
    A_FEBRUARY_TOTALS,
    A_JANUARY_LINES,
    A_JANUARY_TOTALS,
    B_JANUARY_LINES,
    B_JANUARY_TOTALS,
    FEBRUARY,
    FIGURES,
    JANUARY,
    MARCH,
    RATES,
    STATEMENT,
    ZERO_TOTALS,
    build_world,
    graphql_figures,
    variables,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(roles, settings):
    settings.MARKETPLACE_COMMISSION_RATES = RATES
    settings.PAYMENT_METHODS = ["cod", "vnpay", "vietqr"]
    return build_world(roles)


def statement_of(seller, period) -> ledger.Statement:
    return ledger.Statement(seller, ledger.period_checked(*period))


def lines_by_name(world, statement: ledger.Statement) -> dict[str, dict]:
    names = {part.pk: name for name, part in world.parts.items()}
    return {
        names[line.seller_order.pk]: {figure: getattr(line, figure) for figure in FIGURES}
        for line in statement.every_line
    }


def totals_of(statement: ledger.Statement) -> dict:
    totals = statement.totals
    return {"count": totals.count, **{figure: getattr(totals, figure) for figure in FIGURES}}


def ask(graphql, auth_headers, user, seller, period, **extra):
    status, body = graphql(STATEMENT, variables(seller, period, **extra), **auth_headers(user))
    assert status == 200
    return body


def graphql_lines(body) -> list[dict]:
    return [edge["node"] for edge in body["data"]["sellerStatement"]["lines"]["edges"]]


# The selectors --------------------------------------------------------------------------


def test_seller_a_january_is_counted_by_hand(world):
    statement = statement_of(world.seller_a, JANUARY)

    assert statement.commission_rate == 300
    assert lines_by_name(world, statement) == A_JANUARY_LINES
    assert list(lines_by_name(world, statement)) == list(A_JANUARY_LINES)
    assert totals_of(statement) == A_JANUARY_TOTALS


def test_seller_b_of_another_kind_pays_the_default_rate(world):
    statement = statement_of(world.seller_b, JANUARY)

    assert statement.commission_rate == 500
    assert lines_by_name(world, statement) == B_JANUARY_LINES
    assert list(lines_by_name(world, statement)) == list(B_JANUARY_LINES)
    assert totals_of(statement) == B_JANUARY_TOTALS


def test_a_refund_in_a_later_period_gives_the_commission_back_there(world):
    statement = statement_of(world.seller_a, FEBRUARY)

    assert list(lines_by_name(world, statement)) == ["A5", "A4"]
    assert lines_by_name(world, statement) == A_FEBRUARY_LINES
    assert totals_of(statement) == A_FEBRUARY_TOTALS
    # Over both months, A5 nets to nothing: paid, refunded, commission and all.
    both = statement_of(world.seller_a, (JANUARY[0], FEBRUARY[1]))
    assert lines_by_name(world, both)["A5"] == dict.fromkeys(FIGURES, 0) | {
        "goods": 85_050,
        "shipping": 30_000,
        "paid": 115_050,
        "refunded": 115_050,
    }


def test_the_period_is_in_vietnam_time(world):
    # O4 was paid at 00:30 on 1 February in Vietnam, still 31 January in UTC.
    paid_at = ledger.statement_lines(world.seller_a.pk, ledger.period_checked(*FEBRUARY)).get(
        pk=world.parts["A4"].pk
    )
    assert paid_at.ledger_paid_at.astimezone(ledger.VIETNAM).date() == date(2026, 2, 1)
    assert paid_at.ledger_paid_at.date() == date(2026, 1, 31)
    last_day_of_january = statement_of(world.seller_a, (JANUARY[1], JANUARY[1]))
    assert totals_of(last_day_of_january) == ZERO_TOTALS
    first_day_of_february = statement_of(world.seller_a, (FEBRUARY[0], FEBRUARY[0]))
    assert [part.pk for part in first_day_of_february.lines] == [world.parts["A4"].pk]


def test_what_is_not_the_sellers_is_not_counted(world):
    counted = {part.pk for part in statement_of(world.seller_a, (JANUARY[0], MARCH[1])).lines}
    counted |= {part.pk for part in statement_of(world.seller_b, (JANUARY[0], MARCH[1])).lines}

    # The unpaid order and the cash on delivery not collected.
    for name in ("A6", "B2"):
        assert world.parts[name].pk not in counted, name
    # The operator's refund of O3's payment was made, named no part, and is on no line:
    # seller B's refunds are B3's alone.
    operator_refund = TransactionEvent.objects.get(
        payment__order=world.orders["O3"], kind="refund", amount=5_000
    )
    assert operator_refund.request_reference == f"{operator_refund.payment.reference}R2"
    assert totals_of(statement_of(world.seller_b, JANUARY))["refunded"] == 430_020
    assert totals_of(statement_of(world.seller_a, JANUARY))["refunded"] == 115_050


def test_a_part_cancelled_before_its_order_was_paid_nets_to_nothing(world):
    a7 = lines_by_name(world, statement_of(world.seller_a, JANUARY))["A7"]

    # The buyer paid the order's total, A7's share included, and had it back.
    assert world.parts["A7"].status == "cancelled"
    assert (a7["paid"], a7["refunded"], a7["commission"], a7["owed"]) == (115_050, 115_050, 0, 0)


def test_an_empty_period_is_all_zeros(world):
    statement = statement_of(world.seller_a, MARCH)

    assert list(statement.lines) == []
    assert totals_of(statement) == ZERO_TOTALS


def test_a_seller_without_any_order_is_all_zeros(roles, settings):
    settings.MARKETPLACE_COMMISSION_RATES = RATES
    statement = statement_of(roles["seller"], JANUARY)

    assert totals_of(statement) == ZERO_TOTALS


def test_the_rate_is_read_from_settings_when_computed(world, settings):
    settings.MARKETPLACE_COMMISSION_RATES = {"default": 1_000, "cooperative": 0}

    assert totals_of(statement_of(world.seller_a, JANUARY))["commission"] == 0
    # 10 %: 23,001 + 23,001 on B1 and B7, nothing kept of B3.
    assert totals_of(statement_of(world.seller_b, JANUARY))["commission"] == 46_002


# GraphQL --------------------------------------------------------------------------------


def test_the_owner_reads_the_statement_by_graphql(graphql, auth_headers, roles, world):
    body = ask(graphql, auth_headers, roles["own_owner"], world.seller_a, JANUARY, first=10)

    assert "errors" not in body, body
    statement = body["data"]["sellerStatement"]
    assert statement["seller"]["name"] == world.seller_a.name
    assert statement["period"] == {"from": "2026-01-01", "to": "2026-01-31"}
    assert statement["commissionRate"] == 300
    totals = statement["totals"]
    assert {"count": totals["lineCount"], **graphql_figures(totals)} == A_JANUARY_TOTALS
    nodes = graphql_lines(body)
    assert statement["lines"]["totalCount"] == 5
    assert [node["number"] for node in nodes] == [
        world.parts[name].number for name in A_JANUARY_LINES
    ]
    assert [graphql_figures(node) for node in nodes] == list(A_JANUARY_LINES.values())
    a2 = nodes[2]
    assert a2["orderNumber"] == world.orders["O2"].number
    assert a2["paymentMethod"] == "cod"
    assert a2["status"] == "DELIVERED"
    assert a2["sellerOrder"]["number"] == a2["number"]
    assert a2["paidAt"].startswith("2026-01-20T10:00:00")  # 17:00 in Vietnam
    assert statement["csvUrl"].startswith("/payments/statement.csv?seller=")
    assert statement["xlsxUrl"].startswith("/payments/statement.xlsx?seller=")


def test_lines_are_paged_and_the_totals_stay_whole(graphql, auth_headers, roles, world):
    owner = roles["own_owner"]
    first = ask(graphql, auth_headers, owner, world.seller_a, JANUARY, first=3)
    page = first["data"]["sellerStatement"]["lines"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = ask(
        graphql,
        auth_headers,
        owner,
        world.seller_a,
        JANUARY,
        first=3,
        after=page["pageInfo"]["endCursor"],
    )

    numbers = [node["number"] for node in graphql_lines(first) + graphql_lines(rest)]
    assert numbers == [world.parts[name].number for name in A_JANUARY_LINES]
    assert rest["data"]["sellerStatement"]["lines"]["pageInfo"]["hasNextPage"] is False
    assert rest["data"]["sellerStatement"]["totals"]["lineCount"] == 5


def test_an_operator_reads_any_sellers_statement(graphql, auth_headers, roles, world):
    body = ask(graphql, auth_headers, roles["operator"], world.seller_b, JANUARY, first=10)

    assert "errors" not in body, body
    totals = body["data"]["sellerStatement"]["totals"]
    assert {"count": totals["lineCount"], **graphql_figures(totals)} == B_JANUARY_TOTALS
    assert [graphql_figures(node) for node in graphql_lines(body)] == list(B_JANUARY_LINES.values())


def test_an_empty_period_answers_zeros(graphql, auth_headers, roles, world):
    body = ask(graphql, auth_headers, roles["own_owner"], world.seller_a, MARCH, first=10)

    statement = body["data"]["sellerStatement"]
    assert statement["lines"]["totalCount"] == 0
    assert statement["lines"]["edges"] == []
    totals = statement["totals"]
    assert {"count": totals["lineCount"], **graphql_figures(totals)} == ZERO_TOTALS


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "AUTHENTICATION_REQUIRED"),
        ("buyer", "PERMISSION_DENIED"),
        # A seller's staff do not read its money: its owners do.
        ("own_staff", "PERMISSION_DENIED"),
        ("other_staff", "PERMISSION_DENIED"),
        ("other_owner", "PERMISSION_DENIED"),
        # The department audits traceability records, not sellers' settlements.
        ("auditor", "PERMISSION_DENIED"),
    ],
)
def test_others_are_refused(graphql, auth_headers, roles, world, who, code):
    user = world.owner_b if who == "other_owner" else roles[who]
    body = ask(graphql, auth_headers, user, world.seller_a, JANUARY, first=10)

    assert body["data"]["sellerStatement"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]


def test_a_missing_seller_looks_like_another_sellers_except_to_operators(
    graphql, auth_headers, roles, world
):
    missing = type("Missing", (), {"pk": world.seller_b.pk + 1000})()
    refused = ask(graphql, auth_headers, roles["own_owner"], missing, JANUARY, first=1)
    other = ask(graphql, auth_headers, roles["own_owner"], world.seller_b, JANUARY, first=1)
    told = ask(graphql, auth_headers, roles["operator"], missing, JANUARY, first=1)

    assert refused["errors"][0]["extensions"] == other["errors"][0]["extensions"]
    assert refused["errors"][0]["message"] == other["errors"][0]["message"]
    assert told["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "seller"}


@pytest.mark.parametrize(
    ("period", "code"),
    [
        ((date(2026, 2, 1), date(2026, 1, 31)), "INVALID_PERIOD"),
        # 367 days.
        ((date(2025, 1, 1), date(2026, 1, 2)), "INVALID_PERIOD"),
        ((date(9999, 12, 31), date(9999, 12, 31)), "INVALID_PERIOD"),
        ((date(1, 1, 1), date(1, 1, 1)), "INVALID_PERIOD"),
    ],
)
def test_a_bad_period_is_refused(graphql, auth_headers, roles, world, period, code):
    body = ask(graphql, auth_headers, roles["own_owner"], world.seller_a, period, first=1)

    assert body["data"]["sellerStatement"] is None
    assert [error["extensions"] for error in body["errors"]] == [{"code": code, "field": "period"}]


def test_a_whole_year_is_a_period(graphql, auth_headers, roles, world):
    owner = roles["own_owner"]
    year = (date(2025, 3, 1), date(2026, 2, 28))
    leap_year = (date(2024, 1, 1), date(2024, 12, 31))
    year = ask(graphql, auth_headers, owner, world.seller_a, year, first=1)
    leap_year = ask(graphql, auth_headers, owner, world.seller_a, leap_year, first=1)

    # A5, paid and refunded within the year, is one line.
    assert year["data"]["sellerStatement"]["totals"]["lineCount"] == 6
    assert leap_year["data"]["sellerStatement"]["totals"]["lineCount"] == 0


def test_an_id_of_another_type_is_refused(graphql, auth_headers, roles, world):
    status, body = graphql(
        STATEMENT,
        {**variables(world.seller_a, JANUARY), "seller": to_global_id("Product", 1)},
        **auth_headers(roles["operator"]),
    )

    assert status == 200
    assert body["errors"][0]["extensions"] == {"code": "INVALID_ID", "field": "seller"}
