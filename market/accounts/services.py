"""Writes for accounts: registration, signing in, passwords, refresh tokens."""

import datetime
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from market.accounts import jwt, tasks, throttling
from market.accounts.models import RefreshToken, User
from market.core.errors import DomainError, invalid
from market.core.transactions import service_transaction


@dataclass(frozen=True)
class IssuedTokens:
    user: User
    access_token: str
    refresh_token: str


def normalize_email(email: str) -> str:
    """The one spelling of an address: the manager lower-cases the whole of it."""
    return User.objects.normalize_email(email.strip()).lower()


@service_transaction
def account_register(
    *, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    email = normalize_email(email)
    errors: dict[str, list[ValidationError]] = {}
    try:
        validate_email(email)
    except ValidationError:
        # Django's own words, translated in the project's catalog: Django's Vietnamese
        # ("Nhập địa chỉ email.") leaves out "valid". The catalog's entry serves every
        # EmailValidator of the project (sellers' invitations too).
        errors["email"] = [ValidationError(_("Enter a valid email address."), code="invalid")]
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = [
                ValidationError(_("An account with this email already exists."), code="UNIQUE")
            ]
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    if password_errors := _password_errors(password, candidate):
        errors["password"] = password_errors
    if errors:
        raise ValidationError(errors)
    candidate.set_password(password)
    candidate.full_clean(exclude=["password"], validate_unique=False)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        # Someone registered the same address between the check above and now.
        raise invalid("email", _("An account with this email already exists."), "UNIQUE") from None
    return candidate


@service_transaction
def token_create(*, email: str, password: str, client_address: str) -> IssuedTokens:
    """Sign in with email and password: an access token and a new refresh token.

    Throttled (see ``throttling``): a refused attempt raises ``Throttled``
    before any hashing or query.
    """
    email = normalize_email(email)
    throttling.sign_in_attempt(email=email, address=client_address)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        # Hash anyway, so the answer's timing does not tell which emails have accounts.
        User().set_password(password)
        raise _invalid_credentials()
    if not user.check_password(password):
        raise _invalid_credentials()
    # Only someone who knows the password learns that the account is disabled.
    if not user.is_active:
        raise DomainError(_("This account is disabled."), code="INACTIVE", field="email")
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    throttling.signed_in(email=email, address=client_address)
    return _issue_tokens(user)


@service_transaction
def password_reset_request(*, email: str, client_address: str) -> None:
    """Email a set-password link to the account with ``email``, if there is an active one.

    The caller learns nothing either way, so the request cannot be used to find
    out who has an account; and one account gets at most one email per
    ``PASSWORD_RESET_REQUEST_INTERVAL_SECONDS``. Throttled per account and
    address and per address, before any query.
    """
    email = normalize_email(email)
    throttling.password_reset_request(email=email, address=client_address)
    now = timezone.now()
    quiet_since = now - datetime.timedelta(seconds=settings.PASSWORD_RESET_REQUEST_INTERVAL_SECONDS)
    user = User.objects.select_for_update().filter(email__iexact=email, is_active=True).first()
    if user is None or (
        user.last_password_reset_request is not None
        and user.last_password_reset_request > quiet_since
    ):
        return
    user.last_password_reset_request = now
    user.save(update_fields=["last_password_reset_request"])
    transaction.on_commit(partial(tasks.send_password_reset_email.delay, user.pk), robust=True)


@service_transaction
def password_set(*, email: str, token: str, password: str, client_address: str) -> IssuedTokens:
    """Set a password with the token of an emailed link, and sign in.

    Every session open before is ended: a reset usually means the old password
    is forgotten or known to someone else. The token is spent, as it is derived
    from the password it replaces. Throttled like signing in, before any query.
    """
    email = normalize_email(email)
    throttling.set_password_attempt(email=email, address=client_address)
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    # An unknown address and a bad token get the same answer.
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError(
            _("The link is invalid or has expired: ask for a new one."),
            code="INVALID_TOKEN",
            field="token",
        )
    throttling.set_password_token_accepted(email=email, address=client_address)
    if not user.is_active:
        raise DomainError(_("This account is disabled."), code="INACTIVE", field="email")
    if password_errors := _password_errors(password, user):
        raise ValidationError({"password": password_errors})
    user.set_password(password)
    user.last_login = timezone.now()
    user.save(update_fields=["password", "last_login"])
    tokens_revoke_all(user=user)
    throttling.signed_in(email=email, address=client_address)
    return _issue_tokens(user)


@service_transaction
def token_refresh(*, refresh_token: str) -> IssuedTokens:
    """Trade a refresh token for a new pair; the one presented is revoked.

    A refresh token is good for one rotation. A rotated token that comes back
    means two parties hold it, the user and whoever copied it; neither can be
    told apart, so both are signed out: the ``JWT_REVOKED`` error carries the
    sign-out as ``after_rollback``, because the failed rotation's transaction is
    rolled back and the sign-out must be written all the same (the mutation base
    runs it after the rollback).
    """
    claims = _decode(refresh_token, jwt.REFRESH, field="refresh_token")
    stored = (
        RefreshToken.objects.select_for_update()
        .select_related("user")
        .filter(jti=claims["jti"])
        .first()
    )
    if stored is None or str(stored.user_id) != claims["sub"]:
        raise DomainError(
            _("The refresh token is unknown."), code="JWT_INVALID", field="refresh_token"
        )
    if stored.revoked_at is not None:
        raise DomainError(
            _("The refresh token was already used or revoked."),
            code="JWT_REVOKED",
            field="refresh_token",
            after_rollback=partial(tokens_revoke_all, user=stored.user),
        )
    if not stored.user.is_active:
        raise DomainError(_("This account is disabled."), code="INACTIVE", field="refresh_token")
    stored.revoked_at = timezone.now()
    stored.save(update_fields=["revoked_at"])
    return _issue_tokens(stored.user)


@service_transaction
def tokens_revoke_all(*, user: User) -> int:
    """End every session of ``user``: access tokens already issued live out their few minutes."""
    return RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@service_transaction
def tokens_revoke(*, token_ids: list[int]) -> int:
    return RefreshToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _issue_tokens(user: User) -> IssuedTokens:
    access = jwt.encode(
        user_id=user.pk, token_type=jwt.ACCESS, ttl_seconds=settings.JWT_ACCESS_TTL_SECONDS
    )
    refresh = jwt.encode(
        user_id=user.pk, token_type=jwt.REFRESH, ttl_seconds=settings.JWT_REFRESH_TTL_SECONDS
    )
    RefreshToken.objects.create(jti=refresh["jti"], user=user, expires_at=refresh["exp"])
    return IssuedTokens(user=user, access_token=access["token"], refresh_token=refresh["token"])


def _password_errors(password: str, user: User) -> list[ValidationError]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [
            ValidationError(_password_problem(error), code="PASSWORD_TOO_WEAK")
            for error in exc.error_list
        ]
    return []


def _password_problem(error: ValidationError) -> str:
    """What is wrong with a password, in the project's own catalog.

    Django's Vietnamese catalog lags behind its validators' messages (5.2's "too
    short" is not in it, so it came out in English), and the "too similar" one
    names the model field, which has no Vietnamese name here.
    """
    params = error.params or {}
    if error.code == "password_too_short":
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            params["min_length"],
        ) % {"min_length": params["min_length"]}
    if error.code == "password_too_similar":
        return _("This password is too similar to your email or name.")
    if error.code == "password_too_common":
        return _("This password is too common.")
    if error.code == "password_entirely_numeric":
        return _("This password is entirely numeric.")
    return next(iter(error))  # another validator's message, as it wrote it


def _decode(token: str, expected_type: str, *, field: str) -> dict:
    try:
        return jwt.decode(token, expected_type=expected_type)
    except jwt.TokenError as exc:
        raise DomainError(exc.message, code=exc.code, field=field) from None


def _invalid_credentials() -> DomainError:
    return DomainError(_("Wrong email or password."), code="INVALID_CREDENTIALS", field="email")
