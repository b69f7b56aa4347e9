"""Who may run each registry mutation: every mutation as every role of the ``roles`` fixture.

Auditors and operators change something; everyone else gets ``AUTHENTICATION_REQUIRED``
(signed out) or ``PERMISSION_DENIED`` and changes nothing (no entry, no import recorded,
no match decided). The import is sent as a real multipart upload."""

import json
from dataclasses import dataclass

import pytest
from django.test import Client
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id

from province.graphql.registry_mutations import RegistryMutations
from province.models import RegistryEntry, RegistryImport, RegistryMatchRejection
from province.services.registry import registry_import
from tests.conftest import ROLES
from tests.factories import OcopCertificateFactory, ProductFactory, SellerFactory
from tests.permission_matrix import assert_matrix_cell
from tests.province.registry_files import IMPORT, csv_bytes, row, upload

pytestmark = pytest.mark.django_db

INSIDERS = {"auditor", "operator"}
SIGNED_OUT = {"anonymous"}


@dataclass
class World:
    suggested: RegistryEntry
    unmatched: RegistryEntry
    certificate_id: int


@pytest.fixture
def world(roles):
    seller = SellerFactory(name="Cơ sở sản xuất Lê Nhân")
    certificate = OcopCertificateFactory(
        product=ProductFactory(seller=seller, name="Mật nho Lê Nhân"),
        certificate_number="DEMO-OCOP-NT-2024-0104",
    )
    other = OcopCertificateFactory(certificate_number="DEMO-OCOP-NT-2024-0999")
    content = csv_bytes(
        [row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"), row("DEMO-NT-REG-0002", "Tỏi")]
    )
    registry_import(by=None, file=upload(content), dry_run=False)
    suggested = RegistryEntry.objects.get(certificate_number="DEMO-NT-REG-0001")
    assert suggested.certificate_id == certificate.pk
    return World(
        suggested=suggested,
        unmatched=RegistryEntry.objects.get(certificate_number="DEMO-NT-REG-0002"),
        certificate_id=other.pk,
    )


def _entry(entry):
    return to_global_id("OcopRegistryEntry", entry.pk)


@dataclass(frozen=True)
class Case:
    document: str
    variables: object  # (world) -> dict
    upload: bool = False


CASES = {
    "ocopRegistryImport": Case(IMPORT, lambda w: {"file": None, "dryRun": False}, upload=True),
    "ocopRegistryEntryConfirmMatch": Case(
        """mutation($entry: ID!) { ocopRegistryEntryConfirmMatch(entry: $entry) {
             ocopRegistryEntry { matchStatus } errors { field code } } }""",
        lambda w: {"entry": _entry(w.suggested)},
    ),
    "ocopRegistryEntryRejectMatch": Case(
        """mutation($entry: ID!) { ocopRegistryEntryRejectMatch(entry: $entry) {
             ocopRegistryEntry { matchStatus } errors { field code } } }""",
        lambda w: {"entry": _entry(w.suggested)},
    ),
    "ocopRegistryEntryMatch": Case(
        """mutation($entry: ID!, $certificate: ID!) {
             ocopRegistryEntryMatch(entry: $entry, certificate: $certificate) {
               ocopRegistryEntry { matchStatus } errors { field code } } }""",
        lambda w: {
            "entry": _entry(w.unmatched),
            "certificate": to_global_id("OcopCertificate", w.certificate_id),
        },
    ),
}


def snapshot() -> dict:
    tables = (RegistryEntry, RegistryImport, RegistryMatchRejection)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in tables}


def test_the_matrix_covers_every_registry_mutation():
    declared = {to_camel_case(name) for name in RegistryMutations._meta.fields}
    assert declared == set(CASES)


def send(case: Case, variables: dict, headers: dict):
    client = Client()
    if not case.upload:
        response = client.post(
            "/graphql/",
            {"query": case.document, "variables": variables},
            content_type="application/json",
            **headers,
        )
        return response.status_code, response.json()
    content = csv_bytes([row("DEMO-NT-REG-0003", "Nho sấy")])
    response = client.post(
        "/graphql/",
        {
            "operations": json.dumps({"query": case.document, "variables": variables}),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": upload(content),
        },
        **headers,
    )
    return response.status_code, response.json()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", list(CASES))
def test_permission_matrix(auth_headers, roles, world, mailoutbox, mutation, role):
    case = CASES[mutation]
    before = snapshot()

    status, body = send(case, case.variables(world), auth_headers(roles[role]))

    assert status == 200, body
    answer = body["data"][mutation]
    assert_matrix_cell(
        body=body, mutation=mutation, role=role, allowed=INSIDERS, signed_out=SIGNED_OUT,
        before=before, snapshot=snapshot, mailoutbox=mailoutbox,
    )  # fmt: skip
    if role not in INSIDERS:
        assert all(value is None for name, value in answer.items() if name != "errors")
