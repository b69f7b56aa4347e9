"""The README's payment example is true of the demo data: a guest's order paid by bank
transfer (VietQR), its requests sent in order, gives the answers printed there.

As in ``test_readme_checkout.py``, each README ID is mapped to the object of the same rank
here (a fresh ``make run`` numbers them from 1), and what differs on every run is compared by
form: tokens, the order's number, the bank simulator's transfer id and time. The order's code
(``OCOP2026000001``) counts the year's orders, so wherever the README prints it (the
payment's reference, the QR payload, the transfer's content) this run's code stands in its
place. The QR payload ends with a CRC of the rest, which changes with the code: the payload
is compared without it and must parse, CRC checked. The QR image is printed cut short (ending
in "…"): the answer's must start with what is printed and be the PNG of the answer's payload.
The transfer's answer shows its delivery as it was at that moment (the simulator's thread
had not posted yet); the test then waits for it to finish and checks what the README says of
it (answered 200, the order paid, one charge).

The GraphQL requests go through the test client; the transfer is sent over real HTTP to the
live server's bank simulator, which posts its notification to the live server's
``/payments/bank/notify``, as on ``make run``.
"""

import base64
import json
import re
import uuid
from pathlib import Path

import pytest
import requests
from graphql_relay import to_global_id

from catalog.models import Category, Product, ProductVariant
from market.checkout.models import ShippingMethod
from market.demo.loader import load_demo
from market.orders.models import Order
from market.sellers.models import Seller
from payments.models import Notification, Payment, TransactionEvent
from payments.protocols import vietqr
from payments.protocols.bank_notifications import transfer_code
from payments.sandbox import bank as bank_sandbox

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```(?P<kind>graphql|json|sh)\n(?P<text>.*?)\n```", re.S)
CURL = re.compile(r"curl -s (?P<url>\S+) .*?-d '(?P<body>[^']*)'", re.S)
MODELS = {
    "ProductVariant": ProductVariant,
    "Seller": Seller,
    "ShippingMethod": ShippingMethod,
    "Order": Order,
}
ORDER_NUMBER = re.compile(r"^OCOP-\d{4}-\d{6}$")
TRANSACTION_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
TOKEN_KEYS = ("token", "orderToken")
IMAGE_CUT = "…"
PNG_DATA_URL = "data:image/png;base64,"
SANDBOX_ORIGIN = "http://127.0.0.1:8000"  # make run's address, where the README's curl goes
DELIVERY_WAIT_SECONDS = 20

pytestmark = pytest.mark.django_db(transaction=True)


def section() -> str:
    text = README.read_text(encoding="utf-8").split("\n## Payment example", 1)[1]
    return text.split("\n## ", 1)[0]


def steps() -> list[dict]:
    """The numbered steps, in order: ``{"graphql", "variables", "answer"}`` for a GraphQL
    request, ``{"url", "body", "answer"}`` for the transfer's curl."""
    found = []
    for part in re.split(r"\n### ", section())[1:]:
        if not re.match(r"\d+\. ", part):
            continue
        blocks = [(m["kind"], m["text"]) for m in BLOCK.finditer(part)]
        kinds = [kind for kind, _text in blocks]
        texts = [text for _kind, text in blocks]
        if kinds[0] == "graphql":
            assert kinds in (["graphql", "json"], ["graphql", "json", "json"]), part[:40]
            variables = json.loads(texts[1]) if len(texts) == 3 else None
            found.append(
                {"graphql": texts[0], "variables": variables, "answer": json.loads(texts[-1])}
            )
        else:
            assert kinds == ["sh", "json"], part[:40]
            curl = CURL.search(texts[0])
            assert curl, texts[0]
            found.append(
                {
                    "url": curl["url"],
                    "body": json.loads(curl["body"]),
                    "answer": json.loads(texts[1]),
                }
            )
    return found


def id_map() -> dict[str, str]:
    """Each global ID a fresh install gives these objects → the ID they have here."""
    mapped = {}
    for type_name, model in MODELS.items():
        for rank, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True), 1):
            mapped[to_global_id(type_name, rank)] = to_global_id(type_name, pk)
    return mapped


class Run:
    """What this run calls the README's values: IDs by rank; tokens, the order's number and
    code, the transfer's id and time as they come in (each checked for its form)."""

    def __init__(self):
        self.exact: dict = {}
        self.within: dict[str, str] = {}

    def learn(self, printed, answered) -> None:
        """Walk the README's answer beside this run's, noting the values that differ by run."""
        if isinstance(printed, dict) and isinstance(answered, dict):
            for key, value in printed.items():
                if key not in answered:
                    continue
                if key in TOKEN_KEYS and isinstance(value, str):
                    assert uuid.UUID(value).version == 4, value
                    assert uuid.UUID(answered[key]).version == 4, answered[key]
                    self.exact[value] = answered[key]
                elif key == "number" and isinstance(value, str) and ORDER_NUMBER.match(value):
                    assert ORDER_NUMBER.match(answered[key]), answered[key]
                    self.exact[value] = answered[key]
                    self.within[transfer_code(value)] = transfer_code(answered[key])
                elif key == "transactionDate":
                    assert TRANSACTION_DATE.match(answered[key]), answered[key]
                    self.exact[value] = answered[key]
                else:
                    self.learn(value, answered[key])
        elif isinstance(printed, list) and isinstance(answered, list):
            for value, other in zip(printed, answered, strict=False):
                self.learn(value, other)

    def learn_transfer(self, printed_id: int, answered_id: int) -> None:
        assert isinstance(answered_id, int)
        assert answered_id > 0
        self.exact[printed_id] = answered_id
        self.within[str(printed_id)] = str(answered_id)

    def here(self, value):
        """``value`` of the README as this run has it."""
        if isinstance(value, dict):
            return {key: self.here(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.here(item) for item in value]
        if isinstance(value, bool) or value is None:
            return value
        if value in self.exact:
            return self.exact[value]
        if isinstance(value, str):
            for printed, answered in self.within.items():
                value = value.replace(printed, answered)
        return value


def check_qr_action(printed_data: str, answered_data: str, run: Run) -> None:
    """The QR ``action.data``: payload compared without its CRC, the image cut short."""
    printed, answered = json.loads(printed_data), json.loads(answered_data)
    assert set(printed) == set(answered)
    # The README's payload is a VietQR payload itself, CRC included.
    shown = vietqr.parse_payload(printed["payload"])
    assert run.here(printed["payload"][:-4]) == answered["payload"][:-4]
    request = vietqr.parse_payload(answered["payload"])
    assert request.amount == shown.amount == printed["amount"]
    assert request.purpose == run.here(shown.purpose) == answered["content"]
    assert printed["image"].endswith(IMAGE_CUT), "the README cuts the image short, and says so"
    assert answered["image"].startswith(printed["image"].removesuffix(IMAGE_CUT))
    png = vietqr.qr_png(answered["payload"])
    assert answered["image"] == PNG_DATA_URL + base64.b64encode(png).decode("ascii")
    rest = {key: value for key, value in printed.items() if key not in ("payload", "image")}
    assert run.here(rest) == {key: answered[key] for key in rest}


def transfer_checked(step: dict, run: Run, origin: str) -> dict:
    """Send the README's transfer to the live server's simulator; check its answer."""
    url = step["url"].replace(SANDBOX_ORIGIN, origin)
    response = requests.post(url, json=run.here(step["body"]), timeout=10)
    assert response.status_code == 202, response.text
    answered = response.json()
    printed = step["answer"]
    run.learn_transfer(printed["id"], answered["id"])
    run.learn(printed, answered)
    # The delivery as it was when the simulator answered: its thread had not posted yet
    # (here it may have: only the count is compared; the test waits for the outcome).
    assert printed["deliveries"] == [{"state": "sending", "attempts": []}]
    assert len(answered["deliveries"]) == 1
    rest = {key: value for key, value in printed.items() if key != "deliveries"}
    assert {key: answered[key] for key in answered if key != "deliveries"} == run.here(rest)
    # The notification is delivered (and the order paid) before the next step asks.
    delivery = bank_sandbox.transfer_named(answered["id"]).deliveries[0]
    assert delivery.finished.wait(DELIVERY_WAIT_SECONDS)
    state = requests.get(origin + answered["status_url"], timeout=10).json()
    assert state["deliveries"][0]["state"] == "delivered"
    assert [
        [(attempt["status"], attempt["answer"]) for attempt in item["attempts"]]
        for item in state["deliveries"]
    ] == [[(200, '{"success": true}')]]
    return answered


def operation(query: str) -> str:
    return re.match(r"(mutation|query) \w+", query)[0]


def test_the_readme_has_the_eight_steps():
    found = steps()
    assert len(found) == 8
    assert [operation(step["graphql"]) for step in found if "graphql" in step] == [
        "mutation Start",
        "mutation Delivery",
        "mutation Pay",
        "mutation Place",
        "query Gateways",
        "mutation PayByBankTransfer",
        "query Follow",
    ]
    assert found[6]["url"] == f"{SANDBOX_ORIGIN}/sandbox/bank/transfers"


def test_the_payment_example_answers_as_printed(
    graphql, settings, live_server, monkeypatch, mailoutbox
):
    # make run's embedded defaults: no Elasticsearch, no Stripe server; the simulator's
    # account starts at its opening balance, as in a freshly started server.
    settings.ELASTICSEARCH_URL = None
    settings.STRIPE_API_BASE = None
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    monkeypatch.setattr(bank_sandbox, "_balance", bank_sandbox.STARTING_BALANCE)
    # The demo data alone, whatever earlier tests committed.
    Product.objects.all().delete()
    Seller.objects.all().delete()
    while Category.objects.exists():
        Category.objects.filter(children__isnull=True).delete()
    load_demo()
    run = Run()
    transfer = {}

    for step in steps():
        run.exact.update(id_map())
        if "graphql" not in step:
            transfer = transfer_checked(step, run, live_server.url)
            continue
        name = operation(step["graphql"])
        status, body = graphql(step["graphql"], run.here(step["variables"]))
        assert status == 200, body
        run.learn(step["answer"], body)
        run.exact.update(id_map())  # the order placed by this step, by rank too
        printed = run.here(step["answer"])
        if name == "mutation PayByBankTransfer":
            printed_action = printed["data"]["orderPaymentStart"]["payment"]["action"]
            answered_action = body["data"]["orderPaymentStart"]["payment"]["action"]
            readme_action = step["answer"]["data"]["orderPaymentStart"]["payment"]["action"]
            check_qr_action(readme_action["data"], answered_action["data"], run)
            printed_action["data"] = answered_action["data"]  # checked just above
        assert body == printed, name

    # What the README says of the server's part (the demo's own orders were paid before).
    payment = Payment.objects.latest("pk")
    notification = Notification.objects.latest("pk")
    assert (notification.gateway, notification.path, notification.outcome) == (
        "vietqr",
        "/payments/bank/notify",
        Notification.Outcome.RECORDED,
    )
    (event,) = TransactionEvent.objects.filter(payment=payment)
    assert (event.kind, event.amount, event.gateway_reference) == (
        TransactionEvent.Kind.CHARGE,
        payment.amount,
        f"sepay:{transfer['id']}",
    )
