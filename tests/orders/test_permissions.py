"""Who may run each orders mutation: every mutation as every role.

The roles are those of the issue: anonymous, a guest holding their order's token, the
order's own buyer, another buyer, another seller's staff, the seller's own staff (and
owner), an auditor and an operator. The allowed change something; the others get
``AUTHENTICATION_REQUIRED`` (signed out) or ``PERMISSION_DENIED`` and change nothing (no
row, no stock, no email queued).
"""

from dataclasses import dataclass

import pytest
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id

from catalog.models import Stock
from market.orders.graphql.mutations import OrderMutations
from market.orders.models import Allocation, Order, OrderEvent, OrderLine, SellerOrder
from market.orders.services import fulfilment
from tests.factories import UserFactory
from tests.orders.factories import lot_of, place, stocked_variant
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
    orders: dict  # status of the seller's part → the own buyer's order
    parts: dict  # status → the seller's part of that order
    guest_order: Order
    guest_part: SellerOrder
    lot: object


@pytest.fixture
def world(roles):
    own_buyer = UserFactory()
    seller, other_seller = roles["seller"], roles["other_seller"]
    variant = stocked_variant(seller=seller, quantity=50)
    other_variant = stocked_variant(seller=other_seller, quantity=50)
    staff = roles["own_staff"]
    orders, parts = {}, {}
    for reached in ("unconfirmed", "confirmed", "shipped", "delivered"):
        order = place([(variant, 1), (other_variant, 1)], user=own_buyer)
        part = order.seller_orders.get(seller=seller)
        steps = ("confirmed", "shipped", "delivered")
        for step in steps[: steps.index(reached) + 1] if reached in steps else ():
            if step == "confirmed":
                fulfilment.seller_order_confirm(seller_order_id=part.pk, by=staff)
            elif step == "shipped":
                fulfilment.seller_order_ship(seller_order_id=part.pk, by=staff, carrier="GHN")
            else:
                fulfilment.seller_order_deliver(seller_order_id=part.pk, by=staff)
        orders[reached], parts[reached] = order, part
    guest_order = place([(variant, 1)], email="khach@example.vn")
    return MatrixWorld(
        own_buyer=own_buyer,
        other_buyer=UserFactory(),
        orders=orders,
        parts=parts,
        guest_order=guest_order,
        guest_part=guest_order.seller_orders.get(),
        lot=lot_of(variant),
    )


def user_of(role, roles, world):
    if role in SIGNED_OUT:
        return None
    if role in ("own_buyer", "other_buyer"):
        return getattr(world, role)
    return roles[role]


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


@dataclass(frozen=True)
class Case:
    document: str
    allowed: set[str]
    variables: object  # (world, role) -> dict


def _staff_move(name: str, reached: str) -> Case:
    return Case(
        f"""mutation($id: ID!) {{ {name}(id: $id) {{
             sellerOrder {{ status }} errors {{ field code }} }} }}""",
        SELLER_SIDE,
        lambda w, role: {"id": gid("SellerOrder", w.parts[reached].pk)},
    )


def _cancel_target(w, role):
    """A guest acts on their own order with its token; everybody else on the buyer's."""
    if role == "guest_with_token":
        return w.guest_order, w.guest_part, str(w.guest_order.token)
    return w.orders["unconfirmed"], w.parts["unconfirmed"], None


def _seller_order_cancel(w, role):
    _order, part, token = _cancel_target(w, role)
    return {"id": gid("SellerOrder", part.pk), "reason": "Hết hàng", "token": token}


def _order_cancel(w, role):
    order, _part, token = _cancel_target(w, role)
    return {"id": gid("Order", order.pk), "token": token}


CASES = {
    "sellerOrderConfirm": _staff_move("sellerOrderConfirm", "unconfirmed"),
    "sellerOrderFulfill": Case(
        """mutation($id: ID!, $input: SellerOrderFulfillInput!) {
             sellerOrderFulfill(id: $id, input: $input) {
               sellerOrder { status lines { lot { code } } } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, role: {
            "id": gid("SellerOrder", w.parts["confirmed"].pk),
            "input": {
                "carrier": "Viettel Post",
                "trackingNumber": "VTP42",
                "lines": [
                    {
                        "line": gid("OrderLine", w.parts["confirmed"].lines.get().pk),
                        "lot": gid("Lot", w.lot.pk),
                    }
                ],
            },
        },
    ),
    "sellerOrderDeliver": _staff_move("sellerOrderDeliver", "shipped"),
    "sellerOrderCancel": Case(
        """mutation($id: ID!, $reason: String, $token: String) {
             sellerOrderCancel(id: $id, reason: $reason, token: $token) {
               sellerOrder { status } errors { field code } } }""",
        SELLER_SIDE | {"own_buyer", "guest_with_token"},
        _seller_order_cancel,
    ),
    "sellerOrderReturn": Case(
        """mutation($id: ID!) { sellerOrderReturn(id: $id, reason: "Dập", restock: true) {
             sellerOrder { status } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, role: {"id": gid("SellerOrder", w.parts["delivered"].pk)},
    ),
    "orderCancel": Case(
        """mutation($id: ID!, $token: String) { orderCancel(id: $id, token: $token) {
             order { status } errors { field code } } }""",
        {"own_buyer", "guest_with_token", "operator"},
        _order_cancel,
    ),
}


def snapshot() -> dict:
    tables = (Order, SellerOrder, OrderLine, Allocation, OrderEvent)
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in tables}
    state["Stock"] = list(Stock.objects.order_by("pk").values())
    return state


def test_the_matrix_covers_every_orders_mutation():
    declared = {to_camel_case(name) for name in OrderMutations._meta.fields}
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
        before=before, snapshot=snapshot, mailoutbox=mailoutbox,
    )  # fmt: skip
