"""A seller's statement downloaded as CSV and XLSX (``/payments/statement.csv|xlsx``): read
back, the files hold the GraphQL query's figures, with Vietnamese headers and a totals
row; who may download them is who may read the statement."""

import csv
import io
from datetime import datetime
from urllib.parse import urlencode

import openpyxl
import pytest
from graphql_relay import to_global_id

from market.sellers.models import Seller
from payments.ledger import VIETNAM
from tests.payments.ledger_world import (
    A_JANUARY_LINES,
    A_JANUARY_TOTALS,
    FIGURE_FIELDS,
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

# Written out, diacritics and all: the department reads them as they are.
HEADERS = [
    "Mã đơn người bán",
    "Mã đơn hàng",
    "Thời điểm thanh toán",
    "Hình thức thanh toán",
    "Trạng thái",
    "Tiền hàng (VND)",
    "Phí vận chuyển (VND)",
    "Đã thanh toán (VND)",
    "Hoàn tiền (VND)",
    "Hoa hồng sàn (VND)",
    "Phải trả người bán (VND)",
    "Tiền mặt người bán đã thu (VND)",
    "Sàn chuyển cho người bán (VND)",
]
STATUS_LABELS = {"DELIVERED": "Đã giao", "UNCONFIRMED": "Chờ xác nhận", "CANCELLED": "Đã hủy"}
MONEY_COLUMNS = range(5, 13)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(roles, settings):
    settings.MARKETPLACE_COMMISSION_RATES = RATES
    settings.PAYMENT_METHODS = ["cod", "vnpay", "vietqr"]
    return build_world(roles)


def download(client, auth_headers, user, extension: str, params: dict):
    return client.get(f"/payments/statement.{extension}?{urlencode(params)}", **auth_headers(user))


def params_of(seller, period) -> dict:
    first, last = period
    return {
        "seller": to_global_id("Seller", seller.pk),
        "from": first.isoformat(),
        "to": last.isoformat(),
    }


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def graphql_statement(graphql, auth_headers, user, seller, period) -> dict:
    status, body = graphql(STATEMENT, variables(seller, period, first=100), **auth_headers(user))
    assert status == 200
    assert "errors" not in body, body
    return body["data"]["sellerStatement"]


def expected_rows(statement: dict) -> list[list]:
    """The table the files must hold, from the GraphQL answer: Python values."""
    rows = []
    for edge in statement["lines"]["edges"]:
        node = edge["node"]
        figures = graphql_figures(node)
        rows.append(
            [
                node["number"],
                node["orderNumber"],
                datetime.fromisoformat(node["paidAt"]).astimezone(VIETNAM),
                node["paymentMethod"],
                STATUS_LABELS[node["status"]],
                *(figures[figure] for figure in FIGURES),
            ]
        )
    totals = graphql_figures(statement["totals"])
    rows.append(["Tổng cộng", None, None, None, None, *(totals[figure] for figure in FIGURES)])
    return rows


def as_csv_text(row: list) -> list[str]:
    return [
        value.isoformat(timespec="seconds")
        if isinstance(value, datetime)
        else ("" if value is None else str(value))
        for value in row
    ]


def test_the_csv_holds_the_graphql_figures(client, graphql, auth_headers, roles, world):
    owner = roles["own_owner"]
    response = download(client, auth_headers, owner, "csv", params_of(world.seller_a, JANUARY))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv; charset=utf-8")
    assert response["Content-Disposition"] == (
        f'attachment; filename="sao-ke-{world.seller_a.slug}-20260101-20260131.csv"'
    )
    assert "no-cache" in response["Cache-Control"]
    rows = csv_rows(response)
    statement = graphql_statement(graphql, auth_headers, owner, world.seller_a, JANUARY)
    assert rows[0] == HEADERS
    assert rows[1:] == [as_csv_text(row) for row in expected_rows(statement)]
    # And both hold the numbers counted by hand.
    assert [row[0] for row in rows[1:-1]] == [world.parts[name].number for name in A_JANUARY_LINES]
    assert [int(value) for value in rows[-1][5:]] == [A_JANUARY_TOTALS[name] for name in FIGURES]
    # Times are Vietnam time: A2's cash was collected at 17:00 on 20 January.
    assert rows[3][2] == "2026-01-20T17:00:00+07:00"
    assert rows[3][4] == "Đã giao"


def test_the_xlsx_holds_the_graphql_figures(client, graphql, auth_headers, roles, world):
    owner = roles["own_owner"]
    response = download(client, auth_headers, owner, "xlsx", params_of(world.seller_a, JANUARY))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        f'attachment; filename="sao-ke-{world.seller_a.slug}-20260101-20260131.xlsx"'
    )
    workbook = xlsx_workbook(response)
    assert workbook.sheetnames == ["Sao kê", "Thông tin"]
    rows = [list(row) for row in workbook["Sao kê"].iter_rows(values_only=True)]
    statement = graphql_statement(graphql, auth_headers, owner, world.seller_a, JANUARY)
    expected = expected_rows(statement)
    for row in expected:
        # A spreadsheet has no time zones: the cell is the Vietnam wall-clock time.
        if isinstance(row[2], datetime):
            row[2] = row[2].replace(tzinfo=None)
    assert rows[0] == HEADERS
    assert rows[1:] == expected
    assert all(isinstance(row[column], int) for row in rows[1:] for column in MONEY_COLUMNS)
    assert rows[3][2] == datetime(2026, 1, 20, 17, 0, tzinfo=VIETNAM).replace(tzinfo=None)
    about = dict(workbook["Thông tin"].iter_rows(values_only=True))
    assert about["Người bán"] == world.seller_a.name
    assert about["Loại người bán"] == "Hợp tác xã"
    assert about["Từ ngày"].date() == JANUARY[0]
    assert about["Đến ngày"].date() == JANUARY[1]
    assert about["Tỷ lệ hoa hồng (điểm cơ bản)"] == 300


def test_an_empty_period_is_a_header_and_a_row_of_zeros(client, auth_headers, roles, world):
    owner = roles["own_owner"]
    params = params_of(world.seller_a, MARCH)

    rows = csv_rows(download(client, auth_headers, owner, "csv", params))
    sheet = xlsx_workbook(download(client, auth_headers, owner, "xlsx", params))["Sao kê"]

    zeros = ["Tổng cộng", "", "", "", "", *(str(ZERO_TOTALS[name]) for name in FIGURES)]
    assert rows == [HEADERS, zeros]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        HEADERS,
        ["Tổng cộng", None, None, None, None, *([0] * len(FIGURES))],
    ]


def test_a_sellers_own_text_cannot_become_a_formula(client, auth_headers, roles, world):
    Seller.objects.filter(pk=world.seller_a.pk).update(name='=HYPERLINK("http://x.example")')

    response = download(
        client, auth_headers, roles["operator"], "xlsx", params_of(world.seller_a, JANUARY)
    )

    about = dict(xlsx_workbook(response)["Thông tin"].iter_rows(values_only=True))
    assert about["Người bán"] == '\'=HYPERLINK("http://x.example")'


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_who_may_download(client, auth_headers, roles, world, extension):
    params = params_of(world.seller_a, JANUARY)

    def status_of(user, **extra):
        return download(client, auth_headers, user, extension, {**params, **extra}).status_code

    assert status_of(roles["own_owner"]) == 200
    assert status_of(roles["operator"]) == 200
    assert status_of(None) == 401
    for who in ("buyer", "own_staff", "other_staff", "auditor"):
        assert status_of(roles[who]) == 403, who
    # Seller B's owner reads B's statement, not A's.
    assert status_of(world.owner_b) == 403
    assert status_of(world.owner_b, seller=to_global_id("Seller", world.seller_b.pk)) == 200


def test_a_session_cookie_does_not_sign_in(client, roles, world):
    client.force_login(roles["operator"])

    response = client.get(
        f"/payments/statement.csv?{urlencode(params_of(world.seller_a, JANUARY))}"
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_REQUIRED"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_refused_not_taken_for_anonymous(client, roles, world):
    from market.accounts.jwt import ACCESS, REFRESH, encode

    query = urlencode(params_of(world.seller_a, JANUARY))
    owner = roles["own_owner"]

    def code_of(token: str) -> tuple[int, str]:
        response = client.get(
            f"/payments/statement.csv?{query}", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        return response.status_code, response.json()["errors"][0]["extensions"]["code"]

    refresh = encode(user_id=owner.pk, token_type=REFRESH, ttl_seconds=300)["token"]
    assert code_of("not-a-token") == (401, "JWT_INVALID")
    assert code_of(refresh) == (401, "JWT_INVALID")
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    access = encode(user_id=owner.pk, token_type=ACCESS, ttl_seconds=300)["token"]
    assert code_of(access) == (401, "JWT_INVALID")


def test_refusals_are_the_apis_typed_errors(client, auth_headers, roles, world):
    params = params_of(world.seller_a, JANUARY)
    missing = to_global_id("Seller", world.seller_b.pk + 1000)

    def answer(user, **changes):
        response = download(client, auth_headers, user, "csv", {**params, **changes})
        assert response["Content-Type"] == "application/json"
        return response.status_code, response.json()["errors"][0]["extensions"]

    owner, operator = roles["own_owner"], roles["operator"]
    assert answer(owner, seller=missing) == answer(
        owner, seller=to_global_id("Seller", world.seller_b.pk)
    )
    assert answer(owner, seller=missing)[0] == 403
    assert answer(operator, seller=missing) == (404, {"code": "NOT_FOUND", "field": "seller"})
    assert answer(operator, seller="nonsense") == (400, {"code": "INVALID_ID", "field": "seller"})
    assert answer(operator, **{"from": "2026-1-1"}) == (400, {"code": "INVALID", "field": "from"})
    assert answer(operator, to="") == (400, {"code": "INVALID", "field": "to"})
    assert answer(operator, **{"from": "2026-02-01"}) == (
        400,
        {"code": "INVALID_PERIOD", "field": "period"},
    )
    assert answer(operator, page="2") == (400, {"code": "INVALID", "field": "page"})
    # Whoever may read no statement at all learns nothing from the parameters.
    assert answer(roles["buyer"], seller="nonsense") == (403, {"code": "PERMISSION_DENIED"})


def test_the_graphql_statement_links_to_its_files(client, graphql, auth_headers, roles, world):
    owner = roles["own_owner"]
    statement = graphql_statement(graphql, auth_headers, owner, world.seller_a, JANUARY)

    for field in ("csvUrl", "xlsxUrl"):
        assert client.get(statement[field], **auth_headers(owner)).status_code == 200


def test_the_files_and_the_query_agree_for_an_operator(client, graphql, auth_headers, roles, world):
    operator = roles["operator"]
    statement = graphql_statement(graphql, auth_headers, operator, world.seller_b, JANUARY)
    rows = csv_rows(
        download(client, auth_headers, operator, "csv", params_of(world.seller_b, JANUARY))
    )

    assert rows[1:] == [as_csv_text(row) for row in expected_rows(statement)]
    assert set(FIGURE_FIELDS) == set(FIGURES)
