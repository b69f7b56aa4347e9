"""Creating and editing sellers, inviting staff, and who may do each.

Answering invitations and changing members: tests/sellers/test_memberships.py.
"""

import pytest
from graphql_relay import to_global_id

from market.accounts.models import Address, User
from market.core.errors import NotFound, PermissionDenied
from market.sellers import services
from market.sellers.models import Seller, SellerInvitation, SellerMembership
from tests.conftest import ROLES
from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db

SELLER_FIELDS = """
id name slug kind status isVerified taxCode phone email description
address { street ward province formerDistrict }
"""

CREATE = f"""
mutation Create($input: SellerCreateInput!) {{
  sellerCreate(input: $input) {{
    seller {{ {SELLER_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

UPDATE = f"""
mutation Update($id: ID!, $input: SellerUpdateInput!) {{
  sellerUpdate(id: $id, input: $input) {{
    seller {{ {SELLER_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

INVITE = """
mutation Invite($sellerId: ID!, $email: String!, $role: SellerMembershipRoleEnum) {
  sellerStaffInvite(sellerId: $sellerId, email: $email, role: $role) {
    invitation { role status email seller { slug } }
    errors { field code message }
  }
}
"""


def run(graphql, auth_headers, user, query, variables) -> dict:
    status, body = graphql(query, variables, **auth_headers(user))
    assert status == 200
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def codes(payload) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


def seller_id(seller) -> str:
    return to_global_id("Seller", seller.pk)


# sellerCreate


def test_operator_registers_a_seller_with_normalised_contacts(graphql, auth_headers, roles):
    payload = run(
        graphql,
        auth_headers,
        roles["operator"],
        CREATE,
        {
            "input": {
                "name": "  Hợp tác xã Nho Đông Hải ",
                "kind": "COOPERATIVE",
                "taxCode": "45.00.200.004",
                "phone": "0259 3822 222",
                "email": "LienHe@HTXDongHai.VN",
                "description": "Nho xanh, nho đỏ và rượu vang nho Ninh Thuận.",
                "address": {"street": "Thôn Mỹ Phước", "ward": "Đông Hải"},
                "isVerified": True,
            }
        },
    )

    assert payload["errors"] == []
    seller = payload["seller"]
    assert seller == {
        "id": seller["id"],
        "name": "Hợp tác xã Nho Đông Hải",
        "slug": "hop-tac-xa-nho-dong-hai",
        "kind": "COOPERATIVE",
        "status": "ACTIVE",
        "isVerified": True,
        "taxCode": "4500200004",
        "phone": "+842593822222",
        "email": "lienhe@htxdonghai.vn",
        "description": "Nho xanh, nho đỏ và rượu vang nho Ninh Thuận.",
        "address": {
            "street": "Thôn Mỹ Phước",
            "ward": "Phường Đông Hải",  # as the ward list spells it
            "province": "Khánh Hòa",
            "formerDistrict": "",
        },
    }


def test_slugs_of_the_same_name_are_made_unique(graphql, auth_headers, roles):
    SellerFactory(name="Hộ kinh doanh Quang Minh", slug="ho-kinh-doanh-quang-minh")
    SellerFactory(name="Hộ kinh doanh Quang Minh", slug="ho-kinh-doanh-quang-minh-2")
    SellerFactory(name="Hộ kinh doanh Quang Minh Phát", slug="ho-kinh-doanh-quang-minh-phat")

    slugs = [
        run(
            graphql,
            auth_headers,
            roles["operator"],
            CREATE,
            {"input": {"name": name, "kind": "HOUSEHOLD"}},
        )["seller"]["slug"]
        for name in ("Hộ kinh doanh Quang Minh", "HỘ KINH DOANH QUANG MINH", "Đặc sản ĐÔNG HẢI")
    ]

    assert slugs == ["ho-kinh-doanh-quang-minh-3", "ho-kinh-doanh-quang-minh-4", "dac-san-dong-hai"]


def test_create_reports_every_bad_field_at_once_by_its_input_name(graphql, auth_headers, roles):
    before = snapshot()

    payload = run(
        graphql,
        auth_headers,
        roles["operator"],
        CREATE,
        {
            "input": {
                "name": "   ",
                "kind": "ENTERPRISE",
                "taxCode": "4500200005",
                "phone": "0912 345",
                "email": "khong-phai-email",
                "address": {"street": "Thôn Hiếu Thiện"},
            }
        },
    )

    assert payload["seller"] is None
    assert sorted(codes(payload)) == [
        ("address.ward", "INVALID"),
        ("email", "INVALID"),
        ("name", "INVALID"),
        ("phone", "INVALID_PHONE"),
        ("taxCode", "INVALID_TAX_CODE"),
    ]
    assert snapshot() == before


def test_a_tax_code_belongs_to_one_seller(graphql, auth_headers, roles):
    SellerFactory(tax_code="0100109106-001")

    payload = run(
        graphql,
        auth_headers,
        roles["operator"],
        CREATE,
        {"input": {"name": "Chi nhánh khác", "kind": "ENTERPRISE", "taxCode": "0100109106001"}},
    )

    assert codes(payload) == [("taxCode", "UNIQUE")]


# sellerUpdate


def test_owner_edits_the_profile_but_not_verification_or_status(graphql, auth_headers, roles):
    seller = roles["seller"]
    owner = roles["own_owner"]

    payload = run(
        graphql,
        auth_headers,
        owner,
        UPDATE,
        {
            "id": seller_id(seller),
            "input": {
                "name": "HTX Nông nghiệp Phước Hậu – Ninh Phước",
                "phone": "+84 912345678",
                "address": {"ward": "Phước Hậu", "formerDistrict": "Ninh Phước"},
            },
        },
    )
    assert payload["errors"] == []
    assert payload["seller"]["name"] == "HTX Nông nghiệp Phước Hậu – Ninh Phước"
    assert payload["seller"]["slug"] == seller.slug
    assert payload["seller"]["phone"] == "+84912345678"
    assert payload["seller"]["address"]["formerDistrict"] == "Ninh Phước"

    for field, value in (("isVerified", True), ("status", "SUSPENDED")):
        payload = run(
            graphql,
            auth_headers,
            owner,
            UPDATE,
            {"id": seller_id(seller), "input": {"description": "Mô tả mới", field: value}},
        )
        assert codes(payload) == [(field, "PERMISSION_DENIED")]
    seller.refresh_from_db()
    assert (seller.is_verified, seller.status, seller.description) == (False, "active", "")


def test_operator_suspends_and_clears_contacts(graphql, auth_headers, roles):
    seller = roles["seller"]
    Seller.objects.filter(pk=seller.pk).update(phone="+842593822222")

    payload = run(
        graphql,
        auth_headers,
        roles["operator"],
        UPDATE,
        {"id": seller_id(seller), "input": {"status": "SUSPENDED", "phone": ""}},
    )

    assert payload["errors"] == []
    assert payload["seller"]["status"] == "SUSPENDED"
    assert payload["seller"]["phone"] == ""


def test_an_update_to_a_taken_tax_code_is_refused(graphql, auth_headers, roles):
    SellerFactory(tax_code="4500200004")

    payload = run(
        graphql,
        auth_headers,
        roles["operator"],
        UPDATE,
        {"id": seller_id(roles["seller"]), "input": {"taxCode": "4500200004"}},
    )

    assert codes(payload) == [("taxCode", "UNIQUE")]


# sellerStaffInvite


def test_owner_invites_a_new_person_who_gets_an_account_without_password(
    graphql, auth_headers, roles
):
    seller = roles["seller"]

    payload = run(
        graphql,
        auth_headers,
        roles["own_owner"],
        INVITE,
        {"sellerId": seller_id(seller), "email": "Tran.Thi.Mai@Example.VN"},
    )

    assert payload == {
        "invitation": {
            "role": "STAFF",
            "status": "PENDING",
            "email": "tran.thi.mai@example.vn",
            "seller": {"slug": seller.slug},
        },
        "errors": [],
    }
    user = User.objects.get(email="tran.thi.mai@example.vn")
    assert not user.has_usable_password()
    assert user.role == User.Role.BUYER
    # Even an account the invitation opened joins only by accepting.
    assert not SellerMembership.objects.filter(user=user).exists()


def test_inviting_an_existing_user_as_owner_waits_for_their_answer(graphql, auth_headers, roles):
    buyer = roles["buyer"]

    payload = run(
        graphql,
        auth_headers,
        roles["operator"],
        INVITE,
        {"sellerId": seller_id(roles["seller"]), "email": buyer.email.upper(), "role": "OWNER"},
    )

    assert payload["errors"] == []
    assert payload["invitation"]["role"] == "OWNER"
    invitation = SellerInvitation.objects.get(user=buyer)
    assert (invitation.seller, invitation.role, invitation.status) == (
        roles["seller"],
        "owner",
        "pending",
    )
    assert invitation.invited_by == roles["operator"]
    assert not SellerMembership.objects.filter(user=buyer).exists()
    assert buyer.has_usable_password()


def test_a_person_is_staff_of_a_seller_once(graphql, auth_headers, roles):
    payload = run(
        graphql,
        auth_headers,
        roles["own_owner"],
        INVITE,
        {"sellerId": seller_id(roles["seller"]), "email": roles["own_staff"].email},
    )

    assert codes(payload) == [("email", "ALREADY_MEMBER")]
    assert SellerMembership.objects.filter(user=roles["own_staff"]).count() == 1


def test_staff_of_another_seller_may_be_invited_to_this_one_too(graphql, auth_headers, roles):
    payload = run(
        graphql,
        auth_headers,
        roles["own_owner"],
        INVITE,
        {"sellerId": seller_id(roles["seller"]), "email": roles["other_staff"].email},
    )

    assert payload["errors"] == []
    assert SellerInvitation.objects.filter(user=roles["other_staff"]).count() == 1
    assert SellerMembership.objects.filter(user=roles["other_staff"]).count() == 1


@pytest.mark.parametrize(
    ("email", "expected"),
    [("khong-phai-email", ("email", "INVALID")), (None, ("email", "CANNOT_BE_STAFF"))],
    ids=["malformed", "auditor"],
)
def test_invite_refuses_bad_emails_and_auditors(graphql, auth_headers, roles, email, expected):
    users_before = User.objects.count()

    payload = run(
        graphql,
        auth_headers,
        roles["operator"],
        INVITE,
        {"sellerId": seller_id(roles["seller"]), "email": email or roles["auditor"].email},
    )

    assert codes(payload) == [expected]
    assert User.objects.count() == users_before
    assert not SellerMembership.objects.filter(user=roles["auditor"]).exists()
    assert not SellerInvitation.objects.exists()


# Who may do what


def snapshot() -> dict:
    return {
        "sellers": list(Seller.objects.order_by("pk").values()),
        "addresses": list(Address.objects.order_by("pk").values()),
        "memberships": list(SellerMembership.objects.order_by("pk").values()),
        "invitations": list(SellerInvitation.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "role")),
    }


MUTATIONS = {
    "sellerCreate": (
        CREATE,
        lambda roles: {
            "input": {
                "name": "HTX Rong sụn Cà Ná",
                "kind": "COOPERATIVE",
                "address": {"ward": "Cà Ná"},
            }
        },
    ),
    "sellerUpdate": (
        UPDATE,
        lambda roles: {
            "id": seller_id(roles["seller"]),
            "input": {
                "description": "Tỏi và hành tím Ninh Thuận.",
                "address": {"ward": "Ninh Hải"},
            },
        },
    ),
    "sellerStaffInvite": (
        INVITE,
        lambda roles: {"sellerId": seller_id(roles["seller"]), "email": "moi.vao@example.vn"},
    ),
}

ALLOWED = {
    "sellerCreate": {"operator"},
    "sellerUpdate": {"operator", "own_owner"},
    "sellerStaffInvite": {"operator", "own_owner"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_permission_matrix(graphql, auth_headers, roles, mutation, role):
    query, make_variables = MUTATIONS[mutation]
    before = snapshot()

    payload = run(graphql, auth_headers, roles[role], query, make_variables(roles))

    if role in ALLOWED[mutation]:
        assert payload["errors"] == []
        assert snapshot() != before
    else:
        expected = "AUTHENTICATION_REQUIRED" if role == "anonymous" else "PERMISSION_DENIED"
        assert [error["code"] for error in payload["errors"]] == [expected]
        assert snapshot() == before


# Bad IDs


@pytest.mark.parametrize(
    ("make_id", "code"),
    [
        (lambda: "khong-phai-id", "INVALID_ID"),
        (lambda: to_global_id("User", 1), "INVALID_ID"),
        (lambda: to_global_id("Seller", "-3"), "INVALID_ID"),
        (lambda: to_global_id("Seller", 987654), "NOT_FOUND"),
    ],
    ids=["garbage", "other-type", "negative", "unknown"],
)
def test_bad_ids_in_mutations_are_typed_errors(graphql, auth_headers, roles, make_id, code):
    operator = roles["operator"]

    update = run(graphql, auth_headers, operator, UPDATE, {"id": make_id(), "input": {}})
    invite = run(
        graphql,
        auth_headers,
        operator,
        INVITE,
        {"sellerId": make_id(), "email": "moi.vao@example.vn"},
    )

    assert codes(update) == [("id", code)]
    assert codes(invite) == [("sellerId", code)]
    assert not User.objects.filter(email="moi.vao@example.vn").exists()


def test_owners_of_an_unknown_seller_are_refused_not_told_it_is_missing(
    graphql, auth_headers, roles
):
    payload = run(
        graphql,
        auth_headers,
        roles["own_owner"],
        UPDATE,
        {"id": to_global_id("Seller", 987654), "input": {"name": "Tên mới"}},
    )

    assert codes(payload) == [(None, "PERMISSION_DENIED")]


@pytest.mark.parametrize("field", ["is_verified", "status"])
def test_the_service_keeps_verification_and_status_for_operators(roles, field):
    # The rule lives in sellers.services, so the admin and tasks cannot skip it either.
    seller = roles["seller"]
    value = {"is_verified": True, "status": Seller.Status.SUSPENDED}[field]

    with pytest.raises(PermissionDenied) as refused:
        services.seller_update(seller_id=seller.pk, by=roles["own_owner"], **{field: value})

    assert refused.value.field == field
    seller.refresh_from_db()
    assert (seller.is_verified, seller.status) == (False, Seller.Status.ACTIVE)
    updated = services.seller_update(seller_id=seller.pk, by=roles["operator"], **{field: value})
    assert getattr(updated, field) == value


SELLER_OWNER_SERVICES = {
    "update": lambda seller_id, by: services.seller_update(
        seller_id=seller_id, by=by, name="Tên mới"
    ),
    "invite": lambda seller_id, by: services.seller_staff_invite(
        seller_id=seller_id, email="moi.vao@example.vn", role="staff", by=by
    ),
}


@pytest.mark.parametrize("who", ["buyer", "own_staff", "other_staff", "auditor"])
@pytest.mark.parametrize("service", list(SELLER_OWNER_SERVICES))
def test_the_services_refuse_a_stranger_alike_for_a_missing_seller_and_another(roles, who, service):
    # The owner rule lives in sellers.services: whoever may not act cannot tell a
    # missing seller from one that is not theirs, whichever caller they come through.
    call = SELLER_OWNER_SERVICES[service]
    answers = []
    for seller_id in (roles["seller"].pk, 987654):
        with pytest.raises(PermissionDenied) as refused:
            call(seller_id, roles[who])
        answers.append((refused.value.code, refused.value.field, refused.value.message))

    assert answers[0] == answers[1]
    roles["seller"].refresh_from_db()
    assert roles["seller"].name != "Tên mới"
    assert not SellerInvitation.objects.exists()


@pytest.mark.parametrize("service", list(SELLER_OWNER_SERVICES))
def test_the_services_tell_operators_a_seller_is_missing(roles, service):
    with pytest.raises(NotFound) as missing:
        SELLER_OWNER_SERVICES[service](987654, roles["operator"])

    assert missing.value.code == "NOT_FOUND"
