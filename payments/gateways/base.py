"""The one interface every payment gateway implements, and what passes through it.

A gateway module (``vnpay``, ``momo``, ``vietqr``, ``stripe``) speaks its gateway's
protocol (``payments.protocols``) over HTTP with its settings, and nothing else: it never
writes a model. What it reads from the gateway comes back as ``Notice`` values, which
``payments.services`` applies to the payment in one place, with the exactly-once key,
the amount check and the order's state; so a notification, a status query and a refund
answer move a payment by the same rule.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.functional import Promise

from payments.methods import PaymentAction


@dataclass(frozen=True)
class Incoming:
    """An HTTP request as a gateway's notification endpoint received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    source_address: str | None


@dataclass(frozen=True)
class Notice:
    """What a gateway says happened to one payment (read from a verified notification,
    a status query or a refund's answer).

    ``reference`` is the payment's ``reference`` (what the gateway was given);
    ``gateway_reference`` is the gateway's own id of this event, the exactly-once key
    (with the gateway and the kind). ``kind`` is a ``TransactionEvent.Kind`` value, or
    ``"pending"`` when the gateway says the buyer has not finished.
    """

    reference: str
    kind: str
    amount: int
    gateway_reference: str
    currency: str = "VND"
    message: str = ""
    # The gateway's id of the whole attempt (a PaymentIntent, a transId), kept on the payment.
    payment_reference: str = ""
    raw_status: str = ""
    # Our id of the request that led to it (a refund's reference), set by the services.
    request_reference: str = ""


@dataclass(frozen=True)
class Started:
    """What starting a payment gave: the buyer's next step and the gateway's id, if any."""

    action: PaymentAction
    gateway_reference: str = ""


@dataclass(frozen=True)
class Answer:
    """The HTTP answer a gateway's protocol expects for a notification."""

    status: int
    body: dict | None = None

    def response(self) -> HttpResponse:
        from django.http import JsonResponse

        if self.body is None:
            return HttpResponse(status=self.status)
        return JsonResponse(self.body, status=self.status)

    def as_record(self) -> dict:
        return {"status": self.status, "body": self.body}


class NotificationRefused(Exception):
    """A notification that cannot be read: a bad signature, another merchant, a malformed
    body. ``outcome`` is a ``Notification.Outcome`` value; ``signature_valid`` says whether
    its signature was checked and right (another merchant's, correctly signed) before it
    was refused, as the inbox records it."""

    def __init__(self, outcome: str, detail: str, *, signature_valid: bool = False):
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail
        self.signature_valid = signature_valid


class GatewayError(Exception):
    """The gateway could not be reached or refused a request (start, query, refund)."""


@dataclass(frozen=True)
class StartContext:
    """Where the buyer comes back and where notifications go, from settings (never from
    the client), and the buyer's address for gateways that want it (VNPay)."""

    return_url: str
    notify_url: str
    client_ip: str
    language: str = "vi"
    extra: dict = field(default_factory=dict)


def _query_of(query_string: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query_string, keep_blank_values=True))


class Gateway(ABC):
    code: str
    name: Promise
    # Paid on the gateway's confirmation (every gateway here; COD is not a gateway).
    online = True

    def __str__(self) -> str:
        return str(self.name)

    def configured(self) -> bool:
        """Whether its settings let it take payments now (read at call time); a method
        whose gateway is not is not offered (``payments.methods.methods_available``)."""
        return True

    @staticmethod
    def accepts_amount(amount: int) -> bool:
        """Whether the gateway takes a payment of ``amount`` VND (MoMo's wallet: 1,000 to
        50,000,000; a NAPAS transfer: under 500 million)."""
        return amount > 0

    @abstractmethod
    def start(self, payment, context: StartContext) -> Started:
        """Open the attempt at the gateway for ``payment.amount`` VND."""

    @abstractmethod
    def authenticate(self, incoming: Incoming) -> None:
        """Raise ``NotificationRefused`` (``bad_signature``, or ``invalid`` for another
        merchant's) unless ``incoming`` is the gateway's own, unaltered."""

    @abstractmethod
    def parse(self, incoming: Incoming) -> Notice | None:
        """The notice in an authenticated ``incoming``; ``None`` for one to ignore (a bank's
        outgoing transfer); raises ``NotificationRefused("invalid", ...)`` when malformed.
        Also called again on a stored notification (``notice_of_record``)."""

    def notice_of_record(self, notification) -> Notice | None:
        """The notice of a stored, authenticated ``Notification`` (a deferred refund)."""
        return self.parse(
            Incoming(
                method=notification.method,
                path=notification.path,
                query=_query_of(notification.query_string),
                headers=notification.headers,
                body=notification.body.encode(),
                source_address=notification.source_address,
            )
        )

    # Whether ``return_reference`` checks the gateway's signature on the buyer's return
    # (VNPay, MoMo). A return without one (a bank transfer's, a card's) shows the payment
    # only with the order's ``token`` beside it: order numbers are easy to guess.
    signed_return = False

    def return_reference(self, query: dict[str, str]) -> str:
        """The payment's ``reference`` in the query string the buyer returns with (only to
        find which payment to show; nothing is changed on a return)."""
        return ""

    @abstractmethod
    def answer(self, outcome: str) -> Answer:
        """The protocol's answer for a ``Notification.Outcome``."""

    @abstractmethod
    def query(self, payment) -> list[Notice]:
        """What the gateway says of ``payment`` now (for reconciliation)."""

    @abstractmethod
    def refund(self, payment, amount: int, *, refund_reference: str, reason: str) -> Notice:
        """Refund ``amount`` VND of a charged payment; the refund's notice."""
