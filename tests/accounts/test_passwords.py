"""Set-password links: password resets, and invited staff choosing their first password."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils import timezone
from graphql_relay import to_global_id

from market.accounts import jwt
from market.accounts.emails import send_staff_invitation
from market.accounts.models import RefreshToken, User
from tests.accounts.test_auth import ME, PASSWORD, error_codes, sign_in
from tests.factories import MembershipFactory, UserFactory

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

INVITE = """
mutation Invite($sellerId: ID!, $email: String!) {
  sellerStaffInvite(sellerId: $sellerId, email: $email) { errors { field code } }
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


# Staff invitations


def test_invited_staff_choose_a_password_from_the_invitation_and_sign_in(
    graphql, auth_headers, roles, mailoutbox, django_capture_on_commit_callbacks
):
    seller = roles["seller"]
    with django_capture_on_commit_callbacks(execute=True):
        status, body = graphql(
            INVITE,
            {"sellerId": to_global_id("Seller", seller.pk), "email": "Pham.Minh@Example.VN"},
            **auth_headers(roles["own_owner"]),
        )
    assert status == 200
    assert body["data"]["sellerStaffInvite"]["errors"] == []

    (message,) = mailoutbox
    assert message.to == ["pham.minh@example.vn"]
    assert message.subject == f"Bạn được mời quản lý gian hàng {seller.name}"
    assert "với vai trò nhân viên" in message.body
    invited = User.objects.get(email="pham.minh@example.vn")
    assert not invited.has_usable_password()

    signed_in = set_password(graphql, **link_in(message))

    assert signed_in["errors"] == []
    status, body = graphql(ME, HTTP_AUTHORIZATION=f"Bearer {signed_in['token']}")
    assert body["data"]["me"]["sellerMemberships"] == [
        {"role": "STAFF", "seller": {"name": seller.name, "slug": seller.slug}}
    ]


def test_people_who_already_have_a_password_are_told_without_a_link(
    graphql, auth_headers, roles, mailoutbox, django_capture_on_commit_callbacks
):
    buyer = roles["buyer"]
    with django_capture_on_commit_callbacks(execute=True):
        graphql(
            INVITE,
            {"sellerId": to_global_id("Seller", roles["seller"].pk), "email": buyer.email},
            **auth_headers(roles["operator"]),
        )

    (message,) = mailoutbox
    assert message.to == [buyer.email]
    assert "dat-mat-khau" not in message.body
    assert f"Đăng nhập bằng tài khoản {buyer.email}" in message.body


def test_a_refused_invitation_sends_nothing(
    graphql, auth_headers, roles, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, body = graphql(
            INVITE,
            {"sellerId": to_global_id("Seller", roles["seller"].pk), "email": "moi@example.vn"},
            **auth_headers(roles["own_staff"]),
        )

    assert body["data"]["sellerStaffInvite"]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert mailoutbox == []
    assert not User.objects.filter(email="moi@example.vn").exists()


def test_an_invitation_link_expires_once_the_person_has_a_password(graphql, mailoutbox):
    membership = MembershipFactory(user=User.objects.create_user("moi.vao@example.vn"))

    send_staff_invitation(membership)
    link = link_in(mailoutbox[0])
    membership.user.set_password(NEW_PASSWORD)
    membership.user.last_login = timezone.now()
    membership.user.save()

    assert error_codes(set_password(graphql, **link)) == [("token", "INVALID_TOKEN")]


def _jtis(session: dict) -> list[str]:
    return [jwt.decode(session["refreshToken"], expected_type=jwt.REFRESH)["jti"]]
