"""The commission: its rates per seller kind from the environment
(``MARKETPLACE_COMMISSION_RATES``) and how it rounds to the đồng."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from market.env import env_basis_points
from market.sellers.models import Seller
from payments.ledger import commission_on, commission_rate_of
from tests.core.test_settings import start_django

NAME = "MARKETPLACE_COMMISSION_RATES"
KEYS = ("default", *Seller.Kind.values)
DEFAULT = {"default": 500, "cooperative": 300}


def read(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(NAME, raising=False)
    else:
        monkeypatch.setenv(NAME, value)
    return env_basis_points(NAME, DEFAULT, keys=KEYS)


@pytest.mark.parametrize(
    ("value", "table"),
    [
        (None, DEFAULT),
        ("", DEFAULT),
        # The kinds named replace the default table's rates; the others keep theirs.
        (
            '{"default": 450, "household": 250}',
            {"default": 450, "cooperative": 300, "household": 250},
        ),
        ("default:450, cooperative : 0", {"default": 450, "cooperative": 0}),
        ("household:10000", {**DEFAULT, "household": 10_000}),
        ("{}", DEFAULT),
    ],
)
def test_rates_are_pairs_or_json(monkeypatch, value, table):
    assert read(monkeypatch, value) == table


@pytest.mark.parametrize(
    "value",
    [
        "cooperativ:300",  # a misspelt kind
        "default",
        "default:10001",
        "default:-1",
        "default:3.5",
        "default:",
        '{"cooperativ": 300}',
        '{"default": 500, "cooperative": 3.5}',
        '{"default": true}',
        '{"default": "500"}',
        '{"default": -1}',
        '{"default": {"cooperative": 1}}',
        '{"default": 500',
    ],
)
def test_a_malformed_table_is_refused_by_name(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match=f"Environment variable {NAME} is malformed"):
        read(monkeypatch, value)


def test_the_settings_know_every_seller_kind():
    every_kind = ",".join(f"{key}:{index * 100}" for index, key in enumerate(KEYS))
    assert start_django(**{NAME: every_kind}).returncode == 0

    refused = start_django(**{NAME: "default:500,cooperativ:300"})
    assert refused.returncode != 0
    assert f"Environment variable {NAME} is malformed" in refused.stderr


def test_the_embedded_default_is_lower_for_cooperatives_and_households(settings):
    from market import settings as embedded

    settings.MARKETPLACE_COMMISSION_RATES = embedded.MARKETPLACE_COMMISSION_RATES
    assert commission_rate_of(Seller.Kind.COOPERATIVE) == 300
    assert commission_rate_of(Seller.Kind.HOUSEHOLD) == 400
    assert commission_rate_of(Seller.Kind.ENTERPRISE) == 500
    assert commission_rate_of(Seller.Kind.ESTABLISHMENT) == 500


@pytest.mark.parametrize(
    ("amount", "rate", "commission"),
    [
        (0, 300, 0),
        (115_050, 300, 3_452),  # 3,451.5
        (-115_050, 300, -3_452),  # given back as it was taken
        (230_010, 500, 11_501),  # 11,500.5
        (200_100, 300, 6_003),
        (1, 4_999, 0),  # 0.4999
        (1, 5_000, 1),  # 0.5
        (-1, 5_000, -1),
        (99, 10_000, 99),
        (9_000_000_000_000, 300, 270_000_000_000),
    ],
)
def test_commission_rounds_half_away_from_zero(amount, rate, commission):
    assert commission_on(amount, rate) == commission
