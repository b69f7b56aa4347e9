"""GraphiQL works in a real browser with no network but this server's: headless
Chromium (Debian's, driven by Playwright) opens /graphql/, runs a query with the
Run button and reads the answer, and every request it made went to the live server."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.django_db(transaction=True)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert path, "Chromium is needed: `scripts/services.sh up` installs Debian's package"
    return path


@pytest.fixture
def browser():
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
            yield browser
        finally:
            browser.close()


def set_editor(page, selector: str, text: str) -> None:
    # CodeMirror closes brackets while one types; set the text as a paste would.
    page.eval_on_selector(
        f"{selector} .CodeMirror", "(node, text) => node.CodeMirror.setValue(text)", text
    )


def editor_text(page, selector: str) -> str:
    return page.eval_on_selector(f"{selector} .CodeMirror", "node => node.CodeMirror.getValue()")


def test_graphiql_renders_and_runs_a_query_offline(live_server, settings, browser, tmp_path):
    settings.GRAPHIQL = True
    requested, refused, problems = [], [], []

    page = browser.new_page(viewport={"width": 1280, "height": 800})

    def only_loopback(route):
        url = route.request.url
        requested.append(url)
        if url.startswith(f"{live_server.url}/"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", only_loopback)
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/graphql/", wait_until="networkidle")
    page.wait_for_selector(".graphiql-container .graphiql-query-editor .CodeMirror")

    set_editor(page, ".graphiql-query-editor", "{ shop { defaultCurrency timeZone } }")
    with page.expect_response(
        lambda r: r.url == f"{live_server.url}/graphql/" and r.request.method == "POST"
    ):
        page.click(".graphiql-execute-button")
    page.wait_for_function(
        "() => document.querySelector('.graphiql-response .CodeMirror')"
        ".CodeMirror.getValue().includes('VND')"
    )
    screenshot = tmp_path / "graphiql.png"
    page.screenshot(path=str(screenshot))

    answer = editor_text(page, ".graphiql-response")
    assert '"defaultCurrency": "VND"' in answer
    assert '"timeZone": "Asia/Ho_Chi_Minh"' in answer
    assert screenshot.stat().st_size > 10_000  # a blank page is a few hundred bytes
    assert not refused, f"GraphiQL reached outside the server: {refused}"
    assert any("/static/graphiql/graphiql-4.0.3/graphiql.min.js" in url for url in requested)
    # Its Content-Security-Policy held nothing back that GraphiQL needs.
    assert not problems, problems


def test_graphiql_is_off_when_the_setting_is(live_server, settings, browser):
    settings.GRAPHIQL = False
    page = browser.new_page()

    response = page.goto(f"{live_server.url}/graphql/")

    assert response.status == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
