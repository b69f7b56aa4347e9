"""Settings come from the environment; a malformed value stops start-up by name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
