"""The dashboard in a real browser: Debian's headless Chromium, driven by Playwright as
tests/payments/browser_helpers.py drives it, signs in as an auditor through the form and
reads what a person sees at desktop (1280 px) and phone (390 px) widths: the headline
numbers of the hand-counted world, the four SVG charts, the table by ward; nothing asked
of any other server, no console error, no sideways scrolling on the phone. Then the page
as printed on A4. Screenshots go to /tmp/province-screens for a person to look at.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest

from market.accounts.models import User
from tests.factories import UserFactory
from tests.payments.browser_helpers import DESKTOP, PHONE, View, chromium, outside
from tests.province.dashboard_world import WARD_A, WARD_B, build_world

pytestmark = pytest.mark.django_db(transaction=True)

SCREENS = Path("/tmp/province-screens")  # noqa: S108 - for a person to look at, not to commit
PASSWORD = "mat-khau-an-toan-2025"  # the users factory's
# A4 less the print style's 12 mm margins, in CSS pixels (96 per inch).
A4_PRINTABLE_WIDTH = round((210 - 2 * 12) / 25.4 * 96)


@dataclass(frozen=True)
class Visit:
    requested: list
    problems: list


@pytest.fixture
def auditor_email(live_server) -> str:
    # Recorded before the browser starts: Playwright's loop owns the test's thread.
    build_world()
    return UserFactory(role=User.Role.AUDITOR).email


def signed_in(page, base: str, email: str) -> Visit:
    """Open the page signed out, sign in through the form, land on the dashboard."""
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/province/", wait_until="networkidle")
    assert page.url.startswith(f"{base}/province/sign-in/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("button[type=submit].primary")
    assert page.url == f"{base}/province/"
    return Visit(requested, problems)


def headline_text(page, key: str, field: str) -> str:
    text = page.inner_text(f"[data-headline={key}] [data-field={field}]")
    return text.replace("\u00a0", " ").strip()


def reads_the_figures(page, base: str, visit: Visit, view: View) -> None:
    assert headline_text(page, "on-sale", "percent") == "50,0 %"
    assert headline_text(page, "on-sale", "part-whole") == "2 / 4"
    assert headline_text(page, "cashless", "percent") == "66,7 %"
    assert headline_text(page, "cashless", "part-whole") == "2 / 3"
    assert headline_text(page, "verified", "percent") == "33,3 %"
    assert headline_text(page, "verified", "part-whole") == "1 / 3"
    charts = page.locator("figure[data-chart] svg.chart[role=img]")
    assert charts.count() == 4
    for index in range(4):
        chart = charts.nth(index)
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 200, f"a chart too small to read at {view.name}"
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= view.width + 1
    ward_rows = page.locator("table[data-table=wards] tbody tr").all_inner_texts()
    assert any(WARD_A in row for row in ward_rows)
    assert any(WARD_B in row for row in ward_rows)
    assert page.locator("table[data-table=wards]").is_visible()
    assert not outside(visit.requested, base), "the page reached outside the server"
    assert any(url.endswith("/static/province/dashboard.css") for url in visit.requested)
    assert not visit.problems, visit.problems


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_auditor_reads_the_dashboard_on_a_desktop(live_server, auditor_email):
    SCREENS.mkdir(parents=True, exist_ok=True)
    with chromium(DESKTOP) as page:
        visit = signed_in(page, live_server.url, auditor_email)

        reads_the_figures(page, live_server.url, visit, DESKTOP)
        assert page.is_visible("form.filters")
        assert fits_the_screen(page)
        page.screenshot(path=str(SCREENS / "desktop.png"), full_page=True)

        # On paper: no filters, no buttons, every chart within an A4 page's width.
        page.set_viewport_size({"width": A4_PRINTABLE_WIDTH, "height": 1000})
        page.emulate_media(media="print")
        assert page.is_hidden("form.filters")
        assert page.is_hidden("form.sign-out")
        assert page.locator("svg.chart").count() == 4
        for box in [chart.bounding_box() for chart in page.locator("svg.chart").all()]:
            assert box["x"] + box["width"] <= A4_PRINTABLE_WIDTH + 1
        assert fits_the_screen(page)
        page.pdf(path=str(SCREENS / "print.pdf"), format="A4")
        assert (SCREENS / "print.pdf").stat().st_size > 0


def test_an_auditor_reads_the_dashboard_on_a_phone(live_server, auditor_email):
    SCREENS.mkdir(parents=True, exist_ok=True)
    with chromium(PHONE) as page:
        visit = signed_in(page, live_server.url, auditor_email)

        reads_the_figures(page, live_server.url, visit, PHONE)
        assert fits_the_screen(page), "the page scrolls sideways at phone width"
        page.screenshot(path=str(SCREENS / "phone.png"), full_page=True)
