"""The sellers' settlement ledger: for one seller and one period, what was paid for its
seller orders, the marketplace's commission, the refunds of its parts and what it is owed.

Computed from live rows each time (the orders, their timeline, the payments' append-only
events), never from a stored counter: what the database knows of a statement's lines is
one query (``statement_lines``), whatever the number of seller orders, and each line's
figures are computed from it by one function (``Statement.line_of``), so the GraphQL
query, the CSV and the XLSX read the same numbers, and a total is the sum of its lines.

The rules, decided here and nowhere else:

- **Period.** ``[first, last]``, whole days in Vietnam time (Asia/Ho_Chi_Minh, whatever the
  server's ``TIME_ZONE``), at most ``MAX_PERIOD_DAYS``. Each amount counts in the period
  of the event that moved the money, so a past period's statement never changes (events
  are append-only), save for a change of the rates in settings or of the seller's kind.
- **Paid.** A seller order is paid, for its total (its lines and its shipping), when the
  money for it came: for an order paid online (any method but cash), at the order's first
  ``paid`` event (written by ``order_mark_paid`` with the gateway's charge, or by an
  operator confirming a payment by hand), since the buyer pays the order's total, every
  part in it; for cash on delivery, at that part's own cash collection (the charge
  ``payments.services.cod`` keys ``cod:<part number>``), since each seller collects its
  own part and the order is marked paid only when all are in (a cash order an operator
  marks paid by hand records no part's cash, and counts nothing until it is recorded). A
  part cancelled before or after the payment came is paid all the same, and its refund
  counts when it is made: the money did come for it and goes back, and a period already
  settled is never rewritten.
- **Refunds.** A refund event of the order's payments is the part's when its request
  reference names the part (``part:<part number>``, as
  ``payments.services.refunds.part_refund_reference`` writes it for a cancelled part). It
  counts in the period of the refund. A refund naming no part (an operator's
  ``payment_refund``, ``…R<n>``; one a gateway reports that we did not request) is
  attributed to no seller: it is the marketplace's own decision (a buyer charged twice,
  money that came for an expired order, a goodwill gesture), and spreading it pro rata
  would debit sellers for money that was never theirs (refunding a double charge would
  wipe out every seller's share). It stays on the marketplace's books, in the payment's
  events.
- **Commission.** A rate per seller kind (``settings.MARKETPLACE_COMMISSION_RATES``, basis
  points, ``default`` for the kinds not named) on what the seller keeps of each seller
  order in the period (paid less refunded), rounded to the đồng half away from zero, per
  seller order; the statement's commission is the sum of its lines. A part paid in one
  period and refunded whole in a later one gets back, in the later one, exactly the
  commission it paid (at an unchanged rate); a line can then be negative.
- **Owed.** Paid less refunded less commission, per line and in total.
- **Cash.** Cash on delivery is collected by the seller, who holds it: a line shows the
  cash collected, and the payout (owed less the cash collected) is what the marketplace
  transfers to the seller, negative when the seller owes the marketplace its commission.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext as _

from market.core.errors import InvalidInput, NotFound
from market.core.permissions import is_row_id, require_seller_owner
from market.orders.models import OrderEvent, SellerOrder
from market.sellers.models import Seller
from payments.methods import COD
from payments.models import TransactionEvent

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_PERIOD_DAYS = 366
BASIS_POINTS = 10_000
# payments.services.cod keys a part's cash collection so; refunds.part_refund_reference
# names a part's refund so (tests/payments/test_ledger.py runs both services).
CASH_REFERENCE_PREFIX = "cod:"
PART_REFUND_PREFIX = "part:"

Kind = TransactionEvent.Kind
MONEY = BigIntegerField()


@dataclass(frozen=True)
class Period:
    """Whole days ``first`` to ``last``, both included, in Vietnam time."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=VIETNAM)

    @property
    def end(self) -> datetime:
        """The first moment after the period: the next local midnight."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=VIETNAM)


def period_checked(first: date, last: date) -> Period:
    """The period, or ``InvalidInput`` (``INVALID_PERIOD``) for one that ends before it
    starts, is longer than ``MAX_PERIOD_DAYS`` or runs off the calendar."""
    if last < first:
        raise InvalidInput(
            _("A period cannot end before it starts."), code="INVALID_PERIOD", field="period"
        )
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("A period is at most %(days)d days long.") % {"days": MAX_PERIOD_DAYS},
            code="INVALID_PERIOD",
            field="period",
        )
    period = Period(first, last)
    try:
        period.start.astimezone(UTC)
        period.end.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            _("The period lies outside the calendar."), code="INVALID_PERIOD", field="period"
        ) from None
    return period


def commission_rate_of(kind: str) -> int:
    """The commission, in basis points, on sellers of ``kind`` (read at call time)."""
    rates = settings.MARKETPLACE_COMMISSION_RATES
    return rates.get(kind, rates["default"])


def commission_on(amount: int, rate: int) -> int:
    """``rate`` basis points of ``amount`` đồng, rounded to the đồng half away from zero (so
    a refund gives back exactly what its payment was charged)."""
    magnitude = (abs(amount) * rate + BASIS_POINTS // 2) // BASIS_POINTS
    return magnitude if amount >= 0 else -magnitude


def statement_lines(seller_id: int, period: Period) -> QuerySet[SellerOrder]:
    """The seller orders of the seller with money moved in ``period``, in the order they
    were paid, each with what the database knows of it: ``ledger_paid_at`` (when it was
    paid, possibly before the period for a part only refunded in it), ``ledger_counted``
    (paid in the period) and ``ledger_refunded`` (its refunds in the period, whole VND).
    ``Statement.line_of`` turns a row into its figures."""
    start, end = period.start, period.end
    order_paid = OrderEvent.objects.filter(
        order_id=OuterRef("order_id"), type=OrderEvent.Type.PAID
    ).order_by("created_at", "pk")
    cash_collected = TransactionEvent.objects.filter(
        gateway=COD.code, kind=Kind.CHARGE, gateway_reference=OuterRef("ledger_cash_reference")
    ).order_by("created_at", "pk")
    refunds = (
        TransactionEvent.objects.filter(
            kind=Kind.REFUND,
            payment__order_id=OuterRef("order_id"),
            request_reference=OuterRef("ledger_refund_reference"),
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .values("payment__order_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        # A part is created before anything is paid for it or refunded.
        SellerOrder.objects.filter(seller_id=seller_id, created_at__lt=end)
        .select_related("order")
        .annotate(
            ledger_cash_reference=Concat(
                Value(CASH_REFERENCE_PREFIX), "number", output_field=CharField()
            ),
            ledger_refund_reference=Concat(
                Value(PART_REFUND_PREFIX), "number", output_field=CharField()
            ),
            ledger_paid_at=Case(
                When(
                    order__payment_method=COD.code,
                    then=Subquery(cash_collected.values("created_at")[:1]),
                ),
                default=Subquery(order_paid.values("created_at")[:1]),
                output_field=DateTimeField(),
            ),
            ledger_counted=Case(
                When(Q(ledger_paid_at__gte=start, ledger_paid_at__lt=end), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            ledger_refunded=Coalesce(Subquery(refunds), Value(0), output_field=MONEY),
        )
        .filter(Q(ledger_counted=True) | Q(ledger_refunded__gt=0))
        # Keyset pagination needs a sort key that is never null.
        .annotate(ledger_sort_at=Coalesce("ledger_paid_at", "created_at"))
        .order_by("ledger_sort_at", "pk")
    )


FIGURES = ("goods", "shipping", "paid", "refunded", "commission", "owed", "cash", "payout")


@dataclass(frozen=True)
class Line:
    """A seller order's figures on a statement, whole VND (see the module's rules):
    ``goods``, ``shipping`` and ``paid`` (their sum) when paid in the period, else 0;
    ``cash`` what of it the seller collected itself; ``payout`` owed less that cash."""

    seller_order: SellerOrder
    paid_at: datetime | None
    goods: int
    shipping: int
    paid: int
    refunded: int
    commission: int
    owed: int
    cash: int
    payout: int


@dataclass(frozen=True)
class Totals:
    """A statement's sums, each the sum of its lines' (whole VND); ``count`` its lines."""

    count: int
    goods: int
    shipping: int
    paid: int
    refunded: int
    commission: int
    owed: int
    cash: int
    payout: int


class Statement:
    """A seller's statement for a period: its rate, its lines (``lines`` is the queryset
    to page through, ``every_line`` all of them with their figures, read once) and its
    totals."""

    def __init__(self, seller: Seller, period: Period):
        self.seller = seller
        self.period = period
        self.commission_rate = commission_rate_of(seller.kind)
        self.lines = statement_lines(seller.pk, period)

    def line_of(self, part: SellerOrder) -> Line:
        """The figures of a row of ``lines``."""
        counted = part.ledger_counted
        paid = part.total if counted else 0
        kept = paid - part.ledger_refunded
        commission = commission_on(kept, self.commission_rate)
        owed = kept - commission
        cash = paid if part.order.payment_method == COD.code else 0
        return Line(
            seller_order=part,
            paid_at=part.ledger_paid_at,
            goods=part.subtotal if counted else 0,
            shipping=part.shipping_price if counted else 0,
            paid=paid,
            refunded=part.ledger_refunded,
            commission=commission,
            owed=owed,
            cash=cash,
            payout=owed - cash,
        )

    @cached_property
    def every_line(self) -> list[Line]:
        return [self.line_of(part) for part in self.lines.iterator(chunk_size=2000)]

    @cached_property
    def totals(self) -> Totals:
        lines = self.every_line
        return Totals(
            count=len(lines),
            **{name: sum(getattr(line, name) for line in lines) for name in FIGURES},
        )


def seller_statement_for(user, *, seller_id, first: date, last: date) -> Statement:
    """The statement of seller ``seller_id`` for ``[first, last]``, for its owners and
    operators; its staff, other sellers, auditors and buyers are refused, with the same
    answer for a seller that does not exist (only operators are told ``NOT_FOUND``)."""
    require_seller_owner(user, seller_id if is_row_id(seller_id) else 0)
    seller = Seller.objects.filter(pk=seller_id).first() if is_row_id(seller_id) else None
    if seller is None:
        raise NotFound(_("This seller does not exist."), field="seller")
    return Statement(seller, period_checked(first, last))
