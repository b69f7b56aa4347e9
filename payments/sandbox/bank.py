"""The bank simulator: a person transfers money to the collection account, and the service
watching that account (SePay or Casso) tells the merchant, as on a real bank.

Mounted at ``/sandbox/bank/`` when ``PAYMENT_SANDBOXES`` is on (``make run``, the tests):

- ``GET /sandbox/bank/``: a page in Vietnamese to make a transfer (content, amount, which
  service notifies), prefilled from ``?content=OCOP2026000123&amount=150000&style=sepay``
  so a storefront's QR page can link to it; ``POST`` makes the transfer and shows its page
  (``sent/<id>``), with each delivery attempt and a button to send it again (a duplicate,
  as the services' dashboards do).
- ``POST /sandbox/bank/transfers`` (JSON ``{content, amount, style, account_number?,
  direction?}``) for tests and scripts: 202 with the transfer; ``GET transfers/<id>`` its
  state; ``POST transfers/<id>/resend`` sends it again under the same transaction id.

Each transfer is posted to this server's bank notification endpoint
(``PAYMENT_CALLBACK_BASE_URL`` + the path of ``payments-bank-notify``) from a daemon
thread, signed as its service signs:

- SePay: the transaction as JSON with ``Authorization: Apikey <SEPAY_API_KEY>``. An answer
  outside 2xx, or none, is retried up to 7 times, spaced as SePay spaces them (1, 1, 2, 3,
  5, 8, 13 minutes), on a fast clock: ``BANK_SANDBOX_RETRY_SECONDS`` per minute (0.2 s).
- Casso: webhook v2 (``{"error": 0, "data": {...}}``) with ``X-Casso-Signature`` made at
  the moment of sending with ``CASSO_CHECKSUM_KEY``. Sent once: Casso's retry schedule is
  not in the material this project follows, so none is invented; "send again" is by hand.

Settings are read when a transfer is sent and handed to its thread, so a test changing them
does not move a delivery under way. State is in memory here (a dict under a lock): one
sandbox serves one process, and a restart forgets it. Transaction ids start from the clock,
so a restarted sandbox never reuses an id (the merchant would take it for a duplicate).
"""

import datetime
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from payments.protocols import bank_notifications as bank
from payments.protocols.vietqr import MAX_ACCOUNT_LENGTH, MAX_AMOUNT_EXCLUSIVE

SEPAY = "sepay"
CASSO = "casso"
STYLES = {SEPAY: "SePay", CASSO: "Casso"}
INCOMING = "in"
OUTGOING = "out"
DIRECTIONS = (INCOMING, OUTGOING)
# SePay: the first attempt, then 7 retries this many minutes apart (its documented schedule).
SEPAY_RETRY_MINUTES = (1, 1, 2, 3, 5, 8, 13)
RETRY_MINUTES = {SEPAY: SEPAY_RETRY_MINUTES, CASSO: ()}
DEFAULT_RETRY_SECONDS = 0.2
# How long SePay waits for the merchant's answer before counting the attempt as failed.
ANSWER_TIMEOUT_SECONDS = 30
MAX_CONTENT_LENGTH = 200
STARTING_BALANCE = 25_000_000
# What the simulator remembers (its pages and the API show these), oldest forgotten first.
MAX_KEPT_TRANSFERS = 1000
# The banks of shared/DOMAIN.md by BIN: their names, as the services write them.
BANKS = {
    "970436": ("Vietcombank", "VCB"),
    "970415": ("VietinBank", "CTG"),
    "970418": ("BIDV", "BIDV"),
    "970405": ("Agribank", "VBA"),
    "970416": ("ACB", "ACB"),
    "970422": ("MBBank", "MB"),
    "970403": ("Sacombank", "STB"),
    "970407": ("Techcombank", "TCB"),
}
_AMOUNT_SEPARATORS = re.compile(r"[.,\s_]")
_ACCOUNT = re.compile(rf"[0-9]{{1,{MAX_ACCOUNT_LENGTH}}}")


@dataclass
class Attempt:
    """One POST to the merchant: its HTTP status (``None`` when nothing answered)."""

    status: int | None
    answer: str
    at: datetime.datetime


@dataclass
class Delivery:
    """One sending of a transfer, with its retries."""

    attempts: list[Attempt] = field(default_factory=list)
    delivered: bool = False
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def state(self) -> str:
        if self.delivered:
            return "delivered"
        return "failed" if self.finished.is_set() else "sending"


@dataclass
class Transfer:
    id: int
    style: str
    content: str
    amount: int
    account_number: str
    direction: str
    payload: dict
    created_at: datetime.datetime
    deliveries: list[Delivery] = field(default_factory=list)


class SandboxInputError(ValueError):
    """What a person or a script sent that the simulator cannot make a transfer of."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


_lock = threading.Lock()
_transfers: dict[int, Transfer] = {}
_transaction_ids = itertools.count(time.time_ns() // 1_000_000)
_balance = STARTING_BALANCE


# ---------------------------------------------------------------- transfers


def transfer_make(
    *,
    content: object,
    amount: object,
    style: object = SEPAY,
    account_number: object = None,
    direction: object = INCOMING,
) -> Transfer:
    """A transfer of ``amount`` VND with ``content`` on the watched account (the
    collection account unless ``account_number``), as ``style``'s service reports it.
    Raises ``SandboxInputError`` (by field) for what cannot be one."""
    global _balance
    errors: dict[str, str] = {}
    content = _checked_content(content, errors)
    amount = _checked_amount(amount, errors)
    if not isinstance(style, str) or style not in STYLES:
        errors["style"] = _("Choose SePay or Casso.")
    if account_number in (None, ""):
        account_number = settings.VIETQR_ACCOUNT_NO
    if not isinstance(account_number, str) or not _ACCOUNT.fullmatch(account_number):
        errors["account_number"] = _("An account number is 1 to %(limit)s digits.") % {
            "limit": MAX_ACCOUNT_LENGTH
        }
    if direction not in DIRECTIONS:
        errors["direction"] = _("A transfer goes in or out.")
    if errors:
        raise SandboxInputError(errors)
    now = timezone.localtime()
    with _lock:
        transaction_id = next(_transaction_ids)
        _balance += amount if direction == INCOMING else -amount
        balance = _balance
    payload = _payload(
        style,
        transaction_id=transaction_id,
        content=content,
        amount=amount,
        account_number=account_number,
        direction=direction,
        balance=balance,
        when=now,
    )
    transfer = Transfer(
        id=transaction_id,
        style=style,
        content=content,
        amount=amount,
        account_number=account_number,
        direction=direction,
        payload=payload,
        created_at=now,
    )
    with _lock:
        _transfers[transfer.id] = transfer
        while len(_transfers) > MAX_KEPT_TRANSFERS:  # ids grow: the first is the oldest
            del _transfers[next(iter(_transfers))]
    return transfer


def transfer_named(transfer_id: int) -> Transfer | None:
    with _lock:
        return _transfers.get(transfer_id)


def transfers_recent(limit: int = 10) -> list[Transfer]:
    with _lock:
        return sorted(_transfers.values(), key=lambda item: item.id, reverse=True)[:limit]


def transfer_send(transfer: Transfer) -> Delivery:
    """Post ``transfer`` to the merchant from a daemon thread, retrying as its service
    does; the ``Delivery`` fills in as the attempts are made."""
    delivery = Delivery()
    with _lock:
        transfer.deliveries.append(delivery)
    key = settings.SEPAY_API_KEY if transfer.style == SEPAY else settings.CASSO_CHECKSUM_KEY
    retry_seconds = float(getattr(settings, "BANK_SANDBOX_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    threading.Thread(
        target=_deliver,
        args=(transfer, delivery, notify_url(), key, retry_seconds),
        name=f"bank-sandbox-{transfer.id}",
        daemon=True,
    ).start()
    return delivery


def notify_url() -> str:
    """Where the services post: this server's bank notification endpoint."""
    base = settings.PAYMENT_CALLBACK_BASE_URL.rstrip("/")
    return base + reverse("payments-bank-notify")


def _deliver(
    transfer: Transfer, delivery: Delivery, url: str, key: str, retry_seconds: float
) -> None:
    try:
        for wait_minutes in (0, *RETRY_MINUTES[transfer.style]):
            if wait_minutes:
                time.sleep(wait_minutes * retry_seconds)
            attempt = _post(transfer, url, key)
            with _lock:
                delivery.attempts.append(attempt)
                if attempt.status is not None and 200 <= attempt.status < 300:
                    delivery.delivered = True
            if delivery.delivered:
                return
    finally:
        delivery.finished.set()


def _post(transfer: Transfer, url: str, key: str) -> Attempt:
    body = json.dumps(transfer.payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "ocop-bank-sandbox"}
    if transfer.style == SEPAY:
        headers[bank.SEPAY_AUTHORIZATION_HEADER] = bank.sepay_authorization_header(key)
    else:
        signed_at = time.time_ns() // 1_000_000
        headers[bank.CASSO_SIGNATURE_HEADER] = bank.casso_signature_header(
            transfer.payload, key, signed_at
        )
    try:
        response = requests.post(
            url, data=body, headers=headers, timeout=ANSWER_TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        return Attempt(status=None, answer=type(error).__name__, at=timezone.now())
    return Attempt(status=response.status_code, answer=response.text[:200], at=timezone.now())


def _payload(
    style: str,
    *,
    transaction_id: int,
    content: str,
    amount: int,
    account_number: str,
    direction: str,
    balance: int,
    when: datetime.datetime,
) -> dict:
    bank_name, bank_short = BANKS.get(settings.VIETQR_BANK_BIN, ("Ngân hàng", "NH"))
    moment = when.strftime("%Y-%m-%d %H:%M:%S")
    reference = f"FT{transaction_id}"
    if style == SEPAY:
        return {
            "id": transaction_id,
            "gateway": bank_name,
            "transactionDate": moment,
            "accountNumber": account_number,
            "code": None,
            "content": content,
            "transferType": direction,
            "transferAmount": amount,
            "accumulated": balance,
            "subAccount": None,
            "referenceCode": f"{bank_short}.{reference}",
            "description": f"BankAPINotify {content}",
        }
    return {
        "error": 0,
        "data": {
            "id": transaction_id,
            "reference": reference,
            "description": content,
            "amount": amount if direction == INCOMING else -amount,
            "runningBalance": balance,
            "transactionDateTime": moment,
            "accountNumber": account_number,
            "bankName": bank_name,
            "bankAbbreviation": bank_short,
            "virtualAccountNumber": "",
            "virtualAccountName": "",
            "counterAccountName": "NGUYEN VAN A",
            "counterAccountNumber": "0123456789",
            "counterAccountBankId": "970415",
            "counterAccountBankName": "VietinBank",
        },
    }


def _checked_content(content: object, errors: dict[str, str]) -> str:
    text = content.strip() if isinstance(content, str) else ""
    if not text or len(text) > MAX_CONTENT_LENGTH:
        errors["content"] = _("The transfer's content is 1 to %(limit)s characters.") % {
            "limit": MAX_CONTENT_LENGTH
        }
    return text


def _checked_amount(amount: object, errors: dict[str, str]) -> int:
    # People write 150.000 or 150,000 (thousands grouped); a script sends a number.
    if isinstance(amount, str):
        digits = _AMOUNT_SEPARATORS.sub("", amount)
        amount = int(digits) if digits.isascii() and digits.isdigit() else None
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or not (0 < amount < MAX_AMOUNT_EXCLUSIVE)
    ):
        errors["amount"] = _("The amount is a whole number of VND from 1 to under %(limit)s.") % {
            "limit": f"{MAX_AMOUNT_EXCLUSIVE:,}"
        }
        return 0
    return amount


def _as_record(transfer: Transfer) -> dict:
    with _lock:
        deliveries = [
            {
                "state": delivery.state,
                "attempts": [
                    {"status": item.status, "answer": item.answer, "at": item.at.isoformat()}
                    for item in delivery.attempts
                ],
            }
            for delivery in transfer.deliveries
        ]
    return {
        "id": transfer.id,
        "style": transfer.style,
        "content": transfer.content,
        "amount": transfer.amount,
        "account_number": transfer.account_number,
        "direction": transfer.direction,
        "payload": transfer.payload,
        "deliveries": deliveries,
        "status_url": reverse("sandbox-bank-transfer", args=[transfer.id]),
    }


# ---------------------------------------------------------------- pages a person sees


@require_http_methods(["GET", "POST"])
def transfer_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = {
            "content": request.POST.get("content", ""),
            "amount": request.POST.get("amount", ""),
            "style": request.POST.get("style", SEPAY),
        }
        try:
            transfer = transfer_make(
                content=form["content"], amount=form["amount"], style=form["style"]
            )
        except SandboxInputError as refusal:
            return _form(request, form, refusal.errors, status=400)
        transfer_send(transfer)
        return redirect("sandbox-bank-sent", transfer_id=transfer.id)
    amount = request.GET.get("amount", "")
    style = request.GET.get("style", SEPAY)
    form = {
        "content": request.GET.get("content", "")[:MAX_CONTENT_LENGTH],
        "amount": amount if amount.isascii() and amount.isdigit() else "",
        "style": style if style in STYLES else SEPAY,
    }
    return _form(request, form, {})


def _form(request: HttpRequest, form: dict, errors: dict, *, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "errors": errors,
        "styles": STYLES,
        "bank_name": BANKS.get(settings.VIETQR_BANK_BIN, (settings.VIETQR_BANK_BIN,))[0],
        "account_number": settings.VIETQR_ACCOUNT_NO,
        "account_name": settings.VIETQR_ACCOUNT_NAME,
        "recent": transfers_recent(),
    }
    return render(request, "payments/sandbox/bank_transfer.html", context, status=status)


@require_http_methods(["GET"])
def sent_page(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = transfer_named(transfer_id)
    if transfer is None:
        raise Http404
    record = _as_record(transfer)
    context = {
        "transfer": transfer,
        "style_name": STYLES[transfer.style],
        "deliveries": record["deliveries"],
        "sending": any(item["state"] == "sending" for item in record["deliveries"]),
    }
    return render(request, "payments/sandbox/bank_sent.html", context)


@require_http_methods(["POST"])
def sent_resend(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = transfer_named(transfer_id)
    if transfer is None:
        raise Http404
    transfer_send(transfer)
    return redirect("sandbox-bank-sent", transfer_id=transfer.id)


# ---------------------------------------------------------------- the JSON API


def _refused(errors: dict[str, str], status: int = 400) -> JsonResponse:
    listed = [{"field": name, "code": "INVALID", "message": text} for name, text in errors.items()]
    return JsonResponse({"errors": listed}, status=status)


def _not_found() -> JsonResponse:
    return _refused({"id": _("No such transfer.")}, status=404)


@csrf_exempt
@require_http_methods(["POST"])
def api_transfers(request: HttpRequest) -> JsonResponse:
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return _refused({"body": _("Send a JSON object.")})
    try:
        transfer = transfer_make(
            content=data.get("content"),
            amount=data.get("amount"),
            style=data.get("style", SEPAY),
            account_number=data.get("account_number"),
            direction=data.get("direction", INCOMING),
        )
    except SandboxInputError as refusal:
        return _refused(refusal.errors)
    transfer_send(transfer)
    return JsonResponse(_as_record(transfer), status=202)


@require_http_methods(["GET"])
def api_transfer(request: HttpRequest, transfer_id: int) -> JsonResponse:
    transfer = transfer_named(transfer_id)
    return _not_found() if transfer is None else JsonResponse(_as_record(transfer))


@csrf_exempt
@require_http_methods(["POST"])
def api_resend(request: HttpRequest, transfer_id: int) -> JsonResponse:
    transfer = transfer_named(transfer_id)
    if transfer is None:
        return _not_found()
    transfer_send(transfer)
    return JsonResponse(_as_record(transfer), status=202)


urlpatterns = [
    path("", transfer_page, name="sandbox-bank"),
    path("sent/<int:transfer_id>", sent_page, name="sandbox-bank-sent"),
    path("sent/<int:transfer_id>/resend", sent_resend, name="sandbox-bank-sent-resend"),
    path("transfers", api_transfers, name="sandbox-bank-transfers"),
    path("transfers/<int:transfer_id>", api_transfer, name="sandbox-bank-transfer"),
    path("transfers/<int:transfer_id>/resend", api_resend, name="sandbox-bank-resend"),
]
