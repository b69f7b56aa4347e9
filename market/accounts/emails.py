"""Account emails: set-password links, and sending any email to an account.

Other apps' emails (a seller's staff invitation, in ``market.sellers.emails``)
use ``set_password_link`` and ``send_to_user`` from here.

The link carries the address and a token from Django's password-reset token
generator. The token is derived from the account's current password hash and
last sign-in, so it stops working once the password is set, and it expires
after ``PASSWORD_RESET_TIMEOUT``.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string

from market.accounts.models import User


def set_password_link(user: User) -> str:
    query = urlencode({"email": user.email, "token": default_token_generator.make_token(user)})
    return f"{settings.STOREFRONT_SET_PASSWORD_URL}?{query}"


def send_password_reset(user: User) -> None:
    send_to_user(
        user,
        subject="Đặt lại mật khẩu tài khoản Sàn OCOP Ninh Thuận",
        template="accounts/email/password_reset.txt",
        context={"link": set_password_link(user)},
    )


def send_to_user(user: User, *, subject: str, template: str, context: dict) -> None:
    # The template tags leave blank lines around the text.
    body = render_to_string(template, {"user": user, **context}).strip() + "\n"
    send_mail(subject, body, None, [user.email])
