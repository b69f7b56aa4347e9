"""Helpers of the payments browser tests: Chromium driven as tests/traceability/
test_lot_page_browser.py drives it, the three sandboxes on the live server, an order to
pay, and database reads kept off the browser's thread.

Playwright's sync API runs an event loop in the test's thread, where Django refuses
database calls: what a test records comes before the browser starts, and what it reads
while the browser is open is read in a thread of its own (``off_the_browser``).
"""

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.db import connections
from playwright.sync_api import sync_playwright

from payments.models import Payment
from payments.protocols.bank_notifications import transfer_code
from payments.sandbox import bank as bank_sandbox
from payments.sandbox import momo as momo_sandbox
from payments.sandbox import vnpay as vnpay_sandbox
from payments.services.start import payment_start
from tests.core.test_http_graphiql import chromium_path
from tests.factories import UserFactory
from tests.orders.factories import place, stocked_variant
from tests.payments import momo_helpers, vnpay_helpers

# Outside the repository: the screenshots are for a person to look at, not to commit.
SCREENS = Path(tempfile.gettempdir()) / "payments-screens"
PRICE = 120_000
TOTAL = PRICE + 30_000  # the orders factory's flat shipping for the one seller
# Generous: a notification arrives in well under a second on loopback.
WAIT_SECONDS = 30
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]


@dataclass(frozen=True)
class View:
    """A screen and the language of the person in front of it."""

    name: str
    width: int
    height: int
    locale: str = "vi-VN"
    accept_language: str = "vi"
    phone: bool = False

    def context_options(self) -> dict:
        options = {
            "viewport": {"width": self.width, "height": self.height},
            "locale": self.locale,
            "extra_http_headers": {"Accept-Language": self.accept_language},
        }
        if self.phone:
            options |= {"device_scale_factor": 3, "is_mobile": True, "has_touch": True}
        return options


PHONE = View("phone", 390, 844, phone=True)
DESKTOP = View("desktop", 1280, 800)
ENGLISH_PHONE = View("phone-en", 390, 844, locale="en-US", accept_language="en", phone=True)


@contextmanager
def chromium(view: View):
    """A page of Debian's headless Chromium, on ``view``'s screen."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            yield browser.new_context(**view.context_options()).new_page()
        finally:
            browser.close()


def off_the_browser(function, *args, **kwargs):
    """``function(*args, **kwargs)`` in a thread without the browser's event loop, its
    database connection closed after it."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@dataclass(frozen=True)
class Rows:
    payment: str
    order: str
    order_payment: str


def rows_of(payment_id: int) -> Rows:
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    return Rows(payment.status, payment.order.status, payment.order.payment_status)


def rows_once(payment_id: int, payment_status: str, *, seconds: float = WAIT_SECONDS) -> Rows:
    """The payment's and its order's states once the payment is ``payment_status`` (read
    off the browser's thread; fails after ``seconds``)."""

    def wait() -> Rows:
        deadline = time.monotonic() + seconds
        while (rows := rows_of(payment_id)).payment != payment_status:
            assert time.monotonic() < deadline, f"the payment is still {rows.payment}"
            time.sleep(0.05)
        return rows

    return off_the_browser(wait)


@contextmanager
def sandboxes_on(settings, live_server):
    """This server's callbacks and every gateway's URLs on the live server, the three
    offered, the sandboxes' retries on a fast clock; what they still send is waited for
    before the test's database is emptied."""
    vnpay_helpers.point_at_sandbox(settings, live_server)
    momo_helpers.point_at_sandbox(settings, live_server)
    settings.PAYMENT_METHODS = ["cod", "vnpay", "momo", "vietqr"]
    settings.BANK_SANDBOX_RETRY_SECONDS = 0.01
    vnpay_sandbox.reset()
    momo_sandbox.reset()
    try:
        yield live_server
    finally:
        pending = vnpay_sandbox.deliveries()
        vnpay_sandbox.reset()
        for delivery in pending:
            delivery.finished.wait(WAIT_SECONDS)
        momo_sandbox.reset(WAIT_SECONDS)
        for transfer in bank_sandbox.transfers_recent(bank_sandbox.MAX_KEPT_TRANSFERS):
            for delivery in transfer.deliveries:
                delivery.finished.wait(WAIT_SECONDS)


@dataclass(frozen=True)
class Unpaid:
    """An unpaid order with its payment started, as plain values for the browser's part."""

    gateway: str
    order_id: int
    payment_id: int
    number: str  # OCOP-2026-000123, as the buyer knows it
    code: str  # OCOP2026000123, as gateways and banks carry it
    reference: str
    start_url: str  # where the buyer goes to pay
    token: str  # the order's, which the storefront holds


def unpaid_order(gateway: str, live_url: str, *, language: str = "vi") -> Unpaid:
    """A signed-in buyer's unpaid online order of ``TOTAL`` VND, its payment at ``gateway``
    started: VNPay's and MoMo's redirect URL, or for VietQR the bank simulator's page
    prefilled with the transfer the QR code asks for."""
    buyer = UserFactory()
    order = place([(stocked_variant(price=PRICE), 1)], user=buyer, online=True, language=language)
    payment = payment_start(
        order_id=order.pk, gateway_code=gateway, by=buyer, client_ip="203.113.1.10"
    )
    if gateway == "vietqr":
        prefill = {"content": payment.action["content"], "amount": payment.action["amount"]}
        start_url = f"{live_url}/sandbox/bank/?{urlencode(prefill)}"
    else:
        start_url = payment.action["url"]
    return Unpaid(
        gateway=gateway,
        order_id=order.pk,
        payment_id=payment.pk,
        number=order.number,
        code=transfer_code(order.number),
        reference=payment.reference,
        start_url=start_url,
        token=str(order.token),
    )


def outside(requested: list[str], origin: str) -> list[str]:
    """The requests that went anywhere but ``origin`` (an inline ``data:`` URL goes nowhere)."""
    return [url for url in requested if not url.startswith((f"{origin}/", "data:"))]
