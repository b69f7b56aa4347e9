"""Reads for accounts that take more than one ORM call."""

from django.utils.translation import gettext as _

from market.accounts import jwt
from market.accounts.models import User


def user_for_access_token(token: str) -> tuple[User, dict]:
    """The active user an access token speaks for, and its claims.

    Raises ``jwt.TokenError`` (``JWT_EXPIRED`` or ``JWT_INVALID``) on the same
    grounds as the authentication middleware refuses a request.
    """
    claims = jwt.decode(token, expected_type=jwt.ACCESS)
    user = User.objects.filter(pk=int(claims["sub"]), is_active=True).first()
    if user is None:
        raise jwt.TokenError(_("The token's user does not exist or is inactive."), "JWT_INVALID")
    return user, claims
