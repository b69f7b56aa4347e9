"""Who may run each payments mutation: every mutation as every role.

The roles are those of the orders matrix: anonymous, a guest holding their order's token,
the order's own buyer, another buyer, another seller's staff, the seller's own staff (and
owner), an auditor and an operator. The allowed change something; the others get
``AUTHENTICATION_REQUIRED`` (signed out) or ``PERMISSION_DENIED`` and change nothing (no
payment, no event, no order moved). Payments are started with VietQR, which needs no HTTP.
"""

from dataclasses import dataclass

import pytest
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id

from market.orders.models import Order, OrderEvent, SellerOrder
from payments.graphql.mutations import PaymentMutations
from payments.models import Notification, Payment, TransactionEvent
from tests.factories import UserFactory
from tests.orders.factories import stocked_variant
from tests.payments.graphql_world import OFFERED, delivered_cod_part, online_order, paid_order
from tests.permission_matrix import assert_matrix_cell

pytestmark = pytest.mark.django_db

MATRIX_ROLES = (
    "anonymous",
    "guest_with_token",
    "own_buyer",
    "other_buyer",
    "other_staff",
    "own_staff",
    "own_owner",
    "auditor",
    "operator",
)
SELLER_SIDE = {"own_staff", "own_owner", "operator"}
SIGNED_OUT = {"anonymous", "guest_with_token"}


@dataclass
class MatrixWorld:
    own_buyer: object
    other_buyer: object
    # The own buyer's unpaid order to pay by VietQR, of the seller and another seller.
    unpaid: Order
    # A guest's, of the seller.
    guest_unpaid: Order
    # The own buyer's order paid by VietQR, and its payment.
    paid_payment: Payment
    # The seller's delivered part of the own buyer's cash-on-delivery order.
    delivered_cod: SellerOrder


@pytest.fixture
def world(roles, settings):
    settings.PAYMENT_METHODS = OFFERED
    own_buyer = UserFactory()
    seller = roles["seller"]
    lines = [
        (stocked_variant(seller=seller), 1),
        (stocked_variant(seller=roles["other_seller"]), 1),
    ]
    unpaid = online_order(lines, user=own_buyer)
    guest_unpaid = online_order([(stocked_variant(seller=seller), 1)], email="khach@example.vn")
    _order, paid_payment = paid_order([(stocked_variant(seller=seller), 1)], user=own_buyer)
    _cod, delivered = delivered_cod_part(seller, roles["own_staff"], user=own_buyer)
    return MatrixWorld(
        own_buyer=own_buyer,
        other_buyer=UserFactory(),
        unpaid=unpaid,
        guest_unpaid=guest_unpaid,
        paid_payment=paid_payment,
        delivered_cod=delivered,
    )


def user_of(role, roles, world):
    if role in SIGNED_OUT:
        return None
    if role in ("own_buyer", "other_buyer"):
        return getattr(world, role)
    return roles[role]


@dataclass(frozen=True)
class Case:
    document: str
    allowed: set[str]
    variables: object  # (world, role) -> dict


def _payment_start(w, role):
    """A guest pays their own order with its token; everybody else the buyer's."""
    if role == "guest_with_token":
        return {"id": to_global_id("Order", w.guest_unpaid.pk), "token": str(w.guest_unpaid.token)}
    return {"id": to_global_id("Order", w.unpaid.pk), "token": None}


CASES = {
    "orderPaymentStart": Case(
        """mutation($id: ID!, $token: String) {
             orderPaymentStart(id: $id, gateway: "vietqr", token: $token) {
               payment { status action { kind } } errors { field code } } }""",
        {"own_buyer", "guest_with_token", "operator"},
        _payment_start,
    ),
    "paymentRefund": Case(
        """mutation($id: ID!) { paymentRefund(id: $id, amount: 10000, reason: "Dập") {
             payment { status refunded { amount } } errors { field code } } }""",
        {"operator"},
        lambda w, role: {"id": to_global_id("Payment", w.paid_payment.pk)},
    ),
    "sellerOrderCashCollect": Case(
        """mutation($id: ID!) { sellerOrderCashCollect(id: $id) {
             sellerOrder { status } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, role: {"id": to_global_id("SellerOrder", w.delivered_cod.pk)},
    ),
}


def snapshot() -> dict:
    tables = (Payment, TransactionEvent, Notification, Order, SellerOrder, OrderEvent)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in tables}


def test_the_matrix_covers_every_payments_mutation():
    declared = {to_camel_case(name) for name in PaymentMutations._meta.fields}
    assert declared == set(CASES)


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize("mutation", list(CASES))
def test_permission_matrix(
    graphql,
    auth_headers,
    roles,
    world,
    mailoutbox,
    django_capture_on_commit_callbacks,
    mutation,
    role,
):
    case = CASES[mutation]
    before = snapshot()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        status, body = graphql(
            case.document, case.variables(world, role), **auth_headers(user_of(role, roles, world))
        )

    assert status == 200, body
    assert_matrix_cell(
        body=body, mutation=mutation, role=role, allowed=case.allowed, signed_out=SIGNED_OUT,
        before=before, snapshot=snapshot, mailoutbox=mailoutbox, payload_empty_when_refused=True,
    )  # fmt: skip
