"""Throttles: how many times something may be tried in a window, shared by every process.

Built on the ``limits`` library (alisaifee) rather than Django's cache, because
it offers what a throttle needs and a cache does not: atomic check-and-count
in one Redis script, a moving window (no double burst at a window's edge), and
the time at which the oldest attempt leaves the window, which is the exact wait
to tell the client. Counters live in Redis on ``REDIS_URL`` under
``THROTTLE_KEY_PREFIX``, so every worker sees the same counts; with no
``REDIS_URL`` (the embedded ``make run`` default) they live in the process's
memory, through the library's memory storage.

Keys never hold an identifier in clear: each one (an email, an address) is an
HMAC under ``SECRET_KEY``, so the Redis database lists no one's email or IP.

If the storage cannot be reached, a check fails closed: the attempt is refused
with a short wait, as letting it through would turn an outage into an
unthrottled guessing window. What follows a successful attempt (clearing a
counter, remembering something) only logs the failure.

A caller chooses its policy; this module only counts. The client's address
for such policies comes from ``client_address``, which alone decides how far
``X-Forwarded-For`` is believed.
"""

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

# A check must not hang a request on a silent Redis: give up quickly and refuse.
STORAGE_TIMEOUT_SECONDS = 2
# The wait announced when the storage could not be asked.
UNAVAILABLE_RETRY_SECONDS = 30


class Throttled(Exception):
    """An attempt refused because a limit is used up; ``retry_after`` is the wait in seconds.

    Not a ``DomainError`` on purpose: a mutation that throttles turns it into its
    own error type, which carries the wait as a number as well as in the message.
    """

    def __init__(self, retry_after: int, *, storage_unavailable: bool = False):
        self.retry_after = max(1, retry_after)
        if storage_unavailable:
            message = _("Attempts cannot be counted right now. Try again in %(wait)s.")
        else:
            message = _("Too many attempts. Try again in %(wait)s.")
        self.message = message % {"wait": humanize_wait(self.retry_after)}
        super().__init__(self.message)


@dataclass(frozen=True)
class Limit:
    """``rate`` (limits notation: "5/15 minutes", "100/hour") for one ``scope`` and key."""

    scope: str
    rate: str
    key: tuple[str, ...]


def attempt(limits: Iterable[Limit]) -> None:
    """Count one attempt against every limit, or raise ``Throttled`` and count nothing.

    All limits are tested first, so a refused attempt uses up no other limit
    (an attacker's refused calls must not fill a limit its owner shares). The
    counting itself is atomic in the storage, so parallel requests cannot slip
    through between a test and its count: one that loses the race is refused
    (and the limits it was counted against before keep that count).
    """
    limits = list(limits)
    limiter = _limiter()
    try:
        blocked = [limit for limit in limits if not limiter.test(*_item_and_key(limit))]
        if not blocked:
            blocked = [limit for limit in limits if not limiter.hit(*_item_and_key(limit))]
        if blocked:
            raise Throttled(_wait_seconds(limiter, blocked))
    except StorageError:
        logger.exception("Throttle storage unavailable: refusing the attempt.")
        raise Throttled(UNAVAILABLE_RETRY_SECONDS, storage_unavailable=True) from None


def clear(limit: Limit) -> None:
    """Forget the attempts counted against ``limit``'s key."""
    try:
        _limiter().clear(*_item_and_key(limit))
    except StorageError:
        logger.exception("Throttle storage unavailable: a counter was not cleared.")


def remember(scope: str, key: tuple[str, ...], *, seconds: int) -> None:
    """Mark ``key`` in ``scope`` for ``seconds`` from now (again from now if already marked)."""
    storage_key = _mark_key(scope, key)
    try:
        storage = _storage()
        storage.clear(storage_key)
        storage.incr(storage_key, seconds)
    except StorageError:
        logger.exception("Throttle storage unavailable: a mark was not stored.")


def is_remembered(scope: str, key: tuple[str, ...]) -> bool:
    """Whether ``remember`` marked ``key`` in ``scope`` and the mark has not expired.

    Raises ``Throttled`` when the storage cannot tell, like ``attempt``.
    """
    try:
        return _storage().get(_mark_key(scope, key)) > 0
    except StorageError:
        logger.exception("Throttle storage unavailable: refusing the attempt.")
        raise Throttled(UNAVAILABLE_RETRY_SECONDS, storage_unavailable=True) from None


def reset_all() -> None:
    """Forget every counter and mark under the configured prefix (for tests and operators)."""
    _storage().reset()


def client_address(request: "HttpRequest") -> str:
    """The address of the client that sent ``request``.

    ``REMOTE_ADDR``, unless ``TRUSTED_PROXY_COUNT`` proxies of ours stand in
    front: each appends the address it received from to ``X-Forwarded-For``,
    so the client is the entry that many places from the right. Entries further
    left were written by the client and are not believed. A missing or
    malformed entry falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            entry.strip()
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if forwarded:
            candidate = forwarded[-min(proxies, len(forwarded))]
            if _is_ip(candidate):
                return candidate
    return remote


def address_key(address: str) -> str:
    """What a throttle counts an address as: itself, or its /64 network for IPv6.

    One IPv6 subscriber usually holds a whole /64, so counting single IPv6
    addresses would give an attacker billions of fresh ones.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def humanize_wait(seconds: int) -> str:
    if seconds <= 90:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds <= 2 * 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _item_and_key(limit: Limit) -> tuple[RateLimitItem, ...]:
    return (_rate_item(limit.rate), limit.scope, *map(_hashed, limit.key))


def _wait_seconds(limiter: MovingWindowRateLimiter, blocked: list[Limit]) -> int:
    now = time.time()
    resets = [limiter.get_window_stats(*_item_and_key(limit)).reset_time for limit in blocked]
    return math.ceil(max(resets) - now)


def _mark_key(scope: str, key: tuple[str, ...]) -> str:
    # Rate-limit keys all start with "LIMITER/", so a mark cannot collide with one.
    return "/".join(("MARK", scope, *map(_hashed, key)))


def _hashed(identifier: str) -> str:
    # surrogatepass: a lone surrogate sent by a client must not make counting fail.
    raw = identifier.encode("utf-8", "surrogatepass")
    return salted_hmac("market.core.throttle", raw).hexdigest()[:32]


@functools.cache
def _rate_item(rate: str) -> RateLimitItem:
    return parse(rate)


def _limiter() -> MovingWindowRateLimiter:
    return _limiter_for(_storage())


def _storage() -> Storage:
    return _storage_for(settings.REDIS_URL, settings.THROTTLE_KEY_PREFIX)


@functools.lru_cache(maxsize=8)
def _storage_for(redis_url: str | None, key_prefix: str) -> Storage:
    if not redis_url:
        return MemoryStorage(wrap_exceptions=True)
    return storage_from_string(
        redis_url,
        key_prefix=key_prefix,
        wrap_exceptions=True,
        socket_timeout=STORAGE_TIMEOUT_SECONDS,
        socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
    )


@functools.lru_cache(maxsize=8)
def _limiter_for(storage: Storage) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
