"""Settings come from the environment; a malformed value stops start-up by name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_django(**environment) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "market.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "postgres://market:market@127.0.0.1:notaport/market"),
        ("DATABASE_URL", "nosuchengine://somewhere/db"),
        ("DATABASE_URL", "postgres://127.0.0.1:5433"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("ELASTICSEARCH_URL", "localhost9200"),
        ("DEBUG", "maybe"),
        ("GRAPHQL_MAX_DEPTH", "deep"),
    ],
)
def test_malformed_value_stops_start_up_naming_the_variable(variable, value):
    result = start_django(**{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Environment variable {variable} is malformed" in result.stderr
    assert "started" not in result.stdout


def test_well_formed_environment_starts():
    result = start_django()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_times_are_stored_in_utc_and_shown_in_vietnam(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.LANGUAGE_CODE == "vi"


DEVELOPMENT_KEY = "insecure-development-key-change-me-in-production"


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        (None, "the development key is public"),
        (DEVELOPMENT_KEY, "the development key is public"),
        ("django-insecure-" + "x7" * 30, "the development key is public"),
        ("short-but-not-empty", "too weak"),
        ("ab" * 40, "too weak"),  # long, but two different characters
    ],
)
def test_without_debug_a_public_or_weak_secret_key_stops_start_up(key, complaint):
    environment = {"DEBUG": "false", "SECRET_KEY": key or ""}

    result = start_django(**environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Environment variable SECRET_KEY" in result.stderr
    assert complaint in result.stderr
    assert "started" not in result.stdout


def test_with_debug_the_development_key_is_allowed():
    result = start_django(DEBUG="true", SECRET_KEY="")
    assert result.returncode == 0, result.stderr


def test_without_debug_a_strong_key_starts():
    result = start_django(DEBUG="false", SECRET_KEY="k3Y-" + "0123456789abcdef" * 4)
    assert result.returncode == 0, result.stderr


def test_a_token_signed_with_the_development_key_cannot_reach_a_production_server():
    """The attack: sign an operator's token with the public key. Such a server never starts."""
    code = (
        "import django; django.setup(); from market.accounts.jwt import encode; "
        "print(encode(user_id=1, token_type='access', ttl_seconds=60)['token'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "market.settings",
            "DEBUG": "false",
            "SECRET_KEY": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
