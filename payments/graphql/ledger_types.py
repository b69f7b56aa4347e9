"""GraphQL types of the settlement ledger: a seller's statement, its lines and totals.

The figures are ``payments.ledger``'s (whole VND as ``Money``); how each is computed, and
when an amount counts in a period, is said there once.
"""

from urllib.parse import urlencode

import graphene
from django.urls import reverse
from graphql_relay import to_global_id

from market.core.graphql.connection import CountableConnection, SortKey, paginate
from market.core.graphql.types import Money, vnd
from market.orders.graphql.types import SellerOrder, SellerOrderStatusEnum
from market.sellers.graphql.types import Seller
from payments import ledger


class StatementPeriodInput(graphene.InputObjectType):
    from_ = graphene.Date(name="from", required=True, description="The first day, in Vietnam time.")
    to = graphene.Date(required=True, description="The last day, included, in Vietnam time.")

    class Meta:
        description = f"Whole days in Vietnam time, at most {ledger.MAX_PERIOD_DAYS}."


class StatementPeriod(graphene.ObjectType):
    from_ = graphene.Date(name="from", required=True)
    to = graphene.Date(required=True)

    class Meta:
        description = "Whole days in Vietnam time, both included."

    @staticmethod
    def resolve_from_(root: ledger.Period, _info):
        return root.first

    @staticmethod
    def resolve_to(root: ledger.Period, _info):
        return root.last


def _figure(name: str, description: str) -> graphene.Field:
    return graphene.Field(
        Money,
        required=True,
        description=description,
        resolver=lambda root, _info: vnd(getattr(root, name)),
    )


FIGURE_DESCRIPTIONS = {
    "goods": "Its lines, when paid in the period.",
    "shipping": "Its shipping, when paid in the period.",
    "paid": "Its total (lines and shipping), when paid in the period.",
    "refunded": "The refunds of this seller order in the period.",
    "commission": (
        "The marketplace's commission on what the seller keeps (paid less refunded), "
        "rounded to the đồng half away from zero; negative when a refund gives it back."
    ),
    "owed": "Paid less refunded less commission.",
    "cash": "Cash on delivery the seller collected itself, and so already holds.",
    "payout": (
        "What the marketplace transfers: owed less the cash the seller holds (negative: "
        "the seller owes the marketplace)."
    ),
}


class SellerStatementLine(graphene.ObjectType):
    seller_order = graphene.Field(SellerOrder, required=True)
    number = graphene.String(required=True, description="The seller order's number.")
    order_number = graphene.String(required=True)
    payment_method = graphene.String(required=True, description="The order's payment method.")
    status = graphene.Field(SellerOrderStatusEnum, required=True, description="As it is now.")
    paid_at = graphene.DateTime(
        description=(
            "When it was paid: the order's payment, or the part's cash collection for cash "
            "on delivery (before the period for a part only refunded in it)."
        )
    )
    goods = _figure("goods", FIGURE_DESCRIPTIONS["goods"])
    shipping = _figure("shipping", FIGURE_DESCRIPTIONS["shipping"])
    paid = _figure("paid", FIGURE_DESCRIPTIONS["paid"])
    refunded = _figure("refunded", FIGURE_DESCRIPTIONS["refunded"])
    commission = _figure("commission", FIGURE_DESCRIPTIONS["commission"])
    owed = _figure("owed", FIGURE_DESCRIPTIONS["owed"])
    cash_collected = _figure("cash", FIGURE_DESCRIPTIONS["cash"])
    payout = _figure("payout", FIGURE_DESCRIPTIONS["payout"])

    class Meta:
        description = "A seller order with money moved in the statement's period."

    @staticmethod
    def resolve_number(root: ledger.Line, _info):
        return root.seller_order.number

    @staticmethod
    def resolve_order_number(root: ledger.Line, _info):
        return root.seller_order.order.number

    @staticmethod
    def resolve_payment_method(root: ledger.Line, _info):
        return root.seller_order.order.payment_method

    @staticmethod
    def resolve_status(root: ledger.Line, _info):
        return root.seller_order.status


class SellerStatementLineCountableConnection(CountableConnection):
    class Meta:
        node = SellerStatementLine


class SellerStatementTotals(graphene.ObjectType):
    line_count = graphene.Int(required=True, description="Seller orders on the statement.")
    goods = _figure("goods", "The lines' goods.")
    shipping = _figure("shipping", "The lines' shipping.")
    paid = _figure("paid", "What was paid for the seller's orders in the period.")
    refunded = _figure("refunded", "What was refunded of them in the period.")
    commission = _figure("commission", "The sum of the lines' commissions.")
    owed = _figure("owed", "What the seller is owed: paid less refunded less commission.")
    cash_collected = _figure("cash", FIGURE_DESCRIPTIONS["cash"])
    payout = _figure("payout", FIGURE_DESCRIPTIONS["payout"])

    class Meta:
        description = "A statement's sums (each the sum of its lines), whole VND."

    @staticmethod
    def resolve_line_count(root: ledger.Totals, _info):
        return root.count


def _download_url(statement: ledger.Statement, name: str) -> str:
    query = urlencode(
        {
            "seller": to_global_id("Seller", statement.seller.pk),
            "from": statement.period.first.isoformat(),
            "to": statement.period.last.isoformat(),
        }
    )
    return f"{reverse(name)}?{query}"


class SellerStatement(graphene.ObjectType):
    seller = graphene.Field(Seller, required=True)
    period = graphene.Field(StatementPeriod, required=True)
    commission_rate = graphene.Int(
        required=True,
        description=(
            "The commission on this seller's kind, in basis points (300 is 3 %), as the "
            "marketplace's settings say now."
        ),
    )
    totals = graphene.Field(SellerStatementTotals, required=True)
    lines = graphene.Field(
        SellerStatementLineCountableConnection,
        required=True,
        first=graphene.Int(),
        last=graphene.Int(),
        after=graphene.String(),
        before=graphene.String(),
        description="Its seller orders, in the order they were paid.",
    )
    csv_url = graphene.String(
        required=True,
        description=(
            "Where to download it as CSV (a path on this server; send the same bearer token)."
        ),
    )
    xlsx_url = graphene.String(
        required=True, description="Where to download it as XLSX (as `csvUrl`)."
    )

    class Meta:
        description = (
            "A seller's settlement statement for a period: what was paid for its seller "
            "orders, the marketplace's commission, the refunds and what it is owed."
        )

    @staticmethod
    def resolve_seller(root: ledger.Statement, _info):
        return root.seller

    @staticmethod
    def resolve_totals(root: ledger.Statement, _info):
        return root.totals

    @staticmethod
    def resolve_lines(root: ledger.Statement, _info, **pagination):
        page = paginate(
            root.lines,
            connection_type=SellerStatementLineCountableConnection,
            sort_keys=[SortKey("ledger_sort_at")],
            **pagination,
        )
        for edge in page.edges:
            edge.node = root.line_of(edge.node)
        return page

    @staticmethod
    def resolve_csv_url(root: ledger.Statement, _info):
        return _download_url(root, "payments-statement-csv")

    @staticmethod
    def resolve_xlsx_url(root: ledger.Statement, _info):
        return _download_url(root, "payments-statement-xlsx")
