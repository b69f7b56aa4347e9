"""A hand-counted world for the settlement ledger's tests, built through the services.

Two sellers of different kinds: ``roles['seller']`` (A, a cooperative: 3 %) and
``roles['other_seller']`` (B, an enterprise: the default 5 %). Orders are placed as
checkout places them, paid through ``payment_start`` and ``notice_apply`` (a gateway's
confirmation, no gateway HTTP), cash collected through ``seller_order_cash_collect``,
parts cancelled through ``seller_order_cancel`` and refunded by the beat's
``cancelled_parts_refund`` (a manual VietQR refund). The clock is set for each step
(``clock_at``), so every event falls on a known day, Vietnam time.

Prices end so that commissions fall on half a đồng (rounded away from zero):

- VA1 85,050, VA2 120,000 (seller A); VB 200,010 (seller B); 30,000 shipping per part.
- O1 (VNPay, paid Jan 10): A1 = 2 x VA1 + 30,000 = 200,100 (commission 6,003);
  B1 = VB + 30,000 = 230,010 (commission 11,500.5 -> 11,501).
- O2 (cash on delivery): A2 = VA2 + 30,000 = 150,000, cash collected Jan 20 (4,500);
  B2 = 230,010 delivered, its cash not collected: not counted.
- O7 (VietQR): A7 = 115,050 cancelled by the buyer Jan 12 before paying the order's total
  (11,501 on B7 = 230,010, paid Jan 12): paid and refunded the same day (commission 0).
- O3 (VietQR, paid Jan 25): A3 = VA1 + 30,000 = 115,050 (3,451.5 -> 3,452);
  B3 = 2 x VB + 30,000 = 430,020, cancelled Jan 26 and refunded whole (commission 0).
  An operator also refunds 5,000 of O3's payment on Jan 27: attributed to no seller.
- O5 (VietQR, paid Jan 28): A5 = 115,050 (3,452), cancelled Feb 5 and refunded: in
  February, -115,050 and the commission back (-3,452).
- O4 (VNPay, paid Feb 1 00:30 Vietnam time, Jan 31 in UTC): A4 = 150,000 (4,500).
- O6 (VNPay): A6 started, never paid: not counted.
"""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from graphql_relay import to_global_id

from market.orders.models import Order, SellerOrder
from market.orders.services import cancellation, fulfilment
from market.orders.services.placement import order_place
from market.sellers.models import Seller, SellerMembership
from payments.gateways.base import Notice
from payments.ledger import VIETNAM
from payments.models import Payment
from payments.services.cod import seller_order_cash_collect
from payments.services.events import notice_apply
from payments.services.refunds import cancelled_parts_refund, payment_refund
from payments.services.start import payment_start
from tests.factories import MembershipFactory, UserFactory
from tests.orders.factories import ADDRESS, groups_for, nothing_held, stocked_variant

RATES = {"default": 500, "cooperative": 300}
VA1, VA2, VB = 85_050, 120_000, 200_010
JANUARY = (date(2026, 1, 1), date(2026, 1, 31))
FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))

FIGURES = ("goods", "shipping", "paid", "refunded", "commission", "owed", "cash", "payout")


def line(*amounts: int) -> dict:
    """A line's figures counted by hand, in the order of ``FIGURES``."""
    return dict(zip(FIGURES, amounts, strict=True))


#                 goods    shipping paid     refunded commission owed     cash     payout
# Seller A (cooperative, 300 bps) in January, in the order the parts were paid.
A_JANUARY_LINES = {
    "A1": line(170_100, 30_000, 200_100, 0, 6_003, 194_097, 0, 194_097),
    "A7": line(85_050, 30_000, 115_050, 115_050, 0, 0, 0, 0),
    "A2": line(120_000, 30_000, 150_000, 0, 4_500, 145_500, 150_000, -4_500),
    # 115,050 x 3 % = 3,451.5: half a đồng, away from zero.
    "A3": line(85_050, 30_000, 115_050, 0, 3_452, 111_598, 0, 111_598),
    "A5": line(85_050, 30_000, 115_050, 0, 3_452, 111_598, 0, 111_598),
}
A_JANUARY_TOTALS = {
    "count": 5,
    # 3 % of the 580,200 kept would be 17,406: the commission is the sum of the lines'.
    **line(545_250, 150_000, 695_250, 115_050, 17_407, 562_793, 150_000, 412_793),
}
# February: A5 refunded (paid in January, so it comes first), then A4.
A_FEBRUARY_LINES = {
    "A5": line(0, 0, 0, 115_050, -3_452, -111_598, 0, -111_598),
    "A4": line(120_000, 30_000, 150_000, 0, 4_500, 145_500, 0, 145_500),
}
A_FEBRUARY_TOTALS = {
    "count": 2,
    **line(120_000, 30_000, 150_000, 115_050, 1_048, 33_902, 0, 33_902),
}
# Seller B (enterprise, the default 500 bps) in January.
B_JANUARY_LINES = {
    # 230,010 x 5 % = 11,500.5.
    "B1": line(200_010, 30_000, 230_010, 0, 11_501, 218_509, 0, 218_509),
    "B7": line(200_010, 30_000, 230_010, 0, 11_501, 218_509, 0, 218_509),
    "B3": line(400_020, 30_000, 430_020, 430_020, 0, 0, 0, 0),
}
B_JANUARY_TOTALS = {
    "count": 3,
    **line(800_040, 90_000, 890_040, 430_020, 23_002, 437_018, 0, 437_018),
}
ZERO_TOTALS = {"count": 0, **dict.fromkeys(FIGURES, 0)}


def vietnam(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


@contextmanager
def clock_at(moment: datetime):
    """Django's clock (``timezone.now``, which ``auto_now_add`` reads) stopped at ``moment``."""
    real_now = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real_now


@dataclass
class LedgerWorld:
    seller_a: Seller
    seller_b: Seller
    owner_b: object
    # Seller orders by their name in the module's docstring (A1, B1, ...).
    parts: dict[str, SellerOrder]
    orders: dict[str, Order]


def place(lines, *, method: str, buyer) -> Order:
    return order_place(
        checkout_token=uuid.uuid4(),
        user=buyer,
        email=buyer.email,
        shipping_address=dict(ADDRESS),
        groups=groups_for(lines),
        payment_method=method,
        online=method != "cod",
        language="vi",
        held_elsewhere=nothing_held,
    )


def pay(order: Order, gateway: str, *, transaction_id: str) -> Payment:
    """Start the order's payment at ``gateway`` and apply the gateway's charge notice."""
    payment = payment_start(
        order_id=order.pk, gateway_code=gateway, by=None, token=order.token, client_ip="127.0.0.1"
    )
    outcome, payment = notice_apply(
        Notice(
            reference=payment.reference,
            kind="charge",
            amount=payment.amount,
            gateway_reference=transaction_id,
        ),
        gateway=gateway,
    )
    assert outcome == "recorded"
    return payment


def build_world(roles) -> LedgerWorld:
    """The world of the module's docstring."""
    seller_a, seller_b = roles["seller"], roles["other_seller"]
    Seller.objects.filter(pk=seller_a.pk).update(kind=Seller.Kind.COOPERATIVE)
    Seller.objects.filter(pk=seller_b.pk).update(kind=Seller.Kind.ENTERPRISE)
    seller_a.refresh_from_db()
    seller_b.refresh_from_db()
    owner_b = MembershipFactory(seller=seller_b, role=SellerMembership.Role.OWNER).user
    staff_a, staff_b = roles["own_staff"], roles["other_staff"]
    buyer = UserFactory()
    va1 = stocked_variant(seller=seller_a, price=VA1)
    va2 = stocked_variant(seller=seller_a, price=VA2)
    vb = stocked_variant(seller=seller_b, price=VB)
    orders: dict[str, Order] = {}

    def parts_of(name: str, order: Order) -> None:
        orders[name] = order
        for part in order.seller_orders.select_related("seller"):
            letter = "A" if part.seller_id == seller_a.pk else "B"
            parts[f"{letter}{name[1:]}"] = part

    parts: dict[str, SellerOrder] = {}

    with clock_at(vietnam(1, 10, 9)):
        parts_of("O1", place([(va1, 2), (vb, 1)], method="vnpay", buyer=buyer))
    with clock_at(vietnam(1, 10, 9, 5)):
        pay(orders["O1"], "vnpay", transaction_id="14422001")

    with clock_at(vietnam(1, 12, 8)):
        parts_of("O7", place([(va1, 1), (vb, 1)], method="vietqr", buyer=buyer))
        cancellation.seller_order_cancel(seller_order_id=parts["A7"].pk, by=buyer)
    with clock_at(vietnam(1, 12, 8, 30)):
        pay(orders["O7"], "vietqr", transaction_id="sepay:7001")
    with clock_at(vietnam(1, 12, 8, 31)):
        assert cancelled_parts_refund() == 1

    with clock_at(vietnam(1, 15, 10)):
        parts_of("O2", place([(va2, 1), (vb, 1)], method="cod", buyer=buyer))
        for part, staff in ((parts["A2"], staff_a), (parts["B2"], staff_b)):
            fulfilment.seller_order_confirm(seller_order_id=part.pk, by=staff)
            fulfilment.seller_order_ship(seller_order_id=part.pk, by=staff, carrier="Viettel Post")
    with clock_at(vietnam(1, 19, 16)):
        for part, staff in ((parts["A2"], staff_a), (parts["B2"], staff_b)):
            fulfilment.seller_order_deliver(seller_order_id=part.pk, by=staff)
    with clock_at(vietnam(1, 20, 17)):
        seller_order_cash_collect(seller_order_id=parts["A2"].pk, by=staff_a)

    with clock_at(vietnam(1, 25, 11)):
        parts_of("O3", place([(va1, 1), (vb, 2)], method="vietqr", buyer=buyer))
        o3_payment = pay(orders["O3"], "vietqr", transaction_id="sepay:3001")
    with clock_at(vietnam(1, 26, 9)):
        cancellation.seller_order_cancel(
            seller_order_id=parts["B3"].pk, by=staff_b, reason="Hết hàng"
        )
    with clock_at(vietnam(1, 26, 9, 1)):
        assert cancelled_parts_refund() == 1
    with clock_at(vietnam(1, 27, 14)):
        payment_refund(
            payment_id=o3_payment.pk, amount=5_000, by=roles["operator"], reason="Hỗ trợ khách"
        )

    with clock_at(vietnam(1, 28, 20)):
        parts_of("O5", place([(va1, 1)], method="vietqr", buyer=buyer))
        pay(orders["O5"], "vietqr", transaction_id="sepay:5001")

    with clock_at(vietnam(1, 31, 23)):
        parts_of("O4", place([(va2, 1)], method="vnpay", buyer=buyer))
    with clock_at(vietnam(2, 1, 0, 30)):
        pay(orders["O4"], "vnpay", transaction_id="14422004")

    with clock_at(vietnam(2, 3, 9)):
        parts_of("O6", place([(va1, 1)], method="vnpay", buyer=buyer))
        payment_start(
            order_id=orders["O6"].pk,
            gateway_code="vnpay",
            by=None,
            token=orders["O6"].token,
            client_ip="127.0.0.1",
        )

    with clock_at(vietnam(2, 5, 10)):
        cancellation.seller_order_cancel(
            seller_order_id=parts["A5"].pk, by=staff_a, reason="Hàng bị dập"
        )
    with clock_at(vietnam(2, 5, 10, 1)):
        assert cancelled_parts_refund() == 1

    for part in parts.values():
        part.refresh_from_db()
    return LedgerWorld(
        seller_a=seller_a, seller_b=seller_b, owner_b=owner_b, parts=parts, orders=orders
    )


# GraphQL: the statement query the tests send, and its figures read back. -----------------

MONEY = "{ amount currency }"
FIGURE_FIELDS = {
    "goods": "goods",
    "shipping": "shipping",
    "paid": "paid",
    "refunded": "refunded",
    "commission": "commission",
    "owed": "owed",
    "cash": "cashCollected",
    "payout": "payout",
}
FIGURE_SELECTION = " ".join(f"{field} {MONEY}" for field in FIGURE_FIELDS.values())
STATEMENT = f"""
query($seller: ID!, $from: Date!, $to: Date!, $first: Int, $after: String) {{
  sellerStatement(seller: $seller, period: {{from: $from, to: $to}}) {{
    seller {{ name }}
    period {{ from to }}
    commissionRate
    csvUrl
    xlsxUrl
    totals {{ lineCount {FIGURE_SELECTION} }}
    lines(first: $first, after: $after) {{
      totalCount
      pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{
        number orderNumber paymentMethod status paidAt
        sellerOrder {{ number }}
        {FIGURE_SELECTION}
      }} }}
    }}
  }}
}}"""


def variables(seller, period, **extra) -> dict:
    first, last = period
    return {
        "seller": to_global_id("Seller", seller.pk),
        "from": first.isoformat(),
        "to": last.isoformat(),
        **extra,
    }


def graphql_figures(node) -> dict:
    for field in FIGURE_FIELDS.values():
        assert node[field]["currency"] == "VND"
    return {figure: node[field]["amount"] for figure, field in FIGURE_FIELDS.items()}
