"""Account emails: set-password links, and sending any email to an account.

Other apps' emails (a seller's staff invitation, in ``market.sellers.emails``)
use ``set_password_link`` and ``send_to_user`` from here.

The link carries the address and a token from Django's password-reset token
generator. The token is derived from the account's current password hash and
last sign-in, so it stops working once the password is set, and it expires
after ``PASSWORD_RESET_TIMEOUT``.

Emails are sent by Celery tasks, outside any request: ``in_recipient_language``
chooses their language, never the language of whoever caused the email.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from market.accounts.models import User


def set_password_link(user: User) -> str:
    query = urlencode({"email": user.email, "token": default_token_generator.make_token(user)})
    return f"{settings.STOREFRONT_SET_PASSWORD_URL}?{query}"


def in_recipient_language(user: User):
    """The language to write to ``user`` in, for a ``with`` block around the whole email.

    Accounts record no language of their own, so every email is in the marketplace's
    (``LANGUAGE_CODE``): a seller's owner writing in English still invites a
    Vietnamese cooperative's member in Vietnamese, and an eager task run inside a
    request does not take that request's language.
    """
    return translation.override(settings.LANGUAGE_CODE)


def send_password_reset(user: User) -> None:
    with in_recipient_language(user):
        send_to_user(
            user,
            subject=_("Reset the password of your Ninh Thuận OCOP marketplace account"),
            template="accounts/email/password_reset.txt",
            context={"link": set_password_link(user)},
        )


def send_to_user(user: User, *, subject: str, template: str, context: dict) -> None:
    # The template tags leave blank lines around the text.
    body = render_to_string(template, {"user": user, **context}).strip() + "\n"
    send_mail(subject, body, None, [user.email])
