"""Registration, signing in, refresh-token rotation and the access token's checks."""

import time

import jwt as pyjwt
import pytest

from market.accounts import jwt, services
from market.accounts.models import RefreshToken, User
from market.core.errors import DomainError
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-an-toan-2025"

REGISTER = """
mutation Register($input: AccountRegisterInput!) {
  accountRegister(input: $input) {
    user { email firstName lastName role }
    errors { field code message }
  }
}
"""

TOKEN_CREATE = """
mutation SignIn($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token refreshToken user { email }
    errors { field code message }
  }
}
"""

TOKEN_REFRESH = """
mutation Refresh($refreshToken: String!) {
  tokenRefresh(refreshToken: $refreshToken) {
    token refreshToken user { email }
    errors { field code message }
  }
}
"""

TOKEN_VERIFY = """
mutation Verify($token: String!) {
  tokenVerify(token: $token) {
    isValid user { email } payload
    errors { field code }
  }
}
"""

REVOKE_ALL = "mutation { tokensRevokeAll { revokedCount errors { code } } }"

ME = """
{ me { id email firstName lastName role sellerMemberships { role seller { name slug } } } }
"""


def sign_in(graphql, email, password=PASSWORD) -> dict:
    status, body = graphql(TOKEN_CREATE, {"email": email, "password": password})
    assert status == 200
    return body["data"]["tokenCreate"]


def refresh(graphql, refresh_token: str) -> dict:
    status, body = graphql(TOKEN_REFRESH, {"refreshToken": refresh_token})
    assert status == 200
    return body["data"]["tokenRefresh"]


def stored(refresh_token: str) -> RefreshToken:
    jti = jwt.decode(refresh_token, expected_type=jwt.REFRESH)["jti"]
    return RefreshToken.objects.get(jti=jti)


def error_codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


# Registration


def test_register_creates_a_buyer_who_can_sign_in(graphql):
    status, body = graphql(
        REGISTER,
        {
            "input": {
                "email": "  Nguyen.Van.An@Example.VN ",
                "password": PASSWORD,
                "firstName": "An",
                "lastName": "Nguyễn Văn",
            }
        },
    )

    assert status == 200
    payload = body["data"]["accountRegister"]
    assert payload["errors"] == []
    assert payload["user"] == {
        "email": "nguyen.van.an@example.vn",
        "firstName": "An",
        "lastName": "Nguyễn Văn",
        "role": "BUYER",
    }
    assert sign_in(graphql, "nguyen.van.an@example.vn")["errors"] == []


def test_register_refuses_a_taken_email_in_any_case(graphql):
    UserFactory(email="lan@example.vn")

    _status, body = graphql(REGISTER, {"input": {"email": "LAN@example.vn", "password": PASSWORD}})

    payload = body["data"]["accountRegister"]
    assert payload["user"] is None
    assert error_codes(payload) == [("email", "UNIQUE")]
    assert User.objects.filter(email__iexact="lan@example.vn").count() == 1


@pytest.mark.parametrize(
    "password",
    ["ngan", "12345678901", "password123", "nguyen.van.an@example.vn"],
    ids=["too-short", "numeric", "common", "like-the-email"],
)
def test_register_applies_the_password_validators(graphql, password):
    _status, body = graphql(
        REGISTER, {"input": {"email": "nguyen.van.an@example.vn", "password": password}}
    )

    payload = body["data"]["accountRegister"]
    assert payload["user"] is None
    assert {code for field, code in error_codes(payload)} == {"PASSWORD_TOO_WEAK"}
    assert {field for field, code in error_codes(payload)} == {"password"}
    assert not User.objects.filter(email="nguyen.van.an@example.vn").exists()


def test_register_refuses_a_malformed_email(graphql):
    _status, body = graphql(
        REGISTER, {"input": {"email": "khong-phai-email", "password": PASSWORD}}
    )

    assert error_codes(body["data"]["accountRegister"]) == [("email", "INVALID")]


# Signing in


def test_token_create_returns_an_access_and_a_stored_refresh_token(graphql):
    user = UserFactory()

    payload = sign_in(graphql, user.email.upper())

    assert payload["errors"] == []
    assert payload["user"] == {"email": user.email}
    access = jwt.decode(payload["token"], expected_type=jwt.ACCESS)
    assert access["sub"] == str(user.pk)
    token = stored(payload["refreshToken"])
    assert token.user == user
    assert token.revoked_at is None


@pytest.mark.parametrize("email", ["nguoidung-khac@example.vn", None], ids=["unknown", "known"])
def test_token_create_refuses_wrong_credentials_alike(graphql, email):
    user = UserFactory()

    payload = sign_in(graphql, email or user.email, password="sai-mat-khau-2025")

    assert payload["token"] is None
    assert error_codes(payload) == [("email", "INVALID_CREDENTIALS")]
    assert not RefreshToken.objects.exists()


def test_token_create_refuses_an_inactive_account(graphql):
    user = UserFactory(is_active=False)

    payload = sign_in(graphql, user.email)

    assert payload["token"] is None
    assert error_codes(payload) == [("email", "INACTIVE")]


# Refresh-token rotation


def test_refresh_rotates_the_refresh_token(graphql):
    user = UserFactory()
    first = sign_in(graphql, user.email)

    second = refresh(graphql, first["refreshToken"])

    assert second["errors"] == []
    assert second["user"] == {"email": user.email}
    assert second["refreshToken"] != first["refreshToken"]
    assert jwt.decode(second["token"], expected_type=jwt.ACCESS)["sub"] == str(user.pk)
    assert stored(first["refreshToken"]).revoked_at is not None
    assert stored(second["refreshToken"]).revoked_at is None
    assert refresh(graphql, second["refreshToken"])["errors"] == []


def test_reusing_a_rotated_refresh_token_revokes_every_session_of_its_user(graphql):
    user = UserFactory()
    other_user = UserFactory()
    phone_session = sign_in(graphql, user.email)
    laptop_session = sign_in(graphql, user.email)
    other_session = sign_in(graphql, other_user.email)
    rotated = refresh(graphql, phone_session["refreshToken"])

    replayed = refresh(graphql, phone_session["refreshToken"])

    assert replayed["token"] is None
    assert error_codes(replayed) == [("refreshToken", "JWT_REVOKED")]
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert error_codes(refresh(graphql, rotated["refreshToken"])) == [
        ("refreshToken", "JWT_REVOKED")
    ]
    assert error_codes(refresh(graphql, laptop_session["refreshToken"])) == [
        ("refreshToken", "JWT_REVOKED")
    ]
    assert stored(other_session["refreshToken"]).revoked_at is None


def test_the_service_owns_the_sign_out_after_a_replayed_refresh_token():
    # The rule lives in accounts.services, not in the mutation: the refusal carries the
    # sign-out, to be run once the caller's transaction has rolled back.
    user = UserFactory()
    first = services.token_create(email=user.email, password=PASSWORD, client_address="::1")
    services.token_refresh(refresh_token=first.refresh_token)

    with pytest.raises(DomainError) as refused:
        services.token_refresh(refresh_token=first.refresh_token)

    assert refused.value.code == "JWT_REVOKED"
    assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    refused.value.after_rollback()
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        (lambda user: "khong-phai-jwt", "JWT_INVALID"),
        (
            lambda user: jwt.encode(user_id=user.pk, token_type=jwt.ACCESS, ttl_seconds=300)[
                "token"
            ],
            "JWT_INVALID",
        ),
        (
            # Well signed but never issued, so there is no row to rotate.
            lambda user: jwt.encode(user_id=user.pk, token_type=jwt.REFRESH, ttl_seconds=300)[
                "token"
            ],
            "JWT_INVALID",
        ),
        (
            lambda user: jwt.encode(user_id=user.pk, token_type=jwt.REFRESH, ttl_seconds=-1)[
                "token"
            ],
            "JWT_EXPIRED",
        ),
    ],
    ids=["garbage", "access-token", "unknown-jti", "expired"],
)
def test_refresh_refuses_tokens_that_are_not_live_refresh_tokens(graphql, make_token, code):
    user = UserFactory()

    payload = refresh(graphql, make_token(user))

    assert error_codes(payload) == [("refreshToken", code)]
    assert not RefreshToken.objects.exists()


def test_refresh_refuses_a_user_disabled_since_signing_in(graphql):
    user = UserFactory()
    session = sign_in(graphql, user.email)
    User.objects.filter(pk=user.pk).update(is_active=False)

    payload = refresh(graphql, session["refreshToken"])

    assert error_codes(payload) == [("refreshToken", "INACTIVE")]
    assert stored(session["refreshToken"]).revoked_at is None


def test_tokens_revoke_all_signs_the_user_out_everywhere(graphql, auth_headers):
    user = UserFactory()
    sessions = [sign_in(graphql, user.email) for _ in range(3)]
    other_session = sign_in(graphql, UserFactory().email)

    _status, body = graphql(REVOKE_ALL, **auth_headers(user))

    assert body["data"]["tokensRevokeAll"] == {"revokedCount": 3, "errors": []}
    for session in sessions:
        assert error_codes(refresh(graphql, session["refreshToken"]))[0][1] == "JWT_REVOKED"
    assert refresh(graphql, other_session["refreshToken"])["errors"] == []


def test_tokens_revoke_all_needs_a_signed_in_user(graphql):
    _status, body = graphql(REVOKE_ALL)

    assert body["data"]["tokensRevokeAll"] == {
        "revokedCount": None,
        "errors": [{"code": "AUTHENTICATION_REQUIRED"}],
    }


# Access tokens


def test_token_verify_accepts_a_live_access_token(graphql):
    user = UserFactory()
    token = sign_in(graphql, user.email)["token"]

    _status, body = graphql(TOKEN_VERIFY, {"token": token})

    payload = body["data"]["tokenVerify"]
    assert payload["isValid"] is True
    assert payload["errors"] == []
    assert payload["user"] == {"email": user.email}
    assert payload["payload"]["sub"] == str(user.pk)
    assert payload["payload"]["type"] == "access"


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        (lambda user: "khong-phai-jwt", "JWT_INVALID"),
        (
            lambda user: jwt.encode(user_id=user.pk, token_type=jwt.ACCESS, ttl_seconds=-1)[
                "token"
            ],
            "JWT_EXPIRED",
        ),
        (
            lambda user: jwt.encode(user_id=user.pk, token_type=jwt.REFRESH, ttl_seconds=300)[
                "token"
            ],
            "JWT_INVALID",
        ),
        (
            lambda user: jwt.encode(user_id=user.pk + 1000, token_type=jwt.ACCESS, ttl_seconds=300)[
                "token"
            ],
            "JWT_INVALID",
        ),
    ],
    ids=["garbage", "expired", "refresh-token", "no-such-user"],
)
def test_token_verify_reports_why_a_token_is_not_valid(graphql, make_token, code):
    user = UserFactory()

    _status, body = graphql(TOKEN_VERIFY, {"token": make_token(user)})

    assert body["data"]["tokenVerify"] == {
        "isValid": False,
        "user": None,
        "payload": None,
        "errors": [{"field": "token", "code": code}],
    }


def test_an_expired_access_token_is_refused_with_401(graphql):
    user = UserFactory()
    expired = jwt.encode(user_id=user.pk, token_type=jwt.ACCESS, ttl_seconds=-1)["token"]

    status, body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {expired}")

    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "JWT_EXPIRED"


def test_a_forged_access_token_is_refused_with_401(graphql):
    user = UserFactory()
    now = int(time.time())
    claims = {"sub": str(user.pk), "type": "access", "iat": now, "exp": now + 300, "jti": "x"}
    forged = pyjwt.encode(claims, "a-key-other-than-the-server-secret-key", algorithm="HS256")

    status, body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "JWT_INVALID"


# me


def test_me_is_null_for_anonymous_requests(graphql):
    status, body = graphql(ME)

    assert status == 200
    assert body == {"data": {"me": None}}


def test_me_shows_the_user_and_the_sellers_they_work_for(graphql, auth_headers):
    membership = MembershipFactory(
        seller__name="HTX Nho Evergreen Ninh Thuận", seller__slug="htx-nho-evergreen", role="owner"
    )
    user = membership.user

    _status, body = graphql(ME, **auth_headers(user))

    me = body["data"]["me"]
    assert me["email"] == user.email
    assert me["role"] == "BUYER"
    assert me["sellerMemberships"] == [
        {
            "role": "OWNER",
            "seller": {"name": "HTX Nho Evergreen Ninh Thuận", "slug": "htx-nho-evergreen"},
        }
    ]


def test_a_user_node_is_visible_to_the_user_and_operators_only(graphql, auth_headers, roles):
    user = roles["own_staff"]
    query = "query ($id: ID!) { node(id: $id) { ... on User { email } } }"
    _status, body = graphql(ME, **auth_headers(user))
    user_id = body["data"]["me"]["id"]

    seen_by = {}
    for role in ("anonymous", "buyer", "own_owner", "operator", "own_staff"):
        _status, body = graphql(query, {"id": user_id}, **auth_headers(roles[role]))
        seen_by[role] = body["data"]["node"]

    assert seen_by == {
        "anonymous": None,
        "buyer": None,
        "own_owner": None,
        "operator": {"email": user.email},
        "own_staff": {"email": user.email},
    }
