from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from market.accounts.jwt import ACCESS, TokenError, decode


class JWTAuthenticationMiddleware:
    """``Authorization: Bearer <access token>`` sets ``request.user``.

    A bad or expired token is refused outright (401 with a GraphQL-shaped
    error), never silently treated as anonymous: a client that believes it is
    signed in must learn that it is not before it changes anything. Paths of
    ``settings.JWT_EXEMPT_PATH_PREFIXES`` (a gateway's notifications, which carry
    their own authentication in the same header) are not read as signing in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer ") and not request.path.startswith(
            tuple(settings.JWT_EXEMPT_PATH_PREFIXES)
        ):
            from market.accounts.models import User

            try:
                # ``decode`` refuses any ``sub`` that is not a user id, so int() cannot fail.
                claims = decode(header[7:].strip(), expected_type=ACCESS)
                user = User.objects.filter(pk=int(claims["sub"]), is_active=True).first()
                if user is None:
                    raise TokenError(
                        _("The token's user does not exist or is inactive."), "JWT_INVALID"
                    )
            except TokenError as exc:
                return JsonResponse(
                    {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]},
                    status=401,
                )
            request.user = user
        return self.get_response(request)
