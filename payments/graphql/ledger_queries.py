"""The sellers' settlement ledger: a seller's statement for a period, for the seller's
owners and operators. Who may read which seller's is ``payments.ledger``'s rule; refusals
are typed errors (``AUTHENTICATION_REQUIRED``, ``PERMISSION_DENIED``, ``NOT_FOUND`` for
operators only, ``INVALID_ID``, ``INVALID_PERIOD``)."""

import graphene

from market.core.graphql.mutations import decode_id
from market.core.permissions import AUTHENTICATED
from payments import ledger
from payments.graphql.ledger_types import SellerStatement, StatementPeriodInput


class LedgerQueries(graphene.ObjectType):
    """Reads of the settlement ledger."""

    seller_statement = graphene.Field(
        SellerStatement,
        seller=graphene.ID(required=True),
        period=StatementPeriodInput(required=True),
        description=(
            "A seller's settlement statement for a period (whole days, Vietnam time): what "
            "was paid for its seller orders, the marketplace's commission, the refunds and "
            "what it is owed, per seller order and in total. For the seller's owners and "
            "operators; also downloadable as CSV and XLSX (`csvUrl`, `xlsxUrl`)."
        ),
    )

    @staticmethod
    def resolve_seller_statement(_root, info, seller, period):
        # Signed out is told so before anything about its arguments.
        AUTHENTICATED.check(info.context.user)
        return ledger.seller_statement_for(
            info.context.user,
            seller_id=decode_id(seller, "Seller", field="seller"),
            first=period.from_,
            last=period.to,
        )
