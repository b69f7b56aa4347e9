"""Correctly signed tokens whose claims ``encode`` never writes are refused, never a 500.

The signature proves the server made the token, not that its claims are sane:
whoever holds the key (or a future bug in ``encode``) could sign anything, and
a ``sub`` such as "abc" used to reach ``int()`` and answer HTTP 500.
"""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.conf import settings

from market.accounts.jwt import ACCESS, REFRESH
from market.accounts.models import RefreshToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "{ me { email } }"

TOKEN_VERIFY = """
mutation Verify($token: String!) {
  tokenVerify(token: $token) { isValid user { email } errors { field code } }
}
"""

TOKEN_REFRESH = """
mutation Refresh($refreshToken: String!) {
  tokenRefresh(refreshToken: $refreshToken) { token errors { field code } }
}
"""

MISSING = object()


def segment(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def signed(user, token_type=ACCESS, headers=None, **overrides) -> str:
    """A token signed with the server's key: ``encode``'s claims, with ``overrides``.

    Signed by hand, since PyJWT refuses to write some of these headers.
    """
    assert settings.JWT_ALGORITHM == "HS256"
    now = int(time.time())
    claims = {"sub": str(user.pk), "type": token_type, "iat": now, "exp": now + 300, "jti": "j1"}
    for name, value in overrides.items():
        if value is MISSING:
            claims.pop(name)
        else:
            claims[name] = value
    signing_input = (
        f"{segment({'alg': 'HS256', 'typ': 'JWT', **(headers or {})})}.{segment(claims)}"
    )
    signature = hmac.new(settings.SECRET_KEY.encode(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{base64.urlsafe_b64encode(signature.digest()).decode().rstrip('=')}"


def full_width(digits: str) -> str:
    return "".join(chr(ord("０") + int(digit)) for digit in digits)


# Each builds the bad ``sub`` from the real user's id, so a lax parse would sign them in.
BAD_SUBJECTS = {
    "letters": lambda pk: "abc",
    "empty": lambda pk: "",
    "negative": lambda pk: f"-{pk}",
    "zero": lambda pk: "0",
    "float": lambda pk: f"{pk}.0",
    "exponent": lambda pk: f"{pk}e0",
    "plus-sign": lambda pk: f"+{pk}",
    "leading-zero": lambda pk: f"0{pk}",
    "spaces": lambda pk: f" {pk} ",
    "newline": lambda pk: f"{pk}\n",
    "underscore": lambda pk: f"0_{pk}",
    "full-width-digits": lambda pk: full_width(str(pk)),
    "beyond-bigint": lambda pk: str(2**63),
    "huge": lambda pk: "9" * 400,
    "nul": lambda pk: f"{pk}\x00",
}

BAD_CLAIMS = {
    "sub-number": {"sub": 1},
    "sub-float": {"sub": 1.5},
    "sub-list": {"sub": ["1"]},
    "sub-null": {"sub": None},
    "sub-missing": {"sub": MISSING},
    "type-missing": {"type": MISSING},
    "type-upper-case": {"type": "ACCESS"},
    "type-list": {"type": ["access"]},
    "type-object": {"type": {"access": True}},
    "type-number": {"type": 1},
    "jti-number": {"jti": 7},
    "jti-missing": {"jti": MISSING},
    "iat-text": {"iat": "now"},
    "iat-infinite": {"iat": float("inf")},
    "exp-infinite": {"exp": float("inf")},
    "exp-not-a-number": {"exp": float("nan")},
    "exp-text": {"exp": "tomorrow"},
}

BAD_HEADERS = {
    "typ-number": {"typ": 7},
    "typ-object": {"typ": {"a": 1}},
    "kid-number": {"kid": 7},
}


def bad_tokens(user) -> dict[str, str]:
    tokens = {
        f"subject {name}": signed(user, sub=make(user.pk)) for name, make in BAD_SUBJECTS.items()
    }
    tokens.update({f"claims {name}": signed(user, **claims) for name, claims in BAD_CLAIMS.items()})
    return tokens


def assert_refused_as_invalid(status, body):
    assert status == 401
    assert body == {
        "errors": [{"message": body["errors"][0]["message"], "extensions": {"code": "JWT_INVALID"}}]
    }


@pytest.mark.parametrize("name", [*BAD_SUBJECTS])
def test_a_signed_token_whose_sub_is_not_a_user_id_is_refused_with_401(graphql, name):
    user = UserFactory()

    status, body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {bad_tokens(user)[f'subject {name}']}")

    assert_refused_as_invalid(status, body)


@pytest.mark.parametrize("name", [*BAD_CLAIMS])
def test_a_signed_token_with_odd_claims_is_refused_with_401(graphql, name):
    user = UserFactory()

    status, body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {bad_tokens(user)[f'claims {name}']}")

    assert_refused_as_invalid(status, body)


@pytest.mark.parametrize("name", [*BAD_HEADERS])
def test_a_token_with_odd_header_fields_never_fails_the_server(graphql, name):
    user = UserFactory()
    token = signed(user, headers=BAD_HEADERS[name])

    status, body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    # The JOSE header is not ours to constrain beyond what PyJWT checks: the token
    # either signs the user in or is refused like any other bad token.
    if status == 200:
        assert body == {"data": {"me": {"email": user.email}}}
    else:
        assert_refused_as_invalid(status, body)


def test_the_checks_refuse_nothing_encode_writes(graphql):
    user = UserFactory()

    status, body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {signed(user)}")

    assert (status, body) == (200, {"data": {"me": {"email": user.email}}})


def test_a_sub_with_a_lax_spelling_of_the_id_does_not_sign_that_user_in(graphql):
    # int() reads " 12 ", "+12", "012" and full-width digits as 12.
    user = UserFactory()

    for name in ("plus-sign", "leading-zero", "spaces", "full-width-digits"):
        token = signed(user, sub=BAD_SUBJECTS[name](user.pk))
        status, _body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert status == 401, name


def test_token_verify_reports_such_tokens_as_invalid(graphql):
    user = UserFactory()

    for name, token in bad_tokens(user).items():
        status, body = graphql(TOKEN_VERIFY, {"token": token})
        assert status == 200, name
        assert body["data"]["tokenVerify"] == {
            "isValid": False,
            "user": None,
            "errors": [{"field": "token", "code": "JWT_INVALID"}],
        }, name


def test_token_refresh_refuses_refresh_tokens_with_such_claims(graphql):
    user = UserFactory()
    tokens = {
        name: signed(user, token_type=REFRESH, sub=make(user.pk))
        for name, make in BAD_SUBJECTS.items()
    }
    tokens["type-odd"] = signed(user, token_type="REFRESH")

    for name, token in tokens.items():
        status, body = graphql(TOKEN_REFRESH, {"refreshToken": token})
        assert status == 200, name
        assert body["data"]["tokenRefresh"] == {
            "token": None,
            "errors": [{"field": "refreshToken", "code": "JWT_INVALID"}],
        }, name
    assert not RefreshToken.objects.exists()
