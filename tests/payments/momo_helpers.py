"""Helpers of the MoMo tests: settings pointing at the sandbox on the live server, a buyer
pressing a button on the sandbox's page over HTTP, and IPNs signed as MoMo signs them."""

import re
from urllib.parse import urljoin

import requests
from django.conf import settings

from payments.protocols import momo

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
HTTP_TIMEOUT = 20


def point_at_sandbox(settings, live_server) -> None:
    """This server's callbacks and MoMo's API on the live server, MoMo offered, fast retries."""
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    settings.MOMO_ENDPOINT = f"{live_server.url}/sandbox/momo/v2/gateway/api"
    settings.PAYMENT_METHODS = ["cod", "momo"]
    settings.MOMO_SANDBOX_RETRY_SECONDS = 0.05


def press(pay_url: str, choice: str, *, follow: bool = True) -> requests.Response:
    """Open MoMo's page as a browser does and press ``approve``, ``decline`` or ``abandon``."""
    session = requests.Session()
    page = session.get(pay_url, timeout=HTTP_TIMEOUT)
    page.raise_for_status()
    token = CSRF_FIELD.search(page.text).group(1)
    action = urljoin(pay_url, FORM_ACTION.search(page.text).group(1))
    return session.post(
        action,
        data={"csrfmiddlewaretoken": token, "choice": choice},
        allow_redirects=follow,
        timeout=HTTP_TIMEOUT,
    )


def signed(body: dict, **changes) -> dict:
    """``body`` with ``changes``, signed again with the merchant's keys (as MoMo would)."""
    unsigned = {key: value for key, value in body.items() if key != "signature"} | changes
    return unsigned | {
        "signature": momo.sign_ipn(unsigned, settings.MOMO_ACCESS_KEY, settings.MOMO_SECRET_KEY)
    }


def post_ipn(live_server, body) -> requests.Response:
    """POST an IPN to this server's MoMo endpoint: a dict as JSON, bytes as they are."""
    url = f"{live_server.url}/payments/momo/ipn"
    if isinstance(body, bytes):
        return requests.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=HTTP_TIMEOUT
        )
    return requests.post(url, json=body, timeout=HTTP_TIMEOUT)
