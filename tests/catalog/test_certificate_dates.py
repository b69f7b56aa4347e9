"""An OCOP certificate's dates must be ones a certificate can have.

``issuedOn: "9999-12-31"`` used to reach the expiry arithmetic (36 months
later is no date at all): Python's "year 10002 is out of range" leaked with
DEBUG on and an INTERNAL_ERROR came back with it off. The date of issue lies
between the programme's start (Decision 490/QĐ-TTg, 7 May 2018) and today in
Vietnam; the expiry is at most 36 months after it.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from graphql_relay import to_global_id

from catalog import services
from catalog.models import OcopCertificate
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SUBMIT = """
mutation Submit($input: OcopCertificateSubmitInput!) {
  ocopCertificateSubmit(input: $input) {
    ocopCertificate { id issuedOn expiresOn }
    errors { field code message }
  }
}
"""

PROGRAMME_START = datetime.date(2018, 5, 7)


@pytest.fixture
def product(roles):
    return ProductFactory(seller=roles["seller"])


def submit(graphql, auth_headers, roles, product, **dates):
    status, body = graphql(
        SUBMIT,
        {
            "input": {
                "product": to_global_id("Product", product.pk),
                "stars": 4,
                "certificateNumber": "OCOP-NT-2025-0421",
                "issuingDecision": "Quyết định số 2150/QĐ-UBND ngày 02/10/2025",
                "productGroup": "FOOD",
                **dates,
            }
        },
        **auth_headers(roles["own_staff"]),
    )
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]["ocopCertificateSubmit"]


def field_codes(payload) -> list[tuple[str, str]]:
    return sorted((error["field"], error["code"]) for error in payload["errors"])


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize(
    "issued_on",
    ["9999-12-31", "9997-10-01", "0001-01-01", "1990-01-01", "2018-05-06"],
)
def test_a_date_of_issue_no_certificate_has_is_a_field_error(
    graphql, auth_headers, roles, product, settings, debug, issued_on
):
    settings.DEBUG = debug

    payload = submit(graphql, auth_headers, roles, product, issuedOn=issued_on)

    assert payload["ocopCertificate"] is None
    assert field_codes(payload) == [("issuedOn", "INVALID_DATE")]
    assert "out of range" not in payload["errors"][0]["message"]
    assert not OcopCertificate.objects.exists()


def test_the_date_of_issue_and_the_expiry_both_at_the_end_of_the_calendar(
    graphql, auth_headers, roles, product
):
    payload = submit(
        graphql, auth_headers, roles, product, issuedOn="9999-12-31", expiresOn="9999-12-31"
    )

    # The expiry is still checked against the date of issue, with no arithmetic.
    assert field_codes(payload) == [("expiresOn", "INVALID_DATE"), ("issuedOn", "INVALID_DATE")]
    assert not OcopCertificate.objects.exists()


def test_an_expiry_at_the_end_of_the_calendar_is_past_the_36_months(
    graphql, auth_headers, roles, product
):
    issued_on = timezone.localdate() - datetime.timedelta(days=10)

    payload = submit(
        graphql,
        auth_headers,
        roles,
        product,
        issuedOn=issued_on.isoformat(),
        expiresOn="9999-12-31",
    )

    assert field_codes(payload) == [("expiresOn", "INVALID_DATE")]
    assert not OcopCertificate.objects.exists()


def test_today_in_vietnam_is_the_latest_date_of_issue(graphql, auth_headers, roles, product):
    today = timezone.localdate()
    assert str(timezone.get_current_timezone()) == "Asia/Ho_Chi_Minh"

    tomorrow = submit(
        graphql,
        auth_headers,
        roles,
        product,
        issuedOn=(today + datetime.timedelta(days=1)).isoformat(),
    )
    issued_today = submit(graphql, auth_headers, roles, product, issuedOn=today.isoformat())

    assert field_codes(tomorrow) == [("issuedOn", "INVALID_DATE")]
    assert issued_today["errors"] == []
    assert issued_today["ocopCertificate"]["issuedOn"] == today.isoformat()


def test_the_programme_start_is_the_earliest_date_of_issue(roles, product):
    def submit_issued_on(issued_on):
        return services.ocop_certificate_submit(
            by=roles["own_staff"],
            product_id=product.pk,
            stars=3,
            certificate_number=f"OCOP-NT-{issued_on.isoformat()}",
            issuing_decision="Quyết định số 1/QĐ-UBND",
            product_group="food",
            issued_on=issued_on,
        )

    with pytest.raises(ValidationError) as before_the_start:
        submit_issued_on(PROGRAMME_START - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as on_the_start:
        submit_issued_on(PROGRAMME_START)

    assert [error.code for error in before_the_start.value.error_dict["issued_on"]] == [
        "INVALID_DATE"
    ]
    assert "expires_on" not in before_the_start.value.error_dict
    # Accepted as a date of issue; what refuses it is that it ran out in 2021.
    assert "issued_on" not in on_the_start.value.error_dict
    assert [error.code for error in on_the_start.value.error_dict["expires_on"]] == [
        "CERTIFICATE_EXPIRED"
    ]
    assert not OcopCertificate.objects.exists()
