"""The VNPay sandbox's memory: what VNPay keeps of each payment and of each IPN it sent.

In memory, in this module, behind one lock: one sandbox serves one process (the pages
and the merchant API of ``payments.sandbox.vnpay`` and ``vnpay_api`` share it). The tests
read what was delivered (``deliveries``), make the next IPN get lost (``drop_next_ipn``)
to prove reconciliation, and start clean (``reset``).
"""

import itertools
import threading
import time
from dataclasses import dataclass, field

BANK_CODE = "NCB"
# vnp_TransactionStatus: paid, not finished, failed; a refund under way at VNPay.
PAID, UNFINISHED, FAILED, REFUND_PROCESSING = "00", "01", "02", "05"
PENDING, APPROVED, DECLINED, ABANDONED = "pending", "approved", "declined", "abandoned"


@dataclass
class SandboxTransaction:
    """One payment as VNPay keeps it. Amounts are VNPay's hundredths of a đồng."""

    tmn_code: str
    txn_ref: str
    amount: int
    order_info: str
    return_url: str
    create_date: str
    expires_at: object
    session: str
    state: str = PENDING
    response_code: str = ""
    transaction_no: str = ""
    pay_date: str = ""
    refunded: int = 0
    refunds: list = field(default_factory=list)

    @property
    def transaction_status(self) -> str:
        return {APPROVED: PAID, DECLINED: FAILED}.get(self.state, UNFINISHED)


@dataclass
class Delivery:
    """One IPN and its attempts: ``{"attempt", "status", "answer", "error"}`` each."""

    txn_ref: str
    url: str
    dropped: bool = False
    attempts: list = field(default_factory=list)
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def answers(self) -> list[str]:
        """The ``RspCode`` of each attempt (``""`` when none came back)."""
        return [(attempt["answer"] or {}).get("RspCode", "") for attempt in self.attempts]


lock = threading.Lock()
transactions: dict[str, SandboxTransaction] = {}
# The payment page's form token of each transaction shown, to its reference.
sessions: dict[str, str] = {}
sent: list[Delivery] = []
request_ids: set[str] = set()
state = {"drops": 0, "generation": 0}
# VNPay's transaction numbers: from the clock in milliseconds, so that a restarted
# sandbox never numbers a transaction as one a kept database already has.
_numbers = itertools.count(int(time.time() * 1000))


def next_number() -> str:
    """A new VNPay transaction number (call with ``lock`` held)."""
    return str(next(_numbers))


def reset() -> None:
    """Forget every transaction and delivery; IPNs still being retried stop."""
    with lock:
        transactions.clear()
        sessions.clear()
        sent.clear()
        request_ids.clear()
        state["drops"] = 0
        state["generation"] += 1


def drop_next_ipn() -> None:
    """The next IPN is lost: recorded as dropped and never sent."""
    with lock:
        state["drops"] += 1


def deliveries(txn_ref: str | None = None) -> list[Delivery]:
    """The IPNs sent (or dropped), oldest first, of ``txn_ref`` or of every payment."""
    with lock:
        return [item for item in sent if txn_ref is None or item.txn_ref == txn_ref]


def transaction_of(txn_ref: str) -> SandboxTransaction | None:
    with lock:
        return transactions.get(txn_ref)
