"""The monthly figures as CSV and XLSX (province/exports.py, /province/export.*), read back
by parsing the files: one row per month, a column per figure, empty cells for a month with
no record, real numbers with number formats in XLSX, formula injection neutralised; and who
may fetch them, by session cookie or by the API's bearer token."""

import csv
import io
from datetime import date, datetime

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from market.accounts.models import User
from province import exports
from province.figures import Filters, Period
from tests.factories import UserFactory
from tests.province.dashboard_world import WARD_B, build_world, hand_built_dashboard

ENGLISH_HEADERS = [
    "Month",
    "OCOP products on sale",
    "OCOP products in the registry",
    "Share on sale (%)",
    "Products of verified origin",
    "Agricultural products published",
    "Verified origin share (%)",
    "Orders paid cashless",
    "Paid orders",
    "Cashless share of orders (%)",
    "Value paid cashless (VND)",
    "Value of paid orders (VND)",
    "Cashless share of value (%)",
]
FORMULA = '=HYPERLINK("http://x")'


def local(text: str) -> datetime:
    """A cell's date-time: XLSX has no time zones, so Vietnam time without one."""
    return datetime.fromisoformat(text)


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def workbook_of(content: bytes):
    return load_workbook(io.BytesIO(content))


# --- The files, from a hand-built dashboard ---------------------------------------------


def test_the_csv_is_one_row_per_month_with_a_column_per_figure():
    with translation.override("en"):
        text = exports.csv_text_of(hand_built_dashboard())

    rows = csv_rows(text)
    assert rows[0] == ENGLISH_HEADERS
    assert rows[1:] == [
        [
            "2026-01",
            *("10", "40", "25.0"),
            *("8", "20", "40.0"),
            *("5", "10", "50.0"),
            *("1000000", "3000000", "33.3"),
        ],
        # February has no record of the stock figures, and no paid order: blanks, not 0 %.
        ["2026-02", "", "", "", "", "", "", "0", "0", "", "0", "0", ""],
        [
            "2026-03",
            *("12", "40", "30.0"),
            *("9", "20", "45.0"),
            *("13", "30", "43.3"),
            *("3560000", "7000000", "50.9"),
        ],
    ]
    assert "\r\n" in text, "RFC 4180 line ends"


def test_the_labels_follow_the_request_language():
    # Two labels the Vietnamese catalog already holds (traceability's exports use them).
    for language, ward, district in (
        ("vi", "Phường/xã", "Quận/huyện (cũ)"),
        ("en", "Ward or commune", "Former district"),
    ):
        file = io.BytesIO()
        with translation.override(language):
            exports.xlsx_write(hand_built_dashboard(), file)
        labels = [row[0] for row in workbook_of(file.getvalue()).worksheets[1].values]
        assert ward in labels
        assert district in labels


def test_percentages_round_half_up_to_one_decimal():
    assert exports.percentage(0.4565) == exports.percentage(0.4575 - 0.001)
    assert str(exports.percentage(2 / 3)) == "66.7"
    assert str(exports.percentage(0.00049)) == "0.0"
    assert str(exports.percentage(1.0)) == "100.0"
    assert exports.percentage(None) is None


def test_the_xlsx_holds_real_numbers_with_number_formats():
    file = io.BytesIO()
    with translation.override("en"):
        exports.xlsx_write(hand_built_dashboard(), file)

    book = workbook_of(file.getvalue())
    assert book.sheetnames == ["Monthly figures", "About"]
    sheet = book["Monthly figures"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ENGLISH_HEADERS
    january = sheet[2]
    assert january[0].value == local("2026-01-01")
    assert january[0].number_format == "mm/yyyy"
    assert january[1].value == 10
    assert january[1].number_format == "#,##0"
    assert float(january[3].value) == 0.25
    assert january[3].number_format == "0.0%"
    assert january[10].value == 1_000_000
    assert january[10].number_format == "#,##0"
    assert float(sheet[4][12].value) == pytest.approx(0.5086, abs=1e-4)
    assert list(rows[2]) == [local("2026-02-01"), *[None] * 6, 0, 0, None, 0, 0, None]
    assert sheet.freeze_panes == "B2"


def test_the_xlsx_says_what_it_is_about_in_vietnam_time_with_text_neutralised():
    dashboard = hand_built_dashboard(filters=Filters(ward=FORMULA, stars=4))
    file = io.BytesIO()
    with translation.override("en"):
        exports.xlsx_write(dashboard, file)

    about = dict(workbook_of(file.getvalue())["About"].iter_rows(values_only=True))
    assert about["From"] == local("2026-01-01")
    assert about["To"] == local("2026-03-31")
    assert about["Ward or commune"] == "'" + FORMULA, "a formula from the data stays text"
    assert about["Former district"] == "All"
    assert about["Stars"] == 4
    assert about["Time zone"] == "Asia/Ho_Chi_Minh (UTC+07:00)"
    # 17:30 UTC on 31 March is 00:30 on 1 April in Vietnam.
    assert about["Computed at"] == local("2026-04-01T00:30")


def test_the_file_name_names_the_months():
    dashboard = hand_built_dashboard(period=Period(date(2025, 12, 1), date(2026, 3, 31)))
    assert exports.filename(dashboard, "csv") == "so-lieu-ocop-202512-202603.csv"


# --- The files over HTTP, from a real small world ----------------------------------------


@pytest.fixture
def world(db):
    return build_world()


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def last_row_of(response) -> list[str]:
    return csv_rows(response.content.decode("utf-8"))[-1]


def test_an_auditor_downloads_the_csv_with_the_session(client, world):
    client.force_login(UserFactory(role=User.Role.AUDITOR))

    response = client.get("/province/export.csv", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv; charset=utf-8")
    assert response["Content-Disposition"].startswith('attachment; filename="so-lieu-ocop-')
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response.content.decode("utf-8"))
    assert rows[0] == ENGLISH_HEADERS
    assert len(rows) == 1 + 12, "the last twelve months by default"
    assert rows[-1] == [
        this_month(),
        *["2", "4", "50.0"],
        *["1", "3", "33.3"],
        *["2", "3", "66.7"],
        *["300000", "450000", "66.7"],
    ]


def test_a_script_downloads_the_xlsx_with_a_bearer_token(client, world, auth_headers):
    operator = UserFactory(role=User.Role.OPERATOR)

    response = client.get(
        "/province/export.xlsx", {"month_from": this_month()}, **auth_headers(operator)
    )

    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    sheet = workbook_of(response.content).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1:3] == (2, 4)
    assert float(rows[1][3]) == 0.5


def test_the_exports_take_the_pages_filters(client, world):
    client.force_login(UserFactory(role=User.Role.OPERATOR))

    response = client.get("/province/export.csv", {"place": f"ward:{WARD_B}"})

    assert response.status_code == 200
    # Phan Rang: the enterprise's wine (listed, out of stock) and the unlisted entry.
    assert last_row_of(response)[1:4] == ["0", "2", "0.0"]


def test_a_script_without_a_token_gets_a_401_in_the_apis_shape(client, world):
    response = client.get("/province/export.csv")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_REQUIRED"


def test_a_browser_signed_out_is_sent_to_sign_in(client, world):
    response = client.get("/province/export.xlsx?stars=4", HTTP_ACCEPT="text/html,*/*;q=0.8")

    assert response.status_code == 302
    assert response["Location"] == "/province/sign-in/?next=/province/export.xlsx%3Fstars%3D4"


@pytest.mark.parametrize("role", ["buyer", "own_staff", "own_owner"])
def test_others_are_refused_and_get_no_figure(client, roles, role, auth_headers):
    response = client.get("/province/export.csv", **auth_headers(roles[role]))

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert b"2026" not in response.content


def test_a_browser_signed_in_without_the_role_gets_the_refusal_page(client, roles):
    client.force_login(roles["own_owner"])

    response = client.get("/province/export.csv", HTTP_ACCEPT="text/html")

    assert response.status_code == 403
    assert b'data-refusal="forbidden"' in response.content


def test_a_bad_token_is_refused_by_the_api_rule(client, world):
    response = client.get("/province/export.csv", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"].startswith("JWT_")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"month_from": "2026-13"}, "month_from"),
        ({"stars": "9"}, "stars"),
        ({"place": "ward:Nowhere"}, "place"),
        ({"month_from": "2020-01", "month_to": "2025-12"}, "month_to"),
    ],
)
def test_bad_filters_get_a_400_naming_the_field(client, world, auth_headers, query, field):
    auditor = UserFactory(role=User.Role.AUDITOR)

    response = client.get("/province/export.csv", query, **auth_headers(auditor))

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["field"] == field
    assert error["message"]


def test_only_get_and_head_are_answered(client, world):
    client.force_login(UserFactory(role=User.Role.AUDITOR))

    assert client.post("/province/export.csv").status_code == 405
    assert client.head("/province/export.csv").status_code == 200
