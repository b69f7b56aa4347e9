"""A lot's page in a real browser at phone width: headless Chromium (Debian's, driven by
Playwright, as tests/core/test_http_graphiql.py does) opens it from the live server, reads
what a buyer who scanned the QR code sees, and checks that nothing left the server and
that the page fits the screen."""

import pytest
from playwright.sync_api import sync_playwright

from market.accounts.models import User
from tests.core.test_http_graphiql import chromium_path
from tests.factories import UserFactory
from tests.traceability import resolver_setup
from tests.traceability.resolver_setup import INTERNAL_NOTE, gtin14
from traceability.services.sites import site_suspend

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            context = browser.new_context(
                viewport=PHONE,
                device_scale_factor=3,
                is_mobile=True,
                has_touch=True,
                locale="vi-VN",
                extra_http_headers={"Accept-Language": "vi"},
            )
            yield context.new_page()
        finally:
            browser.close()


def open_page(page, url: str):
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(url, wait_until="networkidle")
    return response, requested, problems


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Playwright's sync API runs an event loop in the test's thread, where Django refuses
# database calls: the data is recorded, and read into plain values, before the browser starts.


@pytest.fixture
def fresh(live_server, settings):
    settings.TRACE_RESOLVER_BASE = live_server.url
    lot = resolver_setup.fresh_lot(gtin=gtin14("0893612345001"))
    return {
        "path": f"/01/{lot.gtin}/10/{lot.code}",
        "code": lot.code,
        "area": lot.growing_area.code,
    }


@pytest.fixture
def dried_with_suspended_input(live_server, settings):
    settings.TRACE_RESOLVER_BASE = live_server.url
    dried, first, _second = resolver_setup.dried_lot()
    site_suspend(
        by=UserFactory(role=User.Role.AUDITOR),
        site_id=first.growing_area_id,
        reason="Dư lượng thuốc bảo vệ thực vật vượt ngưỡng",
    )
    return {"path": f"/lots/{dried.code}", "input": first.code, "area": first.growing_area.code}


def test_a_phone_reads_the_trace_of_a_lot(live_server, fresh, phone):
    response, requested, problems = open_page(phone, live_server.url + fresh["path"])

    assert response.status == 200
    text = phone.inner_text("body")
    assert resolver_setup.PRODUCT_NAME in text
    assert fresh["code"] in text
    assert "Nguồn gốc đã xác minh" in text
    assert phone.is_visible("[data-verified=true]")
    steps = phone.locator("ol.timeline .step").all_inner_texts()
    assert steps == ["Gieo trồng", "Phun thuốc", "Thu hoạch", "Đóng gói", "Vận chuyển"]
    assert fresh["area"] in text
    assert "Xã Phước Hậu" in text
    assert INTERNAL_NOTE not in text
    assert phone.locator("svg.segno").count() == 1  # the QR code, inline
    assert requested, "the browser made no request at all"
    outside = [url for url in requested if not url.startswith(f"{live_server.url}/")]
    assert not outside, f"the page reached outside the server: {outside}"
    assert requested == [response.url]  # no asset of any kind, even from the server
    assert fits_the_screen(phone), "the page scrolls sideways at phone width"
    assert not problems, problems


def test_a_phone_sees_a_processed_lot_not_verified_with_its_reason(
    live_server, dried_with_suspended_input, phone
):
    lot = dried_with_suspended_input

    response, requested, problems = open_page(phone, live_server.url + lot["path"])

    assert response.status == 200
    text = phone.inner_text("body")
    assert resolver_setup.DRIED_NAME in text
    assert "Chưa xác minh" in text
    assert "Nguồn gốc đã xác minh" not in text
    assert phone.is_visible("[data-problem=INPUT_AREA_SUSPENDED]")
    assert lot["input"] in text
    assert lot["area"] in text
    assert all(url.startswith(f"{live_server.url}/") for url in requested)
    assert fits_the_screen(phone)
    assert not problems, problems


def test_a_phone_gets_a_readable_error_for_a_bad_link(live_server, phone):
    response, requested, _problems = open_page(phone, f"{live_server.url}/01/123/10/NT25")

    assert response.status == 400
    assert "Không đọc được đường dẫn này" in phone.inner_text("body")
    assert fits_the_screen(phone)
    assert requested == [response.url]
