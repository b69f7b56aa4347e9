"""Account emails: set-password links for password resets and staff invitations.

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
from market.sellers.models import SellerMembership


def set_password_link(user: User) -> str:
    query = urlencode({"email": user.email, "token": default_token_generator.make_token(user)})
    return f"{settings.STOREFRONT_SET_PASSWORD_URL}?{query}"


def send_password_reset(user: User) -> None:
    _send(
        user,
        subject="Đặt lại mật khẩu tài khoản Sàn OCOP Ninh Thuận",
        template="accounts/email/password_reset.txt",
        context={"link": set_password_link(user)},
    )


def send_staff_invitation(membership: SellerMembership) -> None:
    """Tell the person they now work for the seller; a new account also gets its link."""
    user = membership.user
    _send(
        user,
        subject=f"Bạn được mời quản lý gian hàng {membership.seller.name}",
        template="accounts/email/staff_invitation.txt",
        context={
            "seller": membership.seller,
            "role": membership.get_role_display(),
            "link": None if user.has_usable_password() else set_password_link(user),
        },
    )


def _send(user: User, *, subject: str, template: str, context: dict) -> None:
    # The template tags leave blank lines around the text.
    body = render_to_string(template, {"user": user, **context}).strip() + "\n"
    send_mail(subject, body, None, [user.email])
