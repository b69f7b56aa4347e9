"""Set-password links: password resets (invited staff choosing a first password: tests/sellers)."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator

from market.accounts import jwt
from market.accounts.models import RefreshToken, User
from tests.accounts.test_auth import PASSWORD, error_codes, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "nho-vang-phan-rang-2026"

REQUEST_RESET = """
mutation Reset($email: String!) {
  requestPasswordReset(email: $email) { errors { field code message } }
}
"""

SET_PASSWORD = """
mutation SetPassword($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) {
    token refreshToken user { email }
    errors { field code message }
  }
}
"""


@pytest.fixture(autouse=True)
def storefront(settings):
    settings.STOREFRONT_SET_PASSWORD_URL = "https://cho.example.vn/dat-mat-khau"


def link_in(message) -> dict[str, str]:
    """The email and token of the set-password link in an email."""
    (url,) = re.findall(r"https://cho\.example\.vn/dat-mat-khau\?\S+", message.body)
    query = parse_qs(urlsplit(url).query, strict_parsing=True)
    return {"email": query["email"][0], "token": query["token"][0]}


def request_reset(graphql, email, callbacks) -> dict:
    with callbacks(execute=True):
        status, body = graphql(REQUEST_RESET, {"email": email})
    assert status == 200
    return body["data"]["requestPasswordReset"]


def set_password(graphql, email, token, password=NEW_PASSWORD) -> dict:
    status, body = graphql(SET_PASSWORD, {"email": email, "token": token, "password": password})
    assert status == 200
    return body["data"]["setPassword"]


# Password reset


def test_a_reset_link_sets_a_new_password_and_ends_the_old_sessions(
    graphql, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email="nguyen.van.an@example.vn", first_name="An", password=PASSWORD)
    old_session = sign_in(graphql, user.email)

    payload = request_reset(
        graphql, "Nguyen.Van.An@Example.VN ", django_capture_on_commit_callbacks
    )

    assert payload == {"errors": []}
    (message,) = mailoutbox
    assert message.to == ["nguyen.van.an@example.vn"]
    assert message.subject == "Đặt lại mật khẩu tài khoản Sàn OCOP Ninh Thuận"
    assert message.body.startswith("Xin chào An,")
    link = link_in(message)
    assert link["email"] == user.email

    result = set_password(graphql, **link)

    assert result["errors"] == []
    assert result["user"] == {"email": user.email}
    assert result["token"]
    assert result["refreshToken"]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert sign_in(graphql, user.email, NEW_PASSWORD)["errors"] == []
    old = RefreshToken.objects.get(user=user, jti__in=_jtis(old_session))
    assert old.revoked_at is not None


def test_a_link_works_once(graphql, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(password=PASSWORD)
    request_reset(graphql, user.email, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    assert set_password(graphql, **link)["errors"] == []

    again = set_password(graphql, **link, password="mot-mat-khau-khac-2026")

    assert error_codes(again) == [("token", "INVALID_TOKEN")]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_unknown_and_disabled_accounts_get_the_same_answer_and_no_email(
    graphql, mailoutbox, django_capture_on_commit_callbacks
):
    disabled = UserFactory(is_active=False, password=PASSWORD)

    for email in ("khong-ai-ca@example.vn", disabled.email, "khong-phai-email"):
        assert request_reset(graphql, email, django_capture_on_commit_callbacks) == {"errors": []}

    assert mailoutbox == []
    disabled.refresh_from_db()
    assert disabled.last_password_reset_request is None


def test_one_account_gets_one_email_per_interval(
    graphql, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_REQUEST_INTERVAL_SECONDS = 300
    user = UserFactory(password=PASSWORD)

    for _ in range(3):
        request_reset(graphql, user.email, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1

    user.refresh_from_db()
    User.objects.filter(pk=user.pk).update(
        last_password_reset_request=user.last_password_reset_request
        - datetime.timedelta(seconds=301)
    )
    request_reset(graphql, user.email, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    "token",
    ["", "abc-123", "c5x7yz-0123456789abcdef0123456789abcdef", "x" * 10_000],
    ids=["empty", "garbage", "forged", "huge"],
)
def test_bad_tokens_are_refused_and_change_nothing(graphql, token):
    user = UserFactory(password=PASSWORD)

    result = set_password(graphql, user.email, token)

    assert error_codes(result) == [("token", "INVALID_TOKEN")]
    assert result["token"] is None
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_token_for_one_account_does_not_open_another(graphql):
    victim = UserFactory(password=PASSWORD)
    attacker = UserFactory(password=PASSWORD)
    attackers_token = PasswordResetTokenGenerator().make_token(attacker)

    result = set_password(graphql, victim.email, attackers_token)

    assert error_codes(result) == [("token", "INVALID_TOKEN")]
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)


def test_an_unknown_email_is_refused_like_a_bad_token(graphql):
    token = PasswordResetTokenGenerator().make_token(UserFactory(password=PASSWORD))

    result = set_password(graphql, "khong-ai-ca@example.vn", token)

    assert error_codes(result) == [("token", "INVALID_TOKEN")]


def test_an_expired_link_is_refused(graphql, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    user = UserFactory(password=PASSWORD)

    class TwoHoursAgo(PasswordResetTokenGenerator):
        def _now(self):
            # Django's token clock is naive local time, as its own _now() is.
            return datetime.datetime.now() - datetime.timedelta(hours=2)  # noqa: DTZ005

    result = set_password(graphql, user.email, TwoHoursAgo().make_token(user))

    assert error_codes(result) == [("token", "INVALID_TOKEN")]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_weak_password_is_refused_and_the_link_still_works(graphql):
    user = UserFactory(email="le.thi.hoa@example.vn", password=PASSWORD)
    token = PasswordResetTokenGenerator().make_token(user)

    weak = set_password(graphql, user.email, token, password="12345678")

    assert {code for _, code in error_codes(weak)} == {"PASSWORD_TOO_WEAK"}
    assert {field for field, _ in error_codes(weak)} == {"password"}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert set_password(graphql, user.email, token)["errors"] == []


def test_a_disabled_account_cannot_set_a_password(graphql):
    user = UserFactory(password=PASSWORD)
    token = PasswordResetTokenGenerator().make_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    result = set_password(graphql, user.email, token)

    assert error_codes(result) == [("email", "INACTIVE")]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def _jtis(session: dict) -> list[str]:
    return [jwt.decode(session["refreshToken"], expected_type=jwt.REFRESH)["jti"]]
