"""The dashboard page (/province/) through Django's test client: signing in and out (CSRF,
throttling, safe redirects), who may see it, the figures of a hand-counted world, the
filters and their refusals, Vietnamese and English, and a query count that does not grow
with the months or the wards shown."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from market.accounts.models import Address, User
from market.sellers.models import Seller
from province.forms import months_back
from province.views import format_count, format_money, format_percent
from tests.factories import SellerFactory, UserFactory
from tests.province.dashboard_world import (
    DISTRICT_A,
    WARD_A,
    WARD_B,
    build_world,
    hand_built_dashboard,
)

PASSWORD = "mat-khau-an-toan-2025"  # the users factory's


@pytest.fixture
def world(db):
    return build_world()


def auditor() -> User:
    return UserFactory(role=User.Role.AUDITOR)


def text_of(response) -> str:
    """The page's visible text, roughly: tags dropped, spaces folded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def headline(response, key: str) -> str:
    html = response.content.decode()
    match = re.search(rf'data-headline="{key}".*?</article>', html, flags=re.S)
    assert match, f"no headline {key}"
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", match[0]))


# --- Numbers as a Vietnamese or an English reader writes them ----------------------------


def test_numbers_are_written_the_vietnamese_way_in_vietnamese():
    with translation.override("vi"):
        assert format_count(1_234_567) == "1.234.567"
        assert format_money(1_234_567) == "1.234.567\u00a0₫"
        assert format_percent(0.456) == "45,6\u00a0%"
        assert format_percent(2 / 3) == "66,7\u00a0%"
        assert format_percent(0.00049) == "0,0\u00a0%"
        assert format_percent(None) == "–"


def test_numbers_are_written_the_english_way_in_english():
    with translation.override("en"):
        assert format_count(1_234_567) == "1,234,567"
        assert format_money(999) == "999\u00a0₫"
        assert format_percent(0.456) == "45.6%"
        assert format_percent(1.0) == "100.0%"


# --- Signing in and out -------------------------------------------------------------------


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def sign_in(client: Client, email: str, password: str, **extra):
    page = client.get("/province/sign-in/")
    token = page.cookies["csrftoken"].value
    return client.post(
        "/province/sign-in/",
        {"username": email, "password": password, "csrfmiddlewaretoken": token, **extra},
    )


def test_signed_out_the_page_sends_to_sign_in_and_back(db):
    response = Client().get("/province/?stars=4")

    assert response.status_code == 302
    assert response["Location"] == "/province/sign-in/?next=/province/%3Fstars%3D4"


def test_an_auditor_signs_in_with_the_form_and_sees_the_page(world):
    user = auditor()
    client = csrf_client()

    form = client.get("/province/sign-in/?next=/province/%3Fstars%3D4")
    assert form.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in form.content
    assert b'type="email"' in form.content
    response = sign_in(client, user.email.upper(), PASSWORD, next="/province/?stars=4")

    assert response.status_code == 302
    assert response["Location"] == "/province/?stars=4"
    assert client.get(response["Location"]).status_code == 200


def test_the_form_refuses_a_post_without_its_csrf_token(db):
    user = auditor()

    response = csrf_client().post(
        "/province/sign-in/", {"username": user.email, "password": PASSWORD}
    )

    assert response.status_code == 403


def test_a_wrong_password_is_refused_with_a_message(db):
    user = auditor()
    client = csrf_client()

    response = sign_in(client, user.email, "not-the-password")

    assert response.status_code == 200
    assert "Email hoặc mật khẩu không đúng." in text_of(response)
    assert client.get("/province/").status_code == 302


def test_the_session_cookie_goes_over_https_only_and_lasts_a_working_day(db):
    user = auditor()

    response = sign_in(csrf_client(), user.email, PASSWORD)

    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")
    assert session["max-age"] == 8 * 3600


def test_sign_in_sends_nowhere_but_this_server(db):
    user = auditor()

    response = sign_in(csrf_client(), user.email, PASSWORD, next="https://evil.example/")

    assert response["Location"] == "/province/"


def test_sign_in_is_throttled_with_the_apis_counters(db, graphql):
    user = auditor()
    client = csrf_client()
    for _ in range(3):
        assert sign_in(client, user.email, "wrong").status_code == 200
    # The same counters as the API's tokenCreate: switching doors gains nothing.
    for _ in range(2):
        graphql(
            'mutation($email: String!) { tokenCreate(email: $email, password: "wrong") '
            "{ errors { code } } }",
            {"email": user.email},
        )

    refused = sign_in(client, user.email, PASSWORD)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    assert "Bạn đã thử quá nhiều lần" in text_of(refused)
    assert client.get("/province/").status_code == 302, "not signed in"


def test_a_successful_sign_in_clears_the_accounts_counter(db):
    user = auditor()
    client = csrf_client()
    for _ in range(4):
        sign_in(client, user.email, "wrong")
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    client.post("/province/sign-out/", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    for _ in range(4):
        assert sign_in(client, user.email, "wrong").status_code == 200
    assert sign_in(client, user.email, PASSWORD).status_code == 302


def test_sign_out_ends_the_session(world):
    user = auditor()
    client = csrf_client()
    sign_in(client, user.email, PASSWORD)
    assert client.get("/province/").status_code == 200

    response = client.post(
        "/province/sign-out/", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )

    assert response.status_code == 302
    assert response["Location"] == "/province/sign-in/"
    assert client.get("/province/").status_code == 302


def test_a_buyer_who_signs_in_is_told_they_are_not_allowed(db):
    buyer = UserFactory()
    client = csrf_client()

    response = sign_in(client, buyer.email, PASSWORD)
    page = client.get(response["Location"])

    assert page.status_code == 403
    assert b'data-refusal="forbidden"' in page.content
    assert "Not allowed" in text_of(page) or "Không" in text_of(page)
    assert b'action="/province/sign-out/"' in page.content


# --- Who sees it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("buyer", 403),
        ("other_staff", 403),
        ("own_staff", 403),
        ("own_owner", 403),
        ("auditor", 200),
        ("operator", 200),
    ],
)
def test_the_page_by_role(client, roles, role, status):
    client.force_login(roles[role])

    response = client.get("/province/")

    assert response.status_code == status
    if status == 403:
        assert b"data-headline" not in response.content
    else:
        assert response.content.count(b"data-headline=") == 3


def test_a_user_disabled_after_signing_in_is_signed_out(client, db):
    user = auditor()
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert client.get("/province/").status_code == 302


# --- What it shows ------------------------------------------------------------------------------


def test_the_page_shows_the_hand_counted_figures_against_the_targets(client, world):
    client.force_login(auditor())

    response = client.get("/province/")

    assert response.status_code == 200
    assert response["Content-Language"] == "vi"
    assert "no-store" in response["Cache-Control"]
    on_sale = headline(response, "on-sale")
    assert "50,0\u00a0%" in on_sale
    assert "2 / 4" in on_sale
    assert "90,0\u00a0%" in on_sale, "against the plan's 90 %"
    cashless = headline(response, "cashless")
    assert "66,7\u00a0%" in cashless
    assert "2 / 3" in cashless
    assert "50,0\u00a0%" in cashless, "against the plan's 50 %"
    assert "300.000\u00a0₫ / 450.000\u00a0₫" in cashless, "by value too"
    verified = headline(response, "verified")
    assert "33,3\u00a0%" in verified
    assert "1 / 3" in verified
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 4
    for table in ("wards", "stars", "groups", "methods", "seller-kinds", "areas"):
        assert f'data-table="{table}"' in html
    wards = re.search(r'data-table="wards".*?</table>', html, flags=re.S)[0]
    assert WARD_A in wards
    assert WARD_B in wards
    assert DISTRICT_A in wards
    assert "/static/province/dashboard.css" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


def test_the_page_is_english_by_accept_language(client, world):
    client.force_login(auditor())

    response = client.get("/province/", HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
    on_sale = headline(response, "on-sale")
    assert "50.0%" in on_sale
    assert "Target: 90.0%" in on_sale
    assert "300,000\u00a0₫ / 450,000\u00a0₫" in headline(response, "cashless")
    text = text_of(response)
    assert "Ward or commune" in text
    assert "Food" in text


def test_the_page_is_vietnamese_by_default_where_the_catalog_has_the_words(client, world):
    client.force_login(auditor())

    response = client.get("/province/")

    assert '<html lang="vi">' in response.content.decode()
    text = text_of(response)
    # Labels the catalog already holds; the page's own new words follow when it has them.
    assert "Phường/xã" in text
    assert "Quận/huyện (cũ)" in text


def test_the_time_it_was_computed_is_shown_in_vietnam_time(client, world):
    client.force_login(auditor())

    before = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    response = client.get("/province/")

    shown = re.search(r'data-field="period">(.*?)</p>', response.content.decode(), re.S)[1]
    local_times = {
        (before + timedelta(minutes=minutes)).strftime("%d/%m/%Y %H:%M") for minutes in (0, 1)
    }
    assert any(moment in shown for moment in local_times), shown


def test_the_default_period_is_the_last_twelve_months(client, world):
    client.force_login(auditor())
    this_month = timezone.localdate().replace(day=1)

    html = client.get("/province/").content.decode()

    assert f'value="{months_back(this_month, 11):%Y-%m}"' in html
    assert f'value="{this_month:%Y-%m}"' in html
    assert html.count('<g class="point') == 4 * 12, "four charts of twelve months"
    assert f"/province/export.csv?month_from={months_back(this_month, 11):%Y-%m}" in html


def test_the_ward_filter_narrows_every_figure(client, world):
    client.force_login(auditor())

    response = client.get("/province/", {"place": f"ward:{WARD_A}"})

    assert response.status_code == 200
    assert "2 / 2" in headline(response, "on-sale")
    assert "1 / 2" in headline(response, "verified")
    html = response.content.decode()
    assert f'<option value="ward:{WARD_A}" selected>' in html
    wards = re.search(r'data-table="wards".*?</table>', html, flags=re.S)[0]
    assert WARD_B not in wards


def test_the_seller_kind_group_and_stars_filters(client, world):
    client.force_login(auditor())

    enterprise = client.get("/province/", {"seller_kind": Seller.Kind.ENTERPRISE})
    assert "0 / 1" in headline(enterprise, "on-sale")
    three_stars = client.get("/province/", {"stars": "3"})
    assert "1 / 2" in headline(three_stars, "on-sale")
    drinks = client.get("/province/", {"product_group": "beverages"})
    assert "0 / 1" in headline(drinks, "on-sale")
    district = client.get("/province/", {"place": f"district:{DISTRICT_A}"})
    assert "2 / 2" in headline(district, "on-sale")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month_from": "2026-13"}, "Vui lòng nhập tháng theo dạng YYYY-MM"),
        ({"month_from": "january"}, "Vui lòng nhập tháng theo dạng YYYY-MM"),
        (
            {"month_from": "2026-05", "month_to": "2026-02"},
            "Tháng kết thúc không được trước tháng bắt đầu.",
        ),
        ({"month_from": "2019-01", "month_to": "2025-12"}, "Một kỳ dài tối đa 36 tháng."),
        ({"month_from": "2999-01"}, "Kỳ báo cáo không được bắt đầu sau tháng hiện tại."),
        ({"stars": "9"}, ""),
        ({"stars": "x"}, ""),
        ({"product_group": "weapons"}, ""),
        ({"seller_kind": "<script>"}, ""),
        ({"place": "ward:Nowhere"}, ""),
        ({"place": "Phước Hậu"}, ""),
        ({"month_from": "2026-01\u202e"}, ""),
        ({"month_from": "2026-1"}, "Vui lòng nhập tháng theo dạng YYYY-MM"),
    ],
)
def test_bad_filters_get_a_clear_message_not_a_500(client, world, query, message):
    client.force_login(auditor())

    response = client.get("/province/", query)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="filter-errors"' in html
    assert message in text_of(response)
    assert "data-headline" not in html
    assert "<script>" not in html.split("<main>")[1]


def test_the_place_choices_come_from_the_data(client, world):
    client.force_login(auditor())

    html = client.get("/province/").content.decode()

    for value in (f"ward:{WARD_A}", f"ward:{WARD_B}", f"district:{DISTRICT_A}"):
        assert f'<option value="{value}"' in html


def test_a_world_with_nothing_shows_no_figure_rather_than_zero_percent(client, db):
    client.force_login(auditor())

    response = client.get("/province/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "0 / 0" in headline(response, "on-sale")
    assert 'data-field="percent">–<' in response.content.decode(), "no figure, not 0 %"


def test_hand_built_figures_render_with_text_escaped(rf, db):
    from province.views import dashboard_context

    with translation.override("en"):
        context = dashboard_context(hand_built_dashboard())

    ward_table = next(table for table in context["tables"] if table["id"] == "wards")
    assert ward_table["rows"][0][0]["text"] == '=HYPERLINK("http://x")'
    assert context["computed_at"] == "01/04/2026 00:30"
    february = str(context["charts"][0]["svg"])
    assert "February 2026: – (no record)" in february
    assert "<script" not in february


# --- What it costs --------------------------------------------------------------------------


def queries_of(client, query: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/province/", query).status_code == 200
    return len(captured)


def more_wards(count: int) -> None:
    for number in range(count):
        address = Address.objects.create(ward=f"Xã Thử {number}", former_district="Huyện Thử")
        SellerFactory(kind=Seller.Kind.HOUSEHOLD, address=address)


def test_the_query_count_does_not_grow_with_months_or_wards(client, world):
    client.force_login(auditor())
    this_month = timezone.localdate().replace(day=1)
    three = {"month_from": f"{months_back(this_month, 2):%Y-%m}"}
    thirty_six = {"month_from": f"{months_back(this_month, 35):%Y-%m}"}
    client.get("/province/")  # the session's first read is not counted

    few_months = queries_of(client, three)
    many_months = queries_of(client, thirty_six)
    more_wards(5)
    many_wards = queries_of(client, thirty_six)

    assert few_months == many_months == many_wards
