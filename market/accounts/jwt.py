"""JSON Web Tokens (PyJWT): short-lived access tokens and revocable refresh tokens."""

import re
import uuid
from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

ACCESS = "access"
REFRESH = "refresh"

# ``sub`` is a user's primary key as ``encode`` writes it: decimal digits, no sign,
# no leading zero, no spaces, underscores or non-ASCII digits (all of which
# ``int()`` would accept), and within PostgreSQL's bigint.
SUBJECT_PATTERN = re.compile(r"[1-9][0-9]{0,18}")
MAX_USER_ID = 2**63 - 1


class TokenError(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def encode(*, user_id: int, token_type: str, ttl_seconds: int, jti: str | None = None) -> dict:
    now = timezone.now()
    claims = {
        "sub": str(user_id),
        "type": token_type,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": jti or uuid.uuid4().hex,
    }
    token = jwt.encode(claims, settings.SECRET_KEY, algorithm=settings.JWT_ALGORITHM)
    return {"token": token, **claims}


def decode(token: str, *, expected_type: str) -> dict:
    """The claims of a live token of ``expected_type`` signed with our key.

    Every way a token can be wrong raises ``TokenError``, including a correctly
    signed one whose claims ``encode`` never writes: callers may then take
    ``int(claims["sub"])`` as a valid user id.
    """
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[settings.JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError(_("The token has expired."), "JWT_EXPIRED") from None
    except jwt.InvalidTokenError:
        raise TokenError(_("The token is invalid."), "JWT_INVALID") from None
    if claims.get("type") != expected_type:
        message = (
            _("This is not an access token.")
            if expected_type == ACCESS
            else _("This is not a refresh token.")
        )
        raise TokenError(message, "JWT_INVALID")
    subject = claims["sub"]
    if not SUBJECT_PATTERN.fullmatch(subject) or int(subject) > MAX_USER_ID:
        raise TokenError(_("The token is invalid."), "JWT_INVALID")
    return claims
