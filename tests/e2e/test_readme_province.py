"""The README's province dashboard example is true of the demo data on the day it names.

The demo's orders are dated back from the day it is loaded and the registry's dates are
fixed, so the figures depend on the day: the test loads the demo and asks on the README's
day (its clock stopped there), as a fresh ``make run`` that day answers.
"""

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from market.accounts.models import User
from market.demo.loader import load_demo

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"```graphql\n(?P<query>.*?)\n```.*?```json\n(?P<answer>.*?)\n```", re.S)
DAY = re.compile(r"on (?P<day>\d{4}-\d{2}-\d{2}) \(Vietnam time\)")


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Province dashboard", 1)[1].split("\n## ", 1)[0]


@pytest.mark.django_db
def test_the_province_dashboard_example_answers_as_printed(graphql, auth_headers, settings):
    # The embedded default of `make run`: database search, and no card payments (no Stripe
    # server), so the demo's card buyers pay by VNPay there.
    settings.ELASTICSEARCH_URL = None
    settings.STRIPE_API_BASE = ""
    text = section()
    example = EXAMPLE.search(text)
    day = datetime.fromisoformat(DAY.search(text)["day"])
    moment = day.replace(hour=10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    stopped = mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC))
    with stopped:
        load_demo()
    # Signed in on the real clock, which is the one a token's expiry is checked against.
    headers = auth_headers(User.objects.get(email="auditor@demo.ocop.vn"))
    with stopped:
        status, body = graphql(example["query"], **headers)

    assert status == 200, body
    assert body == json.loads(example["answer"]), json.dumps(body, ensure_ascii=False, indent=2)
