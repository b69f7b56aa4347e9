"""docker-compose.yml is for production; no Docker engine runs here, so parse it."""

import re
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
APP_SERVICES = ("web", "celery-worker", "celery-beat")
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
    "STRIPE_API_BASE",
    "STRIPE_SECRET_KEY",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "TIME_ZONE",
    "LANGUAGE_CODE",
    "STOREFRONT_SET_PASSWORD_URL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
)


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_service_the_settings_need_is_there(services):
    assert {"postgres", "redis", "elasticsearch", "stripe-mock", *APP_SERVICES} <= set(services)


def test_every_service_has_a_health_check(services):
    missing = [name for name, service in services.items() if "healthcheck" not in service]
    assert missing == []


def test_images_are_pinned(services):
    for name, service in services.items():
        image = service.get("image")
        assert image, f"{name} has no image"
        tag = image.rsplit(":", 1)[-1] if ":" in image.split("/")[-1] else ""
        assert re.fullmatch(r"v?\d+(\.\d+){1,2}[\w.-]*", tag), f"{name}: {image} is not pinned"


def test_elasticsearch_is_version_8_single_node(services):
    elasticsearch = services["elasticsearch"]
    assert elasticsearch["image"].rsplit(":", 1)[-1].startswith("8.")
    assert elasticsearch["environment"]["discovery.type"] == "single-node"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_the_same_environment(services, name):
    environment = services[name]["environment"]
    assert set(SETTINGS_VARIABLES) <= set(environment)
    assert environment == services["web"]["environment"]


def test_web_runs_under_gunicorn_and_workers_run_celery(services):
    assert "gunicorn market.wsgi:application" in services["web"]["command"]
    assert services["celery-worker"]["command"][:4] == ["celery", "-A", "market", "worker"]
    assert services["celery-beat"]["command"][:4] == ["celery", "-A", "market", "beat"]
