"""Paying an order in a real browser, as a buyer would: headless Chromium (Debian's,
driven by Playwright as tests/traceability/test_lot_page_browser.py drives it) opens the
payment on the live server (VNPay's and MoMo's sandbox pages, the bank simulator for a
VietQR transfer), reads the amount and the order's code, presses the button by its
Vietnamese label, lands on the shop's return page and, once the sandbox's notification
has paid the order, sees it paid, at phone and at desktop width.

Every page of the way must speak the buyer's language (``<html lang>`` and its text),
fit the screen's width, log no console error and fetch nothing from anywhere but the
server. The database is read in a thread of its own while the browser is open
(``browser_helpers.off_the_browser``).
"""

from urllib.parse import urlencode, urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from market.orders.models import Order
from payments.gateways import gateway_named
from payments.models import Notification, Payment, TransactionEvent
from tests.payments.browser_helpers import (
    DESKTOP,
    ENGLISH_PHONE,
    PHONE,
    SCREENS,
    TOTAL,
    WAIT_SECONDS,
    Rows,
    chromium,
    off_the_browser,
    outside,
    rows_once,
    sandboxes_on,
    unpaid_order,
)
from tests.traceability.test_lot_page_browser import fits_the_screen, open_page

pytestmark = pytest.mark.django_db(transaction=True)

# What a buyer reads, as Vietnamese write it: the order's 150,000 VND.
AMOUNT_SHOWN = "150.000 ₫"
# The return page's messages (payments/templates/payments/return.html), in English.
PAID = "Order %(number)s is paid. Thank you!"
NOT_THROUGH = "The payment of order %(number)s did not go through. You can try again."
WAITING = (
    "We are waiting for %(gateway)s to confirm the payment of order %(number)s. This page "
    "does not change the order: it moves on when the gateway confirms."
)
# What MoMo's page shows as the payment's content (payments/gateways/momo.py's orderInfo).
MOMO_ORDER_INFO = "Payment for order %(number)s"
WAIT_MS = WAIT_SECONDS * 1000
Status = Payment.Status
Kind = TransactionEvent.Kind


@pytest.fixture
def live(live_server, settings):
    with sandboxes_on(settings, live_server):
        yield live_server.url


def in_vietnamese(message: str, **values) -> str:
    """``message`` as the Vietnamese catalog writes it (which it must: an English sentence
    on a ``lang="vi"`` page is a page a Vietnamese buyer cannot read)."""
    with translation.override("vi"):
        translated = gettext(message)
    assert translated != message, f"the Vietnamese catalog does not translate {message!r}"
    return translated % values


def method_name(gateway: str, language: str = "vi") -> str:
    with translation.override(language):
        return str(gateway_named(gateway).name)


def return_path(gateway: str) -> str:
    return f"/payments/{gateway}/return"


def at(path: str, *, prefix: bool = False):
    """Matches the response of ``path`` (or of a path under it)."""

    def matches(response) -> bool:
        found = urlsplit(response.url).path
        return found.startswith(path) if prefix else found == path

    return matches


def a_page_for_people(page, language: str = "vi") -> None:
    assert page.get_attribute("html", "lang") == language, page.url
    assert fits_the_screen(page), f"{page.url} scrolls sideways"


def keep_screenshot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


# ---------------------------------------------------------------- each gateway's page


def pay_at_vnpay(page, unpaid, *, screenshot: str = "", decline_with: str = ""):
    """VNPay's page: the amount and the order's code; approve (or decline with a reason's
    code) by the button's label. The shop's return page's response."""
    assert page.inner_text(".amount") == AMOUNT_SHOWN
    text = page.inner_text("body")
    assert unpaid.code in text  # in the payment's content and its reference
    assert unpaid.reference in text
    a_page_for_people(page)
    if screenshot:
        keep_screenshot(page, screenshot)
    with page.expect_response(at(return_path("vnpay"))) as back:
        if decline_with:
            page.select_option("#reason", decline_with)
            page.get_by_role("button", name="Từ chối", exact=True).click()
        else:
            page.get_by_role("button", name="Thanh toán", exact=True).click()
    return back.value


def pay_at_momo(page, unpaid, *, screenshot: str = ""):
    """MoMo's page: the amount, the order's code and number; confirm by the label."""
    assert page.inner_text(".amount") == AMOUNT_SHOWN
    details = listed(page)
    assert details["Mã đơn hàng"] == unpaid.reference
    assert details["Nội dung"] == in_vietnamese(MOMO_ORDER_INFO, number=unpaid.number)
    assert details["Phương thức"] == "Ví MoMo"
    a_page_for_people(page)
    if screenshot:
        keep_screenshot(page, screenshot)
    with page.expect_response(at(return_path("momo"))) as back:
        page.get_by_role("button", name="Xác nhận thanh toán", exact=True).click()
    return back.value


def pay_at_the_bank(page, unpaid, *, screenshot: str = ""):
    """The bank simulator, prefilled as the QR code asks: transfer by the label, watch the
    notification delivered, then go back to the shop's page of the payment, as the
    storefront links it (with the order's token: a bank transfer's return is not signed)."""
    assert page.input_value("#content") == unpaid.code
    assert page.input_value("#amount") == str(TOTAL)
    assert page.is_visible("#content")
    assert page.is_visible("#amount")
    assert page.inner_text("[data-prefilled-amount]").endswith(AMOUNT_SHOWN)
    a_page_for_people(page)
    if screenshot:
        keep_screenshot(page, screenshot)
    with page.expect_response(at("/sandbox/bank/sent/", prefix=True)) as sent:
        page.get_by_role("button", name="Chuyển tiền", exact=True).click()
    assert sent.value.status == 200
    # The page reloads itself while the notification is on its way.
    page.locator("[data-delivery-state=delivered]").wait_for(timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")
    details = listed(page)
    assert (details["Nội dung"], details["Số tiền"]) == (unpaid.code, AMOUNT_SHOWN)
    a_page_for_people(page)
    query = urlencode({"reference": unpaid.code, "token": unpaid.token})
    base = unpaid.start_url.split("/sandbox/", 1)[0]
    return page.goto(f"{base}{return_path('vietqr')}?{query}", wait_until="networkidle")


PAY = {"vnpay": pay_at_vnpay, "momo": pay_at_momo, "vietqr": pay_at_the_bank}


# ---------------------------------------------------------------- the return page


def listed(page) -> dict[str, str]:
    """A page's ``<dl>``, term by term."""
    terms = page.locator("dt").all_inner_texts()
    return dict(zip(terms, page.locator("dd").all_inner_texts(), strict=True))


def shown_payment(page) -> tuple[str, str]:
    """The return page's state of the payment and the sentence saying it."""
    status = page.locator("[data-payment-status]")
    return status.get_attribute("data-payment-status"), status.inner_text()


def return_details(unpaid, language: str = "vi") -> dict[str, str]:
    """The return page's details of the payment, labelled in ``language``."""
    label = in_vietnamese if language == "vi" else gettext
    with translation.override(language):
        return {
            label("Order"): unpaid.number,
            label("Amount"): AMOUNT_SHOWN,
            label("Method"): method_name(unpaid.gateway, language),
        }


def landed_at_return(page, gateway: str, back) -> None:
    assert back.status == 200
    assert urlsplit(page.url).path == return_path(gateway)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("view", [PHONE, DESKTOP], ids=lambda view: view.name)
@pytest.mark.parametrize("gateway", ["vnpay", "momo", "vietqr"])
def test_a_buyer_pays_an_unpaid_order_in_the_browser(live, gateway, view):
    unpaid = unpaid_order(gateway, live)
    paid = in_vietnamese(PAID, number=unpaid.number)
    waiting = in_vietnamese(WAITING, gateway=method_name(gateway), number=unpaid.number)
    details = return_details(unpaid)

    with chromium(view) as page:
        response, requested, problems = open_page(page, unpaid.start_url)
        assert response.status == 200
        screenshot = f"{gateway}-phone" if view is PHONE else ""
        back = PAY[gateway](page, unpaid, screenshot=screenshot)

        # Back at the shop, maybe before the notification: the page only tells.
        landed_at_return(page, gateway, back)
        a_page_for_people(page)
        landed, message = shown_payment(page)
        assert landed in (Status.PENDING, Status.PAID)
        assert message == (paid if landed == Status.PAID else waiting)
        assert listed(page) == details

        rows = rows_once(unpaid.payment_id, Status.PAID)
        again = page.reload(wait_until="networkidle")
        assert again.status == 200
        a_page_for_people(page)
        assert shown_payment(page) == (Status.PAID, paid)
        assert page.locator(".badge.ok").is_visible()
        assert listed(page) == details

    assert rows == Rows(Status.PAID, Order.Status.PLACED, Order.PaymentStatus.PAID)
    assert requested, "the browser made no request at all"
    assert not outside(requested, live), f"the pages reached outside the server: {requested}"
    assert not problems, problems


def test_a_declined_vnpay_payment_shows_it_did_not_go_through(live):
    unpaid = unpaid_order("vnpay", live)
    not_through = in_vietnamese(NOT_THROUGH, number=unpaid.number)
    details = return_details(unpaid)

    with chromium(PHONE) as page:
        _response, requested, problems = open_page(page, unpaid.start_url)
        # Declined for want of money (51), one of the reasons VNPay's page offers.
        back = pay_at_vnpay(page, unpaid, decline_with="51")
        landed_at_return(page, "vnpay", back)
        rows = rows_once(unpaid.payment_id, Status.FAILED)
        page.reload(wait_until="networkidle")
        a_page_for_people(page)
        assert shown_payment(page) == (Status.FAILED, not_through)
        assert page.locator(".badge.no").is_visible()
        assert listed(page) == details

    # The order still waits for a payment.
    assert rows == Rows(Status.FAILED, Order.Status.UNPAID, Order.PaymentStatus.UNPAID)
    assert not outside(requested, live), requested
    assert not problems, problems


def test_the_return_page_is_english_for_a_browser_asking_for_english(live):
    unpaid = unpaid_order("vnpay", live)
    details = return_details(unpaid, "en")

    with chromium(ENGLISH_PHONE) as page:
        _response, requested, problems = open_page(page, unpaid.start_url)
        # VNPay's own page is Vietnamese whatever the browser asks; the shop's follows it.
        back = pay_at_vnpay(page, unpaid)
        landed_at_return(page, "vnpay", back)
        rows = rows_once(unpaid.payment_id, Status.PAID)
        page.reload(wait_until="networkidle")
        a_page_for_people(page, language="en")
        assert page.title() == "Your payment"
        assert shown_payment(page) == (Status.PAID, PAID % {"number": unpaid.number})
        assert listed(page) == details
        assert "OCOP marketplace of Ninh Thuận" in page.inner_text("footer")

    assert rows.payment == Status.PAID
    assert not outside(requested, live), requested
    assert not problems, problems


def test_the_bank_simulators_send_again_button_is_a_duplicate_charged_once(live):
    unpaid = unpaid_order("vietqr", live)

    with chromium(PHONE) as page:
        _response, requested, problems = open_page(page, unpaid.start_url)
        with page.expect_response(at("/sandbox/bank/sent/", prefix=True)):
            page.get_by_role("button", name="Chuyển tiền", exact=True).click()
        page.locator("[data-delivery-state=delivered]").wait_for(timeout=WAIT_MS)
        sent_path = urlsplit(page.url).path
        again = page.get_by_role("button", name="Gửi lại thông báo (cùng mã giao dịch)")
        with page.expect_response(at(f"{sent_path}/resend")) as resent:
            again.click()
        assert resent.value.status == 302
        page.locator("[data-delivery-state=delivered] >> nth=1").wait_for(timeout=WAIT_MS)
        page.wait_for_load_state("networkidle")
        a_page_for_people(page)
        headings = page.locator("[data-delivery-state] h2").all_inner_texts()
        assert [" ".join(text.split()) for text in headings] == [
            "Lần gửi 1: sàn đã nhận",
            "Lần gửi 2: sàn đã nhận",
        ]
        outcomes = off_the_browser(notification_outcomes)
        # Back on the bank's page, the transfer is among the recent ones, its amount whole.
        with page.expect_response(at("/sandbox/bank/")):
            page.get_by_role("link", name="Chuyển khoản khác", exact=True).click()
        page.wait_for_load_state("networkidle")
        a_page_for_people(page)
        row = page.locator("tr", has=page.get_by_role("link", name=sent_path.rsplit("/", 1)[1]))
        amount = row.locator("td").nth(2)
        assert (row.locator("td").nth(1).inner_text(), amount.inner_text()) == (
            unpaid.code,
            AMOUNT_SHOWN,
        )
        assert lines_of(amount) == 1, "the amount is broken across lines"

    assert outcomes == [Notification.Outcome.RECORDED, Notification.Outcome.DUPLICATE]
    assert off_the_browser(charges_of, unpaid.payment_id) == [TOTAL]
    assert not outside(requested, live), requested
    assert not problems, problems


def lines_of(cell) -> int:
    """How many lines the text of ``cell`` takes on the screen."""
    return cell.evaluate(
        """node => {
            const range = document.createRange();
            range.selectNodeContents(node);
            return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
        }"""
    )


def notification_outcomes() -> list[str]:
    return list(Notification.objects.order_by("pk").values_list("outcome", flat=True))


def charges_of(payment_id: int) -> list[int]:
    charges = TransactionEvent.objects.filter(payment_id=payment_id, kind=Kind.CHARGE)
    return list(charges.values_list("amount", flat=True))
