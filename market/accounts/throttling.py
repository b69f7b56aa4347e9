"""How many guesses at a password or a set-password token are answered, and from where.

Following OWASP's advice on brute force and credential stuffing, the limits
are keyed so that an attacker slows himself down and not the account's owner:

- per account and address (``*_PER_ACCOUNT_AND_ADDRESS``): the tight limit on
  guessing one account's password from one place;
- per address (``*_PER_ADDRESS``): one place trying many accounts (credential
  stuffing), set high enough for the many buyers behind one mobile network's
  address;
- per account, from every address (``SIGN_IN_ATTEMPTS_PER_ACCOUNT``): one
  account guessed from many places. It does not apply to addresses from which
  the account signed in successfully in the last ``SIGN_IN_KNOWN_ADDRESS_DAYS``
  days, so however hard an account is attacked, its owner still signs in from
  home or from the phone's usual network.

Every call counts, before the password is hashed or the database is read, so
each aliased call of one request is one attempt and a refused call costs the
server nothing; a successful sign-in clears its account-and-address counter.
The per-address and per-account counters are not cleared by a success: an
attacker would clear them with an account of his own. An account is keyed by
its normalised email whether or not it exists, so throttling tells nobody
which emails have accounts. IPv6 addresses are counted by their /64 network
(see ``market.core.throttle.address_key``).

Password-reset requests have no account-wide limit: the email itself is sent
at most once per ``PASSWORD_RESET_REQUEST_INTERVAL_SECONDS`` per account, and
an account-wide refusal would let anyone stop the owner from asking. Nor does
``setPassword``: its token is unguessable, and a set-password link may be
opened from anywhere; per account and address, and per address, bound guessing.
"""

from django.conf import settings

from market.core import throttle

KNOWN_ADDRESS = "sign-in/known-address"
# Per scope, the settings of its two limits: per account and address, per address.
_RATES = {
    "sign-in": ("SIGN_IN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS", "SIGN_IN_ATTEMPTS_PER_ADDRESS"),
    "password-reset": (
        "PASSWORD_RESET_REQUESTS_PER_ACCOUNT_AND_ADDRESS",
        "PASSWORD_RESET_REQUESTS_PER_ADDRESS",
    ),
    "set-password": (
        "SET_PASSWORD_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS",
        "SET_PASSWORD_ATTEMPTS_PER_ADDRESS",
    ),
}


def sign_in_attempt(*, email: str, address: str) -> None:
    """Count a sign-in attempt, or raise ``Throttled``."""
    network = throttle.address_key(address)
    limits = _limits("sign-in", email, network)
    if not throttle.is_remembered(KNOWN_ADDRESS, (email, network)):
        limits.append(
            throttle.Limit("sign-in/account", settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT, (email,))
        )
    throttle.attempt(limits)


def signed_in(*, email: str, address: str) -> None:
    """After a successful sign-in: a clean slate from here, and a known address for a while."""
    network = throttle.address_key(address)
    throttle.clear(_limits("sign-in", email, network)[0])
    throttle.remember(
        KNOWN_ADDRESS, (email, network), seconds=settings.SIGN_IN_KNOWN_ADDRESS_DAYS * 24 * 3600
    )


def password_reset_request(*, email: str, address: str) -> None:
    """Count a request for a set-password email, or raise ``Throttled``."""
    throttle.attempt(_limits("password-reset", email, throttle.address_key(address)))


def set_password_attempt(*, email: str, address: str) -> None:
    """Count an attempt to use a set-password token, or raise ``Throttled``."""
    throttle.attempt(_limits("set-password", email, throttle.address_key(address)))


def set_password_token_accepted(*, email: str, address: str) -> None:
    """The token was right: further tries (say, a stronger password) start afresh."""
    throttle.clear(_limits("set-password", email, throttle.address_key(address))[0])


def _limits(scope: str, email: str, network: str) -> list[throttle.Limit]:
    """``scope``'s limit per account and address (the tight one, first), then per address.

    The settings are read at each call, so that an override applies at once.
    """
    per_account_and_address, per_address = _RATES[scope]
    return [
        throttle.Limit(
            f"{scope}/account+address",
            getattr(settings, per_account_and_address),
            (email, network),
        ),
        throttle.Limit(f"{scope}/address", getattr(settings, per_address), (network,)),
    ]
