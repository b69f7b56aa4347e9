"""Throttling of sign-in, password-reset requests and set-password, against the real Redis.

Each test reproduces an attack that the unthrottled API answered in full: 30
wrong passwords in a row, 20 aliased ``tokenCreate`` calls in one request,
guessing set-password tokens, flooding reset requests.
"""

import math

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from market.accounts.models import RefreshToken
from market.core import throttle
from market.env import env_rate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-an-toan-2025"
NEW_PASSWORD = "nho-vang-phan-rang-2026"
ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"
WRONG = "doan-mo-mat-khau-0"

TOKEN_CREATE = """
mutation SignIn($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token
    errors { field code message retryAfter }
  }
}
"""

REQUEST_RESET = """
mutation Reset($email: String!) {
  requestPasswordReset(email: $email) { errors { field code message retryAfter } }
}
"""

SET_PASSWORD = """
mutation SetPassword($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) {
    token
    errors { field code message retryAfter }
  }
}
"""


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, counting every hash it computes."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_throttle.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


@pytest.fixture
def limits(settings):
    """The defaults a shop starts with, spelt out so the tests read on their own."""
    settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = "5/15 minutes"
    settings.SIGN_IN_ATTEMPTS_PER_ADDRESS = "100/hour"
    settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT = "20/hour"
    settings.PASSWORD_RESET_REQUESTS_PER_ACCOUNT_AND_ADDRESS = "5/hour"
    settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS = "20/hour"
    settings.SET_PASSWORD_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = "5/15 minutes"
    settings.SET_PASSWORD_ATTEMPTS_PER_ADDRESS = "20/hour"
    settings.TRUSTED_PROXY_COUNT = 0
    return settings


@pytest.fixture
def call(graphql):
    """Send a mutation as a client at ``address`` (in English) and return its payload."""

    def execute(document, variables, *, address=ATTACKER, **headers) -> dict:
        status, body = graphql(
            document, variables, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", **headers
        )
        assert status == 200, body
        assert "errors" not in body, body
        (payload,) = body["data"].values()
        return payload

    return execute


@pytest.fixture
def sign_in(call):
    def execute(email, password, *, address=ATTACKER, **headers) -> dict:
        return call(
            TOKEN_CREATE,
            {"email": email, "password": password},
            address=address,
            **headers,
        )

    return execute


def codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def assert_throttled(payload: dict, *, longest_wait: int) -> None:
    """TOO_MANY_ATTEMPTS, with the wait as a number and, the same, in the message."""
    (error,) = payload["errors"]
    assert error["code"] == "TOO_MANY_ATTEMPTS"
    assert error["field"] is None
    wait = error["retryAfter"]
    assert 0 < wait <= longest_wait
    spelt = f"{wait} seconds" if wait <= 90 else f"{math.ceil(wait / 60)} minutes"
    assert error["message"] == f"Too many attempts. Try again in {spelt}."


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    """The SQL a request ran, leaving out the savepoints its transactions open and close."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


# Signing in


def test_thirty_wrong_passwords_are_cut_off_after_the_limit_even_the_right_one(
    sign_in, limits, counting_hasher
):
    user = UserFactory(password=PASSWORD)
    counting_hasher.calls = 0

    answers = [sign_in(user.email, f"doan-mo-mat-khau-{n}") for n in range(30)]

    assert [codes(answer) for answer in answers[:5]] == [["INVALID_CREDENTIALS"]] * 5
    for answer in answers[5:]:
        assert_throttled(answer, longest_wait=15 * 60)
    assert counting_hasher.calls == 5
    right_password = sign_in(user.email, PASSWORD)
    assert_throttled(right_password, longest_wait=15 * 60)
    assert right_password["token"] is None


def test_each_aliased_call_in_one_request_is_one_attempt(graphql, limits, counting_hasher):
    user = UserFactory(password=PASSWORD)
    counting_hasher.calls = 0
    calls = "\n".join(
        f'a{n}: tokenCreate(email: "{user.email}", password: "doan-{n}") '
        "{ token errors { code retryAfter } }"
        for n in range(20)
    )

    status, body = graphql(f"mutation {{ {calls} }}", REMOTE_ADDR=ATTACKER)

    assert status == 200
    answers = [body["data"][f"a{n}"] for n in range(20)]
    assert [codes(answer) for answer in answers] == [["INVALID_CREDENTIALS"]] * 5 + [
        ["TOO_MANY_ATTEMPTS"]
    ] * 15
    assert all(answer["errors"][0]["retryAfter"] > 0 for answer in answers[5:])
    assert counting_hasher.calls == 5


def test_the_owner_signs_in_from_another_address_while_the_attacker_is_refused(sign_in, limits):
    user = UserFactory(password=PASSWORD)
    for n in range(30):
        sign_in(user.email, f"doan-mo-mat-khau-{n}", address=ATTACKER)
    assert_throttled(sign_in(user.email, PASSWORD, address=ATTACKER), longest_wait=15 * 60)

    owner = sign_in(user.email, PASSWORD, address=OWNER)

    assert owner["errors"] == []
    assert owner["token"]


def test_an_account_attacked_from_many_addresses_still_opens_from_the_owners_known_address(
    sign_in, limits
):
    limits.SIGN_IN_ATTEMPTS_PER_ACCOUNT = "10/hour"
    user = UserFactory(password=PASSWORD)
    # The owner's first sign-in from here was, like every attempt, one of the ten.
    assert sign_in(user.email, PASSWORD, address=OWNER)["errors"] == []
    # A botnet: every address stays under its own limit, the account's is used up.
    guesses = [sign_in(user.email, WRONG, address=f"203.0.113.{host}") for host in range(1, 13)]
    assert [codes(guess) for guess in guesses[:9]] == [["INVALID_CREDENTIALS"]] * 9
    for guess in guesses[9:]:
        assert_throttled(guess, longest_wait=3600)
    # A place the account never signed in from waits, while the attack lasts ...
    assert_throttled(sign_in(user.email, PASSWORD, address="192.0.2.99"), longest_wait=3600)

    owner = sign_in(user.email, PASSWORD, address=OWNER)

    # ... but the owner's usual address is not held to the account-wide limit.
    assert owner["errors"] == []
    assert owner["token"]


def test_one_address_trying_many_accounts_is_refused_and_others_are_not(sign_in, limits):
    limits.SIGN_IN_ATTEMPTS_PER_ADDRESS = "10/hour"
    users = [UserFactory(password=PASSWORD) for _ in range(12)]

    guesses = [sign_in(user.email, WRONG) for user in users[:10]]
    refused = sign_in(users[10].email, WRONG)

    assert [codes(guess) for guess in guesses] == [["INVALID_CREDENTIALS"]] * 10
    assert_throttled(refused, longest_wait=3600)
    assert sign_in(users[11].email, PASSWORD, address=OWNER)["errors"] == []


def test_a_successful_sign_in_clears_the_owners_typos(sign_in, limits):
    user = UserFactory(password=PASSWORD)
    for _ in range(4):
        assert codes(sign_in(user.email, WRONG, address=OWNER)) == ["INVALID_CREDENTIALS"]
    assert sign_in(user.email, PASSWORD, address=OWNER)["errors"] == []

    again = [sign_in(user.email, WRONG, address=OWNER) for _ in range(5)]

    assert [codes(answer) for answer in again] == [["INVALID_CREDENTIALS"]] * 5
    assert codes(sign_in(user.email, WRONG, address=OWNER)) == ["TOO_MANY_ATTEMPTS"]


def test_an_unknown_email_is_throttled_like_a_known_one(sign_in, limits):
    user = UserFactory(password=PASSWORD)

    known = [codes(sign_in(user.email, WRONG)) for _ in range(6)]
    unknown = [codes(sign_in("khong-ai-ca@example.vn", WRONG)) for _ in range(6)]

    assert known == unknown == [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]]


def test_the_account_is_its_normalised_email(sign_in, limits):
    user = UserFactory(email="lan@example.vn", password=PASSWORD)
    spellings = ["lan@example.vn", "LAN@example.vn", " Lan@Example.VN ", "lAn@EXAMPLE.vn"]

    answers = [codes(sign_in(spelling, WRONG)) for spelling in [*spellings, "LAN@EXAMPLE.VN"]]

    assert answers == [["INVALID_CREDENTIALS"]] * 5
    assert codes(sign_in(user.email.upper(), PASSWORD)) == ["TOO_MANY_ATTEMPTS"]


def test_a_throttled_sign_in_hashes_nothing_and_writes_nothing(sign_in, limits, counting_hasher):
    user = UserFactory(password=PASSWORD)
    for _ in range(5):
        sign_in(user.email, WRONG)
    counting_hasher.calls = 0
    user.refresh_from_db()
    last_login = user.last_login

    with CaptureQueriesContext(connection) as captured:
        payload = sign_in(user.email, PASSWORD)

    assert codes(payload) == ["TOO_MANY_ATTEMPTS"]
    assert data_queries(captured) == []
    assert counting_hasher.calls == 0
    assert not RefreshToken.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.last_login == last_login


def test_addresses_of_one_ipv6_network_share_their_counters(sign_in, limits):
    user = UserFactory(password=PASSWORD)

    answers = [codes(sign_in(user.email, WRONG, address=f"2001:db8:1:2::{n:x}")) for n in range(6)]

    assert answers == [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]]
    assert sign_in(user.email, PASSWORD, address="2001:db8:1:3::1")["errors"] == []


def test_a_forged_forwarded_for_header_changes_nothing_without_trusted_proxies(sign_in, limits):
    user = UserFactory(password=PASSWORD)

    answers = [
        codes(sign_in(user.email, WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")) for n in range(6)
    ]

    assert answers == [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]]


def test_behind_a_trusted_proxy_the_client_is_the_address_it_forwarded(sign_in, limits):
    limits.TRUSTED_PROXY_COUNT = 1
    user = UserFactory(password=PASSWORD)
    proxy = "10.0.0.2"

    # The client writes a fresh left-hand entry each time; the proxy appends the real one.
    answers = [
        codes(
            sign_in(
                user.email, WRONG, address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}"
            )
        )
        for n in range(6)
    ]
    another_client = sign_in(user.email, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=OWNER)

    assert answers == [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]]
    assert another_client["errors"] == []


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, f"192.0.2.1, {ATTACKER}", "10.0.0.2"),
        (1, f"192.0.2.1, {ATTACKER}", ATTACKER),
        (2, f"192.0.2.1, {ATTACKER}", "192.0.2.1"),
        (3, f"192.0.2.1, {ATTACKER}", "192.0.2.1"),
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::5", "2001:db8::5"),
    ],
)
def test_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post(
        "/graphql/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
    )

    assert throttle.client_address(request) == expected


# Password-reset requests


def test_password_reset_requests_are_throttled_per_account_and_address(
    call, limits, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [call(REQUEST_RESET, {"email": user.email}) for _ in range(5)]
    assert [answer["errors"] for answer in answers] == [[]] * 5
    assert len(mailoutbox) == 1  # the existing one-email-per-interval rule

    with CaptureQueriesContext(connection) as captured:
        refused = call(REQUEST_RESET, {"email": user.email})

    assert_throttled(refused, longest_wait=3600)
    assert data_queries(captured) == []
    assert call(REQUEST_RESET, {"email": user.email}, address=OWNER)["errors"] == []


def test_one_address_asking_resets_for_many_accounts_is_refused(call, limits):
    emails = [f"khach{n}@example.vn" for n in range(21)]

    answers = [codes(call(REQUEST_RESET, {"email": email})) for email in emails]

    assert answers == [[]] * 20 + [["TOO_MANY_ATTEMPTS"]]
    assert codes(call(REQUEST_RESET, {"email": emails[-1]}, address=OWNER)) == []


# Set-password


def test_guessed_set_password_tokens_are_cut_off_and_the_owner_still_sets_a_password(
    call, limits, counting_hasher
):
    user = UserFactory(password=PASSWORD)
    token = default_token_generator.make_token(user)
    guesses = [
        call(
            SET_PASSWORD, {"email": user.email, "token": f"d6x-{n:032x}", "password": NEW_PASSWORD}
        )
        for n in range(8)
    ]
    assert [codes(guess) for guess in guesses[:5]] == [["INVALID_TOKEN"]] * 5
    for guess in guesses[5:]:
        assert_throttled(guess, longest_wait=15 * 60)
    counting_hasher.calls = 0

    with CaptureQueriesContext(connection) as captured:
        refused = call(
            SET_PASSWORD, {"email": user.email, "token": token, "password": NEW_PASSWORD}
        )

    assert_throttled(refused, longest_wait=15 * 60)
    assert data_queries(captured) == []
    assert counting_hasher.calls == 0
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    owner = call(
        SET_PASSWORD, {"email": user.email, "token": token, "password": NEW_PASSWORD}, address=OWNER
    )

    assert owner["errors"] == []
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_right_token_with_weak_passwords_is_not_throttled_as_a_guess(call, limits):
    user = UserFactory(password=PASSWORD)
    token = default_token_generator.make_token(user)

    weak = [
        codes(call(SET_PASSWORD, {"email": user.email, "token": token, "password": "12345678"}))
        for _ in range(7)
    ]
    strong = call(SET_PASSWORD, {"email": user.email, "token": token, "password": NEW_PASSWORD})

    assert weak == [["PASSWORD_TOO_WEAK"] * len(weak[0])] * 7
    assert strong["errors"] == []


def test_setting_a_password_makes_the_address_known_for_signing_in(call, sign_in, limits):
    limits.SIGN_IN_ATTEMPTS_PER_ACCOUNT = "3/hour"
    user = UserFactory(password=PASSWORD)
    token = default_token_generator.make_token(user)
    set_password = {"email": user.email, "token": token, "password": NEW_PASSWORD}
    assert call(SET_PASSWORD, set_password, address=OWNER)["errors"] == []
    for host in range(1, 5):
        sign_in(user.email, WRONG, address=f"203.0.113.{host}")

    assert sign_in(user.email, NEW_PASSWORD, address=OWNER)["errors"] == []


# The throttle itself


def test_an_unreachable_store_refuses_rather_than_letting_guesses_through(
    sign_in, closed_port, counting_hasher
):
    user = UserFactory(password=PASSWORD)
    counting_hasher.calls = 0

    with override_settings(REDIS_URL=f"redis://127.0.0.1:{closed_port}/0"):
        payload = sign_in(user.email, PASSWORD)

    (error,) = payload["errors"]
    assert error["code"] == "TOO_MANY_ATTEMPTS"
    assert error["retryAfter"] == throttle.UNAVAILABLE_RETRY_SECONDS
    assert error["message"] == "Attempts cannot be counted right now. Try again in 30 seconds."
    assert counting_hasher.calls == 0


def test_without_redis_the_counters_live_in_memory(sign_in, settings):
    settings.REDIS_URL = None
    settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = "2/minute"
    throttle.reset_all()
    user = UserFactory(password=PASSWORD)

    answers = [codes(sign_in(user.email, WRONG)) for _ in range(3)]

    assert answers == [["INVALID_CREDENTIALS"]] * 2 + [["TOO_MANY_ATTEMPTS"]]


def test_keys_hold_no_email_or_address_in_clear(sign_in, limits):
    import redis
    from django.conf import settings

    user = UserFactory(email="lan.nguyen@example.vn", password=PASSWORD)
    sign_in(user.email, WRONG)
    sign_in(user.email, PASSWORD, address=OWNER)

    keys = [key.decode() for key in redis.from_url(settings.REDIS_URL).keys("test-throttle:*")]

    assert len(keys) >= 4
    assert not [key for key in keys if "lan.nguyen" in key or ATTACKER in key or OWNER in key]


@pytest.mark.parametrize("value", ["many", "5 per fortnight", "0/hour"])
def test_a_malformed_rate_setting_names_the_variable(value, monkeypatch):
    monkeypatch.setenv("SIGN_IN_ATTEMPTS_PER_ADDRESS", value)
    with pytest.raises(ImproperlyConfigured, match="SIGN_IN_ATTEMPTS_PER_ADDRESS"):
        env_rate("SIGN_IN_ATTEMPTS_PER_ADDRESS", "100/hour")
