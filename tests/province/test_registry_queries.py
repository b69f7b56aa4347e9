"""``ocopRegistryEntries`` and ``ocopRegistryImports``: auditors' and operators' only,
filtered, and a page costs the same queries at any size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from province.models import RegistryEntry, RegistryImport
from province.services.registry import registry_import
from tests.conftest import ROLES
from tests.factories import OcopCertificateFactory
from tests.province.registry_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db

ENTRIES = """
query($first: Int!, $filter: OcopRegistryEntryFilterInput) {
  ocopRegistryEntries(first: $first, filter: $filter) {
    totalCount
    edges { node {
      id certificateNumber productName producerName stars productGroup expiresOn ward
      matchStatus matchMethod matchScore
      certificate { certificateNumber status product { name slug } }
    } }
  }
}
"""
IMPORTS = """
query { ocopRegistryImports(first: 10) {
  totalCount edges { node { id fileName applied dryRun rowsTotal rowsCreated
    rowErrors { row code } } } } }
"""


@pytest.fixture
def registry(db):
    certificates = [
        OcopCertificateFactory(certificate_number=f"DEMO-OCOP-NT-{n:04d}") for n in range(6)
    ]
    rows = [
        row(f"DEMO-OCOP-NT-{n:04d}", f"Sản phẩm {n}", **{"Hạng sao": str(3 + n % 3)})
        for n in range(6)
    ]
    rows += [
        row("DEMO-NT-REG-0100", "Muối Tri Hải", **{"Xã/phường": "Xuân Hải"}),
        row("DEMO-NT-REG-0101", "Khăn thổ cẩm", **{"Nhóm sản phẩm": "Thủ công mỹ nghệ"}),
    ]
    registry_import(by=None, file=upload(csv_bytes(rows)), dry_run=False)
    return certificates


def entries(graphql, headers, first=10, filter=None):
    status, body = graphql(ENTRIES, {"first": first, "filter": filter}, **headers)
    assert status == 200, body
    return body


def test_an_auditor_reads_the_registry_with_each_match(graphql, auth_headers, roles, registry):
    body = entries(graphql, auth_headers(roles["auditor"]))

    assert "errors" not in body, body
    page = body["data"]["ocopRegistryEntries"]
    assert page["totalCount"] == 8
    first = page["edges"][0]["node"]
    assert first["certificateNumber"] == "DEMO-NT-REG-0100"
    assert (first["matchStatus"], first["certificate"], first["ward"]) == (
        "UNMATCHED",
        None,
        "Xã Xuân Hải",
    )
    matched = page["edges"][2]["node"]
    assert (matched["matchStatus"], matched["matchMethod"]) == ("MATCHED", "CERTIFICATE_NUMBER")
    assert matched["certificate"]["product"]["name"] == registry[0].product.name


@pytest.mark.parametrize(
    ("filter", "numbers"),
    [
        ({"matchStatus": "UNMATCHED"}, ["DEMO-NT-REG-0100", "DEMO-NT-REG-0101"]),
        ({"stars": 5}, ["DEMO-OCOP-NT-0002", "DEMO-OCOP-NT-0005"]),
        ({"productGroup": "HANDICRAFTS"}, ["DEMO-NT-REG-0101"]),
        ({"ward": "xuân hải"}, ["DEMO-NT-REG-0100"]),
        ({"formerDistrict": "Ninh Sơn"}, []),
    ],
)
def test_the_registry_is_filtered(graphql, auth_headers, roles, registry, filter, numbers):
    body = entries(graphql, auth_headers(roles["operator"]), filter=filter)

    found = [
        edge["node"]["certificateNumber"] for edge in body["data"]["ocopRegistryEntries"]["edges"]
    ]
    assert found == numbers


def test_a_page_costs_the_same_queries_at_any_size(graphql, auth_headers, roles, registry):
    headers = auth_headers(roles["auditor"])
    counts = []
    matched = {"matchStatus": "MATCHED"}
    for first in (2, 6):
        with CaptureQueriesContext(connection) as queries:
            body = entries(graphql, headers, first=first, filter=matched)
        assert len(body["data"]["ocopRegistryEntries"]["edges"]) == first
        counts.append(len(queries))
    # The user, the count, the page, its certificates, their products.
    assert counts == [5, 5]


@pytest.mark.parametrize("role", [role for role in ROLES if role not in ("auditor", "operator")])
def test_others_are_refused_with_a_typed_error(graphql, auth_headers, roles, registry, role):
    for document in (ENTRIES, IMPORTS):
        status, body = graphql(document, {"first": 5}, **auth_headers(roles[role]))
        assert status == 200, body
        assert body["data"] is None
        expected = "AUTHENTICATION_REQUIRED" if role == "anonymous" else "PERMISSION_DENIED"
        assert [error["extensions"]["code"] for error in body["errors"]] == [expected]
    # Nor by node ID.
    entry_id = to_global_id("OcopRegistryEntry", RegistryEntry.objects.first().pk)
    status, body = graphql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": entry_id}, **auth_headers(roles[role])
    )
    assert body["data"]["node"] is None


def test_imports_are_listed_newest_first_with_their_errors(graphql, auth_headers, roles, registry):
    registry_import(by=None, file=upload(csv_bytes([row("X1", **{"Hạng sao": "2"})])), dry_run=True)

    status, body = graphql(IMPORTS, **auth_headers(roles["operator"]))

    assert status == 200, body
    nodes = [edge["node"] for edge in body["data"]["ocopRegistryImports"]["edges"]]
    assert [(n["dryRun"], n["applied"], n["rowsTotal"]) for n in nodes] == [
        (True, False, 1),
        (False, True, 8),
    ]
    assert nodes[0]["rowErrors"] == [{"row": 2, "code": "INVALID_STARS"}]
    assert RegistryImport.objects.count() == 2
