"""JSON Web Tokens (PyJWT): short-lived access tokens and revocable refresh tokens."""

import uuid
from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone

ACCESS = "access"
REFRESH = "refresh"


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
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[settings.JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("The token has expired.", "JWT_EXPIRED") from None
    except jwt.InvalidTokenError:
        raise TokenError("The token is invalid.", "JWT_INVALID") from None
    if claims.get("type") != expected_type:
        raise TokenError(f"This is not an {expected_type} token.", "JWT_INVALID")
    return claims
