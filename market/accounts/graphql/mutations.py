import graphene
from graphene.types.generic import GenericScalar

from market.accounts import jwt, selectors, services
from market.accounts.graphql.types import User
from market.core import throttle
from market.core.errors import DomainError
from market.core.graphql.mutations import BaseMutation, error_codes, error_type_for
from market.core.permissions import ANYONE, AUTHENTICATED

AccountErrorCode = error_codes(
    "AccountErrorCode",
    "INVALID_CREDENTIALS",
    "INACTIVE",
    "INVALID_TOKEN",
    "JWT_EXPIRED",
    "JWT_INVALID",
    "JWT_REVOKED",
    "PASSWORD_TOO_WEAK",
    "TOO_MANY_ATTEMPTS",
)


class AccountError(error_type_for("AccountErrorFields", AccountErrorCode)):
    # The wait is in the message for people; a storefront counting down, or
    # disabling its button, needs it as a number, and the message is translated.
    retry_after = graphene.Int(
        description="With TOO_MANY_ATTEMPTS: seconds to wait before trying again."
    )


# What every account mutation answers errors with; each Meta adds who may call it.
class AccountMeta:
    error_type = AccountError
    error_code_enum = AccountErrorCode


def _signed_in(issued: services.IssuedTokens) -> dict:
    """The payload of a mutation that signs the user in."""
    return {
        "token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "user": issued.user,
    }


class AccountRegisterInput(graphene.InputObjectType):
    email = graphene.String(required=True)
    password = graphene.String(required=True)
    first_name = graphene.String()
    last_name = graphene.String()


class AccountRegister(BaseMutation):
    user = graphene.Field(User)

    class Arguments:
        input = AccountRegisterInput(required=True)

    class Meta(AccountMeta):
        description = "Open a buyer account. Sign in afterwards with `tokenCreate`."
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, _info, input):
        user = services.account_register(
            email=input.email,
            password=input.password,
            first_name=input.first_name or "",
            last_name=input.last_name or "",
        )
        return {"user": user}


class TokenCreate(BaseMutation):
    token = graphene.String(description="Access token (JWT), valid for a few minutes.")
    refresh_token = graphene.String(description="Trade it for new tokens with `tokenRefresh`.")
    user = graphene.Field(User)

    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)

    class Meta(AccountMeta):
        description = (
            "Sign in with email and password. Repeated failures for an account or from an "
            "address are refused for a while with `TOO_MANY_ATTEMPTS` and `retryAfter`."
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, info, email, password):
        return _signed_in(
            services.token_create(
                email=email, password=password, client_address=throttle.client_address(info.context)
            )
        )


class TokenRefresh(BaseMutation):
    token = graphene.String(description="A new access token.")
    refresh_token = graphene.String(
        description="A new refresh token: the one sent is now revoked and must not be reused."
    )
    user = graphene.Field(User)

    class Arguments:
        refresh_token = graphene.String(required=True)

    class Meta(AccountMeta):
        description = (
            "Trade a refresh token for a new access token and a new refresh token. "
            "Sending a refresh token a second time signs its user out everywhere."
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, _info, refresh_token):
        return _signed_in(services.token_refresh(refresh_token=refresh_token))


class TokenVerify(BaseMutation):
    is_valid = graphene.Boolean(required=True)
    user = graphene.Field(User)
    payload = GenericScalar(description="The token's claims, when it is valid.")

    class Arguments:
        token = graphene.String(required=True, description="An access token.")

    class Meta(AccountMeta):
        description = "Check an access token, as the API would when it is sent as a Bearer."
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, _info, token):
        try:
            user, claims = selectors.user_for_access_token(token)
        except jwt.TokenError as exc:
            raise DomainError(exc.message, code=exc.code, field="token") from None
        return {"is_valid": True, "user": user, "payload": claims}

    @staticmethod
    def resolve_is_valid(root, _info):
        return root.is_valid is True


class TokensRevokeAll(BaseMutation):
    revoked_count = graphene.Int(description="Refresh tokens revoked by this call.")

    class Meta(AccountMeta):
        description = (
            "Sign out everywhere: every refresh token of the signed-in user is revoked. "
            "Access tokens already issued expire within minutes."
        )
        permissions = (AUTHENTICATED,)

    @classmethod
    def perform(cls, _root, info):
        return {"revoked_count": services.tokens_revoke_all(user=info.context.user)}


class RequestPasswordReset(BaseMutation):
    class Arguments:
        email = graphene.String(required=True)

    class Meta(AccountMeta):
        description = (
            "Email a link to set a new password (or a first one, for invited staff). "
            "The answer is the same whether or not the address has an account; "
            "an account gets at most one such email every few minutes. Too many requests for "
            "an account or from an address are refused with `TOO_MANY_ATTEMPTS` and "
            "`retryAfter`."
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, info, email):
        services.password_reset_request(
            email=email, client_address=throttle.client_address(info.context)
        )
        return {}


class SetPassword(BaseMutation):
    token = graphene.String(description="Access token (JWT): the user is signed in.")
    refresh_token = graphene.String()
    user = graphene.Field(User)

    class Arguments:
        email = graphene.String(required=True)
        token = graphene.String(required=True, description="The token of the emailed link.")
        password = graphene.String(required=True)

    class Meta(AccountMeta):
        description = (
            "Set the password with the email and token of a set-password link, and sign in. "
            "Every other session of the account is ended. Repeated wrong tokens are refused "
            "for a while with `TOO_MANY_ATTEMPTS` and `retryAfter`."
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, info, email, token, password):
        return _signed_in(
            services.password_set(
                email=email,
                token=token,
                password=password,
                client_address=throttle.client_address(info.context),
            )
        )


class AccountMutations(graphene.ObjectType):
    account_register = AccountRegister.Field()
    token_create = TokenCreate.Field()
    token_refresh = TokenRefresh.Field()
    token_verify = TokenVerify.Field()
    tokens_revoke_all = TokensRevokeAll.Field()
    request_password_reset = RequestPasswordReset.Field()
    set_password = SetPassword.Field()
