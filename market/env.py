"""Typed reads of environment variables.

Every setting comes from the environment with an embedded default; a value
that cannot be understood stops start-up with a message naming the variable,
instead of failing later somewhere far from the cause.
"""

import json
import os
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value is not None else None


def malformed(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Environment variable {name} is malformed: {value!r} is not {expected}."
    )


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise malformed(name, value, "a boolean (true/false, 1/0, yes/no)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise malformed(name, value, "an integer") from None
    if minimum is not None and number < minimum:
        raise malformed(name, value, f"an integer of at least {minimum}")
    return number


def env_rate(name: str, default: str) -> str:
    """A rate such as "5/15 minutes" or "100/hour", in the notation of the ``limits`` library."""
    from limits import parse

    value = env_str(name, default)
    try:
        item = parse(value)
    except ValueError:
        raise malformed(name, value, "a rate such as '5/15 minutes' or '100/hour'") from None
    if item.amount < 1:
        raise malformed(name, value, "a rate of at least one attempt")
    return value


def env_secret_key(name: str, *, development_default: str, debug: bool) -> str:
    """The key that signs sessions, password-reset links and JWTs.

    Without DEBUG this is production: the development default is public (it is
    in this repository), so anyone could sign an operator's token with it, and a
    short key can be guessed. Both stop start-up, by Django's own measure of a
    strong key (``check --deploy``'s security.W009).
    """
    from django.core.checks.security.base import (
        SECRET_KEY_INSECURE_PREFIX,
        SECRET_KEY_MIN_LENGTH,
        SECRET_KEY_MIN_UNIQUE_CHARACTERS,
    )

    value = env_str(name, development_default)
    if debug:
        return value
    if value == development_default or value.startswith(SECRET_KEY_INSECURE_PREFIX):
        raise ImproperlyConfigured(
            f"Environment variable {name} must be set to a secret of your own when DEBUG "
            "is false: the development key is public."
        )
    if len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"Environment variable {name} is too weak for DEBUG=false: use at least "
            f"{SECRET_KEY_MIN_LENGTH} characters with {SECRET_KEY_MIN_UNIQUE_CHARACTERS} or "
            "more different ones, e.g. from "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_basis_points(
    name: str, default: dict[str, int], *, keys: tuple[str, ...]
) -> dict[str, int]:
    """Rates in basis points (1/100 of a percent) by key, written ``key:bps,key:bps`` or as
    a JSON object (``{"cooperative": 300}``); the keys given replace the default's, the
    others keep theirs."""
    value = _raw(name)
    rates = dict(default)
    if value is None:
        return rates
    expected = (
        f"key:basis points pairs, e.g. 'cooperative:300,default:500', or a JSON object of "
        f"them (keys: {', '.join(keys)})"
    )
    if value.startswith("{"):
        try:
            given = json.loads(value)
        except ValueError:
            raise malformed(name, value, expected) from None
        for key, number in given.items():
            if key not in keys or type(number) is not int or not 0 <= number <= 10_000:
                raise malformed(name, value, expected)
            rates[key] = number
        return rates
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        key, separator, number = (piece.strip() for piece in item.partition(":"))
        if not separator or key not in keys or not number.isdigit() or int(number) > 10_000:
            raise malformed(name, value, expected)
        rates[key] = int(number)
    return rates


def env_url(name: str, *, schemes: tuple[str, ...]) -> str | None:
    """An optional URL: None when unset or empty, else checked for scheme and host."""
    value = _raw(name)
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric port
    except ValueError:
        raise malformed(name, value, f"a URL ({'/'.join(schemes)})") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise malformed(name, value, f"a URL with scheme {' or '.join(schemes)} and a host")
    return value.rstrip("/")


def env_database(name: str, default: str) -> dict:
    value = _raw(name) or default
    try:
        # Persistent connections without a per-request health check: a check is a round
        # trip on every request (~6 % of a checkout worker's time, bench/checkout_bench.py),
        # while a connection that broke (a database restart) fails only the one request that
        # finds it broken, as any request during the restart would, and Django replaces it.
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=False)
    except (ValueError, KeyError) as exc:
        raise malformed(name, value, f"a database URL ({exc})") from None
    engine = config.get("ENGINE", "")
    if not engine:
        raise malformed(name, value, "a database URL with a known scheme")
    if engine != "django.db.backends.sqlite3" and not config.get("NAME"):
        raise malformed(name, value, "a database URL that names a database")
    if engine == "django.db.backends.sqlite3":
        # Django's persistent connections are pointless for a local file.
        config["CONN_MAX_AGE"] = 0
    if engine == "django.db.backends.postgresql" and env_bool(
        "DATABASE_PREPARED_STATEMENTS", default=True
    ):
        # Parameters bound by the server, and a statement run five times on a connection
        # prepared there: PostgreSQL stops planning the same query again and again
        # (planning was most of its time for the checkout's statements, bench/README.md),
        # and psycopg stops writing the values into the SQL. Set it false behind a pooler
        # in transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
        config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    return config
