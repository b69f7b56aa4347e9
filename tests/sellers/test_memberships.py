"""Consented seller memberships: invitations answered by the invited person; removing
members and changing their roles; a seller never loses its last owner.

Inviting itself (who may, bad emails, bad seller IDs) is in tests/sellers/test_mutations.py.
"""

import datetime
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from market.accounts.models import User
from market.core.errors import DomainError
from market.sellers import emails, services, tasks
from market.sellers.models import Seller, SellerInvitation, SellerMembership
from tests.conftest import ROLES
from tests.factories import MembershipFactory, SellerFactory, UserFactory
from tests.sellers.test_mutations import codes, run, seller_id

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "nho-vang-phan-rang-2026"

INVITATION_FIELDS = "id email role status createdAt expiresAt decidedAt seller { slug }"

INVITE = f"""
mutation Invite($sellerId: ID!, $email: String!, $role: SellerMembershipRoleEnum) {{
  sellerStaffInvite(sellerId: $sellerId, email: $email, role: $role) {{
    invitation {{ {INVITATION_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

ACCEPT = f"""
mutation Accept($id: ID!) {{
  sellerInvitationAccept(id: $id) {{
    invitation {{ {INVITATION_FIELDS} }}
    membership {{ id role seller {{ slug }} user {{ email }} }}
    errors {{ field code message }}
  }}
}}
"""

DECLINE = f"""
mutation Decline($id: ID!) {{
  sellerInvitationDecline(id: $id) {{
    invitation {{ {INVITATION_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

REVOKE = f"""
mutation Revoke($id: ID!) {{
  sellerInvitationRevoke(id: $id) {{
    invitation {{ {INVITATION_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

REMOVE = """
mutation Remove($membershipId: ID!) {
  sellerStaffRemove(membershipId: $membershipId) {
    seller { slug }
    errors { field code message }
  }
}
"""

ROLE_UPDATE = """
mutation RoleUpdate($membershipId: ID!, $role: SellerMembershipRoleEnum!) {
  sellerStaffRoleUpdate(membershipId: $membershipId, role: $role) {
    membership { id role user { email } }
    errors { field code message }
  }
}
"""

SELLER_UPDATE = """
mutation Update($id: ID!) {
  sellerUpdate(id: $id, input: {description: "Nho xanh sấy dẻo."}) { errors { field code } }
}
"""

MY_SELLERS = f"""
{{ me {{
  sellerInvitations {{ {INVITATION_FIELDS} }}
  sellerMemberships {{ role seller {{ slug }} }}
}} }}
"""

NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename
    ... on SellerInvitation { email status }
    ... on SellerMembership { role }
  }
}
"""


def gid(instance) -> str:
    return to_global_id(type(instance).__name__, instance.pk)


UNKNOWN_INVITATION = to_global_id("SellerInvitation", 987654)
UNKNOWN_MEMBERSHIP = to_global_id("SellerMembership", 987654)


def invite(seller: Seller, user: User, role: str = "staff", by: User | None = None):
    return services.seller_staff_invite(seller_id=seller.pk, email=user.email, role=role, by=by)


def membership_of(user: User, seller: Seller) -> SellerMembership:
    return SellerMembership.objects.get(user=user, seller=seller)


def owners_of(seller: Seller) -> set[int]:
    return set(
        SellerMembership.objects.filter(seller=seller, role="owner").values_list(
            "user_id", flat=True
        )
    )


def snapshot() -> dict:
    return {
        "memberships": list(SellerMembership.objects.order_by("pk").values()),
        "invitations": list(SellerInvitation.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "role")),
    }


# The attack of the issue: making other people staff without their consent


@pytest.mark.parametrize("victim", ["buyer", "other_owner"])
def test_an_owner_cannot_make_an_existing_account_owner_without_its_consent(
    graphql, auth_headers, roles, victim
):
    seller = roles["seller"]
    if victim == "other_owner":
        target = MembershipFactory(seller=roles["other_seller"], role="owner").user
    else:
        target = roles["buyer"]

    invited = run(
        graphql,
        auth_headers,
        roles["own_owner"],
        INVITE,
        {"sellerId": seller_id(seller), "email": target.email, "role": "OWNER"},
    )

    assert invited["errors"] == []
    assert invited["invitation"]["status"] == "PENDING"
    assert not SellerMembership.objects.filter(seller=seller, user=target).exists()
    # Until they accept, they have no power over the seller...
    refused = run(graphql, auth_headers, target, SELLER_UPDATE, {"id": seller_id(seller)})
    assert codes(refused) == [(None, "PERMISSION_DENIED")]
    # ...and it is theirs to accept.
    _status, body = graphql(MY_SELLERS, **auth_headers(target))
    (waiting,) = body["data"]["me"]["sellerInvitations"]
    assert (waiting["seller"], waiting["role"]) == ({"slug": seller.slug}, "OWNER")

    accepted = run(graphql, auth_headers, target, ACCEPT, {"id": waiting["id"]})

    assert accepted["errors"] == []
    assert membership_of(target, seller).role == "owner"
    assert run(graphql, auth_headers, target, SELLER_UPDATE, {"id": seller_id(seller)}) == {
        "errors": []
    }


@pytest.mark.parametrize("inviter", ["own_owner", "operator"])
@pytest.mark.parametrize("invited", ["operator", "auditor"])
def test_operators_and_auditors_cannot_be_invited(graphql, auth_headers, roles, inviter, invited):
    before = snapshot()

    payload = run(
        graphql,
        auth_headers,
        roles[inviter],
        INVITE,
        {"sellerId": seller_id(roles["seller"]), "email": roles[invited].email, "role": "OWNER"},
    )

    assert codes(payload) == [("email", "CANNOT_BE_STAFF")]
    assert payload["invitation"] is None
    assert snapshot() == before


@pytest.mark.parametrize("new_role", [User.Role.OPERATOR, User.Role.AUDITOR])
def test_an_invited_person_who_became_operator_or_auditor_cannot_accept(
    graphql, auth_headers, roles, new_role
):
    buyer = roles["buyer"]
    invitation = invite(roles["seller"], buyer)
    User.objects.filter(pk=buyer.pk).update(role=new_role)
    buyer.refresh_from_db()
    before = snapshot()

    payload = run(graphql, auth_headers, buyer, ACCEPT, {"id": gid(invitation)})

    assert codes(payload) == [("id", "CANNOT_BE_STAFF")]
    assert snapshot() == before


# Answering an invitation


def test_accepting_makes_the_membership_with_the_invited_role(graphql, auth_headers, roles):
    buyer, seller = roles["buyer"], roles["seller"]
    invitation = invite(seller, buyer, role="owner", by=roles["own_owner"])

    payload = run(graphql, auth_headers, buyer, ACCEPT, {"id": gid(invitation)})

    membership = membership_of(buyer, seller)
    assert payload["errors"] == []
    assert payload["membership"] == {
        "id": gid(membership),
        "role": "OWNER",
        "seller": {"slug": seller.slug},
        "user": {"email": buyer.email},
    }
    assert payload["invitation"]["status"] == "ACCEPTED"
    assert payload["invitation"]["decidedAt"] is not None
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decided_by) == ("accepted", buyer)
    _status, body = graphql(MY_SELLERS, **auth_headers(buyer))
    assert body["data"]["me"] == {
        "sellerInvitations": [],
        "sellerMemberships": [{"role": "OWNER", "seller": {"slug": seller.slug}}],
    }


def test_declining_makes_no_membership(graphql, auth_headers, roles):
    buyer = roles["buyer"]
    invitation = invite(roles["seller"], buyer)

    payload = run(graphql, auth_headers, buyer, DECLINE, {"id": gid(invitation)})

    assert payload["errors"] == []
    assert payload["invitation"]["status"] == "DECLINED"
    assert not SellerMembership.objects.filter(user=buyer).exists()
    _status, body = graphql(MY_SELLERS, **auth_headers(buyer))
    assert body["data"]["me"]["sellerInvitations"] == []


@pytest.mark.parametrize(
    ("first", "then", "by", "message"),
    [
        (ACCEPT, ACCEPT, "buyer", "Lời mời này đã được chấp nhận."),
        (ACCEPT, DECLINE, "buyer", "Lời mời này đã được chấp nhận."),
        (DECLINE, ACCEPT, "buyer", "Lời mời này đã bị từ chối."),
        (REVOKE, ACCEPT, "buyer", "Lời mời này đã bị thu hồi."),
        (REVOKE, DECLINE, "buyer", "Lời mời này đã bị thu hồi."),
        (REVOKE, REVOKE, "own_owner", "Lời mời này đã bị thu hồi."),
        (ACCEPT, REVOKE, "own_owner", "Lời mời này đã được chấp nhận."),
    ],
    ids=[
        "accept-twice",
        "decline-accepted",
        "accept-declined",
        "accept-revoked",
        "decline-revoked",
        "revoke-twice",
        "revoke-accepted",
    ],
)
def test_an_answered_invitation_cannot_be_answered_again(
    graphql, auth_headers, roles, first, then, by, message
):
    buyer = roles["buyer"]
    invitation = invite(roles["seller"], buyer)
    first_by = roles["own_owner"] if first == REVOKE else buyer
    assert run(graphql, auth_headers, first_by, first, {"id": gid(invitation)})["errors"] == []
    before = snapshot()

    payload = run(graphql, auth_headers, roles[by], then, {"id": gid(invitation)})

    assert payload["errors"] == [
        {"field": "id", "code": "INVITATION_NOT_PENDING", "message": message}
    ]
    assert snapshot() == before


def test_revoking_withdraws_the_invitation_from_the_invited_person(graphql, auth_headers, roles):
    buyer, seller = roles["buyer"], roles["seller"]
    invitation = invite(seller, buyer)

    payload = run(graphql, auth_headers, roles["own_owner"], REVOKE, {"id": gid(invitation)})

    assert payload["errors"] == []
    assert payload["invitation"]["status"] == "REVOKED"
    invitation.refresh_from_db()
    assert invitation.decided_by == roles["own_owner"]
    _status, body = graphql(MY_SELLERS, **auth_headers(buyer))
    assert body["data"]["me"]["sellerInvitations"] == []
    _status, body = graphql(
        "query ($slug: String) { seller(slug: $slug) { invitations { id } } }",
        {"slug": seller.slug},
        **auth_headers(roles["own_owner"]),
    )
    assert body["data"]["seller"]["invitations"] == []


def test_an_invitation_expires_after_the_configured_days(graphql, auth_headers, roles, settings):
    settings.SELLER_INVITATION_TTL_DAYS = 3
    buyer = roles["buyer"]
    invitation = invite(roles["seller"], buyer)
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=3)
    SellerInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=4),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    before = snapshot()

    for mutation, user in ((ACCEPT, buyer), (DECLINE, buyer), (REVOKE, roles["own_owner"])):
        payload = run(graphql, auth_headers, user, mutation, {"id": gid(invitation)})
        assert payload["errors"] == [
            {"field": "id", "code": "INVITATION_EXPIRED", "message": "Lời mời này đã hết hạn."}
        ]

    assert snapshot() == before
    _status, body = graphql(MY_SELLERS, **auth_headers(buyer))
    assert body["data"]["me"]["sellerInvitations"] == []
    _status, body = graphql(NODE, {"id": gid(invitation)}, **auth_headers(buyer))
    assert body["data"]["node"] == {
        "__typename": "SellerInvitation",
        "email": buyer.email,
        "status": "EXPIRED",
    }


def test_a_person_has_one_pending_invitation_per_seller(graphql, auth_headers, roles):
    buyer, seller = roles["buyer"], roles["seller"]
    invite(seller, buyer)
    variables = {"sellerId": seller_id(seller), "email": buyer.email}

    payload = run(graphql, auth_headers, roles["own_owner"], INVITE, variables)

    assert codes(payload) == [("email", "ALREADY_INVITED")]
    assert SellerInvitation.objects.filter(user=buyer).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SellerInvitation.objects.create(
            seller=seller, user=buyer, expires_at=timezone.now() + datetime.timedelta(days=1)
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "accepted"},
        {"status": "pending", "decided_at": timezone.now()},
        {"status": "maybe"},
        {"role": "boss"},
        {"expires_at": timezone.now() - datetime.timedelta(days=1)},
    ],
    ids=["answered-without-time", "pending-with-time", "status", "role", "expiry-before-creation"],
)
def test_the_database_refuses_invitations_that_make_no_sense(roles, fields):
    values = {
        "seller": roles["seller"],
        "user": roles["buyer"],
        "expires_at": timezone.now() + datetime.timedelta(days=1),
        **fields,
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        SellerInvitation.objects.create(**values)


def test_an_expired_or_declined_invitation_may_be_followed_by_a_new_one(
    graphql, auth_headers, roles
):
    buyer, seller = roles["buyer"], roles["seller"]
    expired = invite(seller, buyer)
    SellerInvitation.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    variables = {"sellerId": seller_id(seller), "email": buyer.email}

    second = run(graphql, auth_headers, roles["own_owner"], INVITE, variables)
    run(graphql, auth_headers, buyer, DECLINE, {"id": second["invitation"]["id"]})
    third = run(graphql, auth_headers, roles["own_owner"], INVITE, variables)

    assert second["errors"] == third["errors"] == []
    statuses = list(
        SellerInvitation.objects.filter(user=buyer).order_by("pk").values_list("status", flat=True)
    )
    assert statuses == ["expired", "declined", "pending"]


def test_accepting_when_already_a_member_is_refused(graphql, auth_headers, roles):
    buyer, seller = roles["buyer"], roles["seller"]
    invitation = invite(seller, buyer, role="owner")
    # Made a member some other way in the meantime (the demo loader, say).
    MembershipFactory(seller=seller, user=buyer)
    before = snapshot()

    payload = run(graphql, auth_headers, buyer, ACCEPT, {"id": gid(invitation)})

    assert codes(payload) == [("id", "ALREADY_MEMBER")]
    assert snapshot() == before


def test_invalid_invitation_and_membership_ids_are_typed_errors(graphql, auth_headers, roles):
    operator = roles["operator"]

    for query, variables, field in (
        (ACCEPT, {"id": "khong-phai-id"}, "id"),
        (REVOKE, {"id": to_global_id("Seller", roles["seller"].pk)}, "id"),
        (REMOVE, {"membershipId": "khong-phai-id"}, "membershipId"),
        (ROLE_UPDATE, {"membershipId": gid(roles["seller"]), "role": "OWNER"}, "membershipId"),
    ):
        payload = run(graphql, auth_headers, operator, query, variables)
        assert codes(payload) == [(field, "INVALID_ID")], query


# Removing members and changing roles


def test_an_owner_removes_a_staff_member(graphql, auth_headers, roles):
    seller, staff = roles["seller"], roles["own_staff"]

    payload = run(
        graphql,
        auth_headers,
        roles["own_owner"],
        REMOVE,
        {"membershipId": gid(membership_of(staff, seller))},
    )

    assert payload == {"seller": {"slug": seller.slug}, "errors": []}
    assert not SellerMembership.objects.filter(user=staff, seller=seller).exists()
    _status, body = graphql(MY_SELLERS, **auth_headers(staff))
    assert body["data"]["me"]["sellerMemberships"] == []


def test_a_member_may_leave_but_not_remove_others(graphql, auth_headers, roles):
    seller, staff = roles["seller"], roles["own_staff"]
    owner_membership = membership_of(roles["own_owner"], seller)

    refused = run(graphql, auth_headers, staff, REMOVE, {"membershipId": gid(owner_membership)})
    left = run(
        graphql, auth_headers, staff, REMOVE, {"membershipId": gid(membership_of(staff, seller))}
    )

    assert codes(refused) == [(None, "PERMISSION_DENIED")]
    assert left["errors"] == []
    assert set(SellerMembership.objects.filter(seller=seller).values_list("user", flat=True)) == {
        roles["own_owner"].pk
    }


def test_roles_change_and_the_old_owner_may_then_leave(graphql, auth_headers, roles):
    seller, owner, staff = roles["seller"], roles["own_owner"], roles["own_staff"]
    staff_membership = membership_of(staff, seller)

    promoted = run(
        graphql,
        auth_headers,
        owner,
        ROLE_UPDATE,
        {"membershipId": gid(staff_membership), "role": "OWNER"},
    )
    left = run(
        graphql, auth_headers, owner, REMOVE, {"membershipId": gid(membership_of(owner, seller))}
    )

    assert promoted == {
        "membership": {
            "id": gid(staff_membership),
            "role": "OWNER",
            "user": {"email": staff.email},
        },
        "errors": [],
    }
    assert left["errors"] == []
    assert owners_of(seller) == {staff.pk}


@pytest.mark.parametrize("by", ["own_owner", "operator"])
@pytest.mark.parametrize("how", ["remove", "demote"])
def test_the_last_owner_can_be_neither_removed_nor_demoted(graphql, auth_headers, roles, by, how):
    seller = roles["seller"]
    membership_id = gid(membership_of(roles["own_owner"], seller))
    query, variables = (
        (REMOVE, {"membershipId": membership_id})
        if how == "remove"
        else (ROLE_UPDATE, {"membershipId": membership_id, "role": "STAFF"})
    )
    before = snapshot()

    payload = run(graphql, auth_headers, roles[by], query, variables)

    assert codes(payload) == [("membershipId", "LAST_OWNER")]
    assert snapshot() == before
    assert owners_of(seller) == {roles["own_owner"].pk}


def test_with_two_owners_one_may_step_down(graphql, auth_headers, roles):
    seller, owner = roles["seller"], roles["own_owner"]
    co_owner = MembershipFactory(seller=seller, role="owner").user

    payload = run(
        graphql,
        auth_headers,
        owner,
        ROLE_UPDATE,
        {"membershipId": gid(membership_of(owner, seller)), "role": "STAFF"},
    )

    assert payload["errors"] == []
    assert owners_of(seller) == {co_owner.pk}


def test_an_unknown_role_is_refused_by_the_service(roles):
    membership = membership_of(roles["own_staff"], roles["seller"])

    with pytest.raises(ValidationError) as raised:
        services.seller_staff_role_update(
            membership_id=membership.pk, role="boss", by=roles["operator"]
        )

    assert "role" in raised.value.message_dict


# Who may do what: every new mutation by every role


def _invitation_of_buyer(roles) -> dict:
    return {"id": gid(invite(roles["seller"], roles["buyer"]))}


def _membership(roles, who: str) -> dict:
    return {"membershipId": gid(membership_of(roles[who], roles["seller"]))}


def _co_owner(roles) -> dict:
    co_owner = MembershipFactory(seller=roles["seller"], role="owner")
    return {"membershipId": gid(co_owner)}


OK, DENIED, HIDDEN = "ok", "PERMISSION_DENIED", "NOT_FOUND"

# For each case: the document, how to make its target, the same variables naming nothing,
# and what each role gets. HIDDEN means the answer an unknown ID gets, word for word: those
# who may not see the object learn nothing of it, not even that it exists.
MATRIX = {
    "accept": (
        ACCEPT,
        _invitation_of_buyer,
        {"id": UNKNOWN_INVITATION},
        {"buyer": OK, "own_owner": DENIED, "operator": DENIED},
    ),
    "decline": (
        DECLINE,
        _invitation_of_buyer,
        {"id": UNKNOWN_INVITATION},
        {"buyer": OK, "own_owner": DENIED, "operator": DENIED},
    ),
    "revoke": (
        REVOKE,
        _invitation_of_buyer,
        {"id": UNKNOWN_INVITATION},
        {"buyer": DENIED, "own_owner": OK, "operator": OK},
    ),
    "remove-staff": (
        REMOVE,
        lambda roles: _membership(roles, "own_staff"),
        {"membershipId": UNKNOWN_MEMBERSHIP},
        {"own_staff": OK, "own_owner": OK, "operator": OK},
    ),
    "remove-co-owner": (
        REMOVE,
        _co_owner,
        {"membershipId": UNKNOWN_MEMBERSHIP},
        {"own_staff": DENIED, "own_owner": OK, "operator": OK},
    ),
    "promote-staff": (
        ROLE_UPDATE,
        lambda roles: {**_membership(roles, "own_staff"), "role": "OWNER"},
        {"membershipId": UNKNOWN_MEMBERSHIP, "role": "OWNER"},
        {"own_staff": DENIED, "own_owner": OK, "operator": OK},
    ),
    "demote-co-owner": (
        ROLE_UPDATE,
        lambda roles: {**_co_owner(roles), "role": "STAFF"},
        {"membershipId": UNKNOWN_MEMBERSHIP, "role": "STAFF"},
        {"own_staff": DENIED, "own_owner": OK, "operator": OK},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", list(MATRIX))
def test_permission_matrix(graphql, auth_headers, roles, case, role):
    query, make_target, unknown, allowed = MATRIX[case]
    variables = make_target(roles)
    user = roles[role]
    before = snapshot()

    payload = run(graphql, auth_headers, user, query, variables)

    expected = "AUTHENTICATION_REQUIRED" if role == "anonymous" else allowed.get(role, HIDDEN)
    if expected == OK:
        assert payload["errors"] == []
        assert snapshot() != before
        return
    assert [error["code"] for error in payload["errors"]] == [expected]
    assert snapshot() == before
    if expected == HIDDEN:
        assert payload == run(graphql, auth_headers, user, query, unknown)


# Reading invitations and members


SELLER_INVITATIONS = """
query ($slug: String) { seller(slug: $slug) { invitations { email role status } } }
"""


def test_a_sellers_invitations_are_visible_to_its_owners_and_operators_only(
    graphql, auth_headers, roles
):
    seller = roles["seller"]
    invite(seller, roles["buyer"], role="owner")
    invite(seller, roles["other_staff"])
    expected = [
        {"email": roles["other_staff"].email, "role": "STAFF", "status": "PENDING"},
        {"email": roles["buyer"].email, "role": "OWNER", "status": "PENDING"},
    ]

    for who in ("own_owner", "operator"):
        _status, body = graphql(
            SELLER_INVITATIONS, {"slug": seller.slug}, **auth_headers(roles[who])
        )
        assert body == {"data": {"seller": {"invitations": expected}}}, who

    for who in ("anonymous", "buyer", "other_staff", "own_staff", "auditor"):
        _status, body = graphql(
            SELLER_INVITATIONS, {"slug": seller.slug}, **auth_headers(roles[who])
        )
        assert body["data"]["seller"] == {"invitations": None}, who
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", who


@pytest.mark.parametrize("role", ROLES)
def test_invitation_and_membership_nodes_are_null_to_those_who_may_not_see_them(
    graphql, auth_headers, roles, role
):
    invitation = invite(roles["seller"], roles["buyer"])
    membership = membership_of(roles["own_staff"], roles["seller"])
    sees_invitation = role in ("buyer", "own_owner", "operator")
    sees_membership = role in ("own_staff", "own_owner", "operator")
    headers = auth_headers(roles[role])

    _status, for_invitation = graphql(NODE, {"id": gid(invitation)}, **headers)
    _status, for_membership = graphql(NODE, {"id": gid(membership)}, **headers)
    _status, for_unknown = graphql(NODE, {"id": UNKNOWN_INVITATION}, **headers)

    assert for_unknown == {"data": {"node": None}}
    assert for_invitation == (
        {
            "data": {
                "node": {
                    "__typename": "SellerInvitation",
                    "email": roles["buyer"].email,
                    "status": "PENDING",
                }
            }
        }
        if sees_invitation
        else for_unknown
    )
    assert for_membership == (
        {"data": {"node": {"__typename": "SellerMembership", "role": "STAFF"}}}
        if sees_membership
        else for_unknown
    )


def test_my_invitations_cost_the_same_queries_for_one_or_many(graphql, auth_headers, roles):
    buyer = roles["buyer"]
    query = """
    { me { sellerInvitations { id email role status seller { name address { ward } } } } }
    """

    counts = []
    for total in (1, 6):
        while SellerInvitation.objects.filter(user=buyer).count() < total:
            invite(SellerFactory(), buyer)
        with CaptureQueriesContext(connection) as queries:
            _status, body = graphql(query, **auth_headers(buyer))
        assert "errors" not in body
        assert len(body["data"]["me"]["sellerInvitations"]) == total
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_a_page_of_sellers_with_invitations_costs_the_same_queries_at_any_size(
    graphql, auth_headers, roles
):
    query = """
    query ($first: Int) {
      sellers(first: $first) {
        edges { node { name invitations { id email role seller { slug } } } }
      }
    }
    """
    for _number in range(12):
        seller = SellerFactory()
        for _invited in range(2):
            invite(seller, UserFactory())
    headers = auth_headers(roles["operator"])

    counts = []
    for first in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            _status, body = graphql(query, {"first": first}, **headers)
        assert "errors" not in body
        edges = body["data"]["sellers"]["edges"]
        assert len(edges) == first
        counts.append(len(queries))

    assert counts[0] == counts[1]


# The invitation email


def link_in(message) -> dict[str, str]:
    """The email and token of the set-password link in an email."""
    (url,) = re.findall(r"https://cho\.example\.vn/dat-mat-khau\?\S+", message.body)
    query = parse_qs(urlsplit(url).query, strict_parsing=True)
    return {"email": query["email"][0], "token": query["token"][0]}


SET_PASSWORD = """
mutation SetPassword($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) {
    token errors { field code message }
  }
}
"""


@pytest.fixture
def storefront(settings):
    settings.STOREFRONT_SET_PASSWORD_URL = "https://cho.example.vn/dat-mat-khau"


def test_a_new_person_chooses_a_password_signs_in_and_then_accepts(
    graphql, auth_headers, roles, mailoutbox, django_capture_on_commit_callbacks, storefront
):
    seller = roles["seller"]
    with django_capture_on_commit_callbacks(execute=True):
        invited = run(
            graphql,
            auth_headers,
            roles["own_owner"],
            INVITE,
            {"sellerId": seller_id(seller), "email": "Pham.Minh@Example.VN"},
        )
    assert invited["errors"] == []

    (message,) = mailoutbox
    assert message.to == ["pham.minh@example.vn"]
    # In the marketplace's language, Vietnamese: the account has none of its own.
    assert message.subject == f"Bạn được mời tham gia {seller.name} trên Sàn OCOP Ninh Thuận"
    assert f'"{seller.name}" trên Sàn OCOP Ninh Thuận với vai trò nhân viên.' in message.body
    person = User.objects.get(email="pham.minh@example.vn")
    assert not person.has_usable_password()
    assert not SellerMembership.objects.filter(user=person).exists()

    status, body = graphql(SET_PASSWORD, {**link_in(message), "password": NEW_PASSWORD})
    assert status == 200
    token = body["data"]["setPassword"]["token"]
    signed_in = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    _status, body = graphql(MY_SELLERS, **signed_in)
    assert body["data"]["me"]["sellerMemberships"] == []
    (waiting,) = body["data"]["me"]["sellerInvitations"]

    _status, body = graphql(ACCEPT, {"id": waiting["id"]}, **signed_in)

    assert body["data"]["sellerInvitationAccept"]["errors"] == []
    _status, body = graphql(MY_SELLERS, **signed_in)
    assert body["data"]["me"]["sellerMemberships"] == [
        {"role": "STAFF", "seller": {"slug": seller.slug}}
    ]


def test_people_who_have_a_password_are_told_without_a_link(
    graphql, auth_headers, roles, mailoutbox, django_capture_on_commit_callbacks, storefront
):
    buyer = roles["buyer"]
    with django_capture_on_commit_callbacks(execute=True):
        run(
            graphql,
            auth_headers,
            roles["operator"],
            INVITE,
            {"sellerId": seller_id(roles["seller"]), "email": buyer.email, "role": "OWNER"},
        )

    (message,) = mailoutbox
    assert message.to == [buyer.email]
    assert "dat-mat-khau" not in message.body
    assert "với vai trò chủ cơ sở." in message.body
    assert f"Hãy đăng nhập bằng tài khoản {buyer.email} để trả lời." in message.body


def test_a_refused_invitation_sends_nothing(
    graphql, auth_headers, roles, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payload = run(
            graphql,
            auth_headers,
            roles["own_staff"],
            INVITE,
            {"sellerId": seller_id(roles["seller"]), "email": "moi@example.vn"},
        )

    assert codes(payload) == [(None, "PERMISSION_DENIED")]
    assert mailoutbox == []
    assert not User.objects.filter(email="moi@example.vn").exists()


def test_an_invitation_revoked_before_its_email_went_sends_nothing(roles, mailoutbox):
    invitation = invite(roles["seller"], roles["buyer"])
    services.seller_invitation_revoke(invitation_id=invitation.pk, by=roles["own_owner"])

    tasks.send_invitation_email(invitation.pk)

    assert mailoutbox == []


def test_the_link_of_an_invitation_stops_working_once_the_password_is_set(
    graphql, roles, mailoutbox, storefront
):
    person = User.objects.create_user("moi.vao@example.vn")
    invitation = invite(roles["seller"], person)

    emails.send_invitation(invitation)
    link = link_in(mailoutbox[0])
    person.set_password(NEW_PASSWORD)
    person.last_login = timezone.now()
    person.save()

    _status, body = graphql(SET_PASSWORD, {**link, "password": "mot-mat-khau-khac-2026"})
    assert [error["code"] for error in body["data"]["setPassword"]["errors"]] == ["INVALID_TOKEN"]


# Two owners removing each other at the same moment


def _run_in_thread(action, results: dict, name: str, hold: threading.Event | None = None):
    """Run ``action`` in its own transaction on its own connection; ``hold`` delays the commit."""

    def target():
        try:
            with transaction.atomic():
                action()
                results[name] = "done"
                if hold is not None:
                    results[f"{name}_ready"].set()
                    assert hold.wait(timeout=30), "never released"
        except DomainError as exc:
            results[name] = exc.code
            if hold is not None:
                results[f"{name}_ready"].set()
        finally:
            connection.close()

    thread = threading.Thread(target=target, name=name)
    thread.start()
    return thread


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["owners-remove-each-other", "operators-demote-both"])
def test_two_concurrent_changes_never_leave_a_seller_without_owner(how):
    seller = SellerFactory()
    first = MembershipFactory(seller=seller, role="owner")
    second = MembershipFactory(seller=seller, role="owner")
    operator = UserFactory(role=User.Role.OPERATOR)
    if how == "owners-remove-each-other":
        actions = {
            "first": lambda: services.seller_staff_remove(membership_id=second.pk, by=first.user),
            "second": lambda: services.seller_staff_remove(membership_id=first.pk, by=second.user),
        }
    else:
        actions = {
            "first": lambda: services.seller_staff_role_update(
                membership_id=second.pk, role="staff", by=operator
            ),
            "second": lambda: services.seller_staff_role_update(
                membership_id=first.pk, role="staff", by=operator
            ),
        }
    results = {"first_ready": threading.Event()}
    release = threading.Event()

    # The first change is made and held uncommitted; the second starts meanwhile.
    holder = _run_in_thread(actions["first"], results, "first", hold=release)
    assert results["first_ready"].wait(timeout=30)
    assert results["first"] == "done"
    contender = _run_in_thread(actions["second"], results, "second")
    # Without the seller's row lock the second would read the old owners and finish now.
    deadline = timezone.now() + datetime.timedelta(seconds=30)
    while contender.is_alive() and not _waiting_on_a_lock() and timezone.now() < deadline:
        contender.join(timeout=0.01)
    release.set()
    holder.join(timeout=30)
    contender.join(timeout=30)

    assert not holder.is_alive()
    assert not contender.is_alive()
    expected_refusal = "PERMISSION_DENIED" if how == "owners-remove-each-other" else "LAST_OWNER"
    assert results == {
        "first_ready": results["first_ready"],
        "first": "done",
        "second": expected_refusal,
    }
    assert owners_of(seller) == {first.user_id}
