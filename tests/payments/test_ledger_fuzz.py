"""Generated requests for statements, as those who may read them (the schema-wide fuzz test
sends its requests as roles that are all refused here): any period the calendar holds, IDs
of every kind, through GraphQL and the downloads. No answer is a server error or an error
without a code, and every statement answered adds up."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from graphql_relay import to_global_id
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.payments.ledger_world import RATES, STATEMENT, build_world, graphql_figures

pytestmark = pytest.mark.django_db

EXAMPLES = 150


def test_generated_statement_requests_never_fail_the_server(roles, auth_headers, settings):
    settings.MARKETPLACE_COMMISSION_RATES = RATES
    settings.PAYMENT_METHODS = ["cod", "vnpay", "vietqr"]
    world = build_world(roles)
    client = Client()
    callers = {
        "owner": auth_headers(roles["own_owner"]),
        "operator": auth_headers(roles["operator"]),
        "other_owner": auth_headers(world.owner_b),
    }
    # Any character a URL can carry (lone surrogates cannot be encoded to send).
    text = st.characters(blacklist_categories=("Cs",))
    sellers = st.one_of(
        st.sampled_from(
            [
                to_global_id("Seller", world.seller_a.pk),
                to_global_id("Seller", world.seller_b.pk),
                to_global_id("Seller", world.seller_b.pk + 1000),
                to_global_id("Seller", 2**63),
                to_global_id("SellerOrder", world.parts["A1"].pk),
                to_global_id("Seller", -1),
            ]
        ),
        st.text(text, max_size=30),
    )
    days = st.dates()
    day_texts = st.one_of(days.map(str), st.text(text, max_size=12))

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        caller=st.sampled_from(sorted(callers)),
        seller=sellers,
        first=days,
        last=days,
        raw_first=day_texts,
        raw_last=day_texts,
        page=st.one_of(st.none(), st.integers(min_value=-5, max_value=150)),
        extension=st.sampled_from(["csv", "xlsx"]),
    )
    def send(caller, seller, first, last, raw_first, raw_last, page, extension):
        response = client.post(
            "/graphql/",
            json.dumps(
                {
                    "query": STATEMENT,
                    "variables": {
                        "seller": seller,
                        "from": first.isoformat(),
                        "to": last.isoformat(),
                        "first": page,
                    },
                }
            ),
            content_type="application/json",
            **callers[caller],
        )
        assert response.status_code == 200, response.content
        body = response.json()
        for error in body.get("errors") or []:
            assert error["extensions"]["code"] not in ("", None, "INTERNAL_ERROR"), error
        statement = (body.get("data") or {}).get("sellerStatement")
        if statement is not None:
            totals = graphql_figures(statement["totals"])
            assert totals["owed"] == totals["paid"] - totals["refunded"] - totals["commission"]
            assert totals["payout"] == totals["owed"] - totals["cash"]

        query = urlencode({"seller": seller, "from": raw_first, "to": raw_last})
        download = client.get(f"/payments/statement.{extension}?{query}", **callers[caller])
        assert download.status_code in (200, 400, 403, 404), download.content
        if download.status_code != 200:
            assert download.json()["errors"][0]["extensions"]["code"]

    send()
