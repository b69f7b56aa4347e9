"""Who may run each traceability mutation: every mutation as every role.

A seller's own staff and owner, and operators, register codes, make lots and record
events; auditors of the agriculture department and operators decide on codes, inspect
and close violations; a lot's chain is checked by its seller's staff, auditors and
operators. Everybody else is refused, and a refused call leaves every traceability
table, the products' verified-origin flags and the search outbox as they were.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id

from catalog.models import Product
from market.core.models import ChangeRecord
from tests.conftest import ROLES
from tests.permission_matrix import assert_matrix_cell
from tests.traceability.graphql_world import build_world
from traceability import models
from traceability.graphql.mutations import TraceabilityMutations

pytestmark = pytest.mark.django_db

SELLER_SIDE = {"own_staff", "own_owner", "operator"}
REVIEWERS = {"auditor", "operator"}
CHAIN_READERS = {"own_staff", "own_owner", "auditor", "operator"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(roles):
    return build_world(roles["seller"])


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


def _ago(**delta) -> str:
    return (timezone.now() - datetime.timedelta(**delta)).isoformat()


@dataclass(frozen=True)
class Case:
    document: str
    allowed: set[str]
    variables: object  # (world, roles) -> dict


def _decision(name: str, site: str, reason: bool = True) -> Case:
    return Case(
        f"""mutation($id: ID!, $reason: String{"!" if reason else ""}) {{
             {name}(id: $id, reason: $reason) {{
               site {{ code status }} errors {{ field code }} }} }}""",
        REVIEWERS,
        lambda w, r: {"id": gid("GrowingArea", getattr(w, site).pk), "reason": "Kiểm tra lại."},
    )


CASES = {
    "siteRegister": Case(
        """mutation($input: SiteRegisterInput!) {
             siteRegister(input: $input) { site { code } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "input": {
                "seller": gid("Seller", r["seller"].pk),
                "kind": "GROWING_AREA",
                "code": "VN-NTOR-9001",
                "name": "Vùng nho Thành Sơn",
                "crops": ["Nho đỏ Cardinal"],
                "areaHectares": "1.25",
                "ward": "Xã Phước Thuận",
                "latitude": "11.560000",
                "longitude": "108.950000",
            }
        },
    ),
    "siteUpdate": Case(
        """mutation($id: ID!, $input: SiteUpdateInput!) {
             siteUpdate(id: $id, input: $input) { site { name } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {"id": gid("GrowingArea", w.pending_area.pk), "input": {"name": "Vùng mới"}},
    ),
    "gapCertificateAdd": Case(
        """mutation($input: GapCertificateAddInput!) {
             gapCertificateAdd(input: $input) {
               gapCertificate { number } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "input": {
                "growingArea": gid("GrowingArea", w.area.pk),
                "scheme": "GLOBALGAP",
                "number": "GGN-4063061000001",
                "issuer": "Control Union",
                "validFrom": timezone.localdate().isoformat(),
                "validUntil": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
            }
        },
    ),
    "gapCertificateRemove": Case(
        """mutation($id: ID!) {
             gapCertificateRemove(id: $id) { gapCertificate { number } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {"id": gid("GapCertificate", w.certificate.pk)},
    ),
    "siteApprove": _decision("siteApprove", "pending_area", reason=False),
    "siteSuspend": _decision("siteSuspend", "area"),
    "siteReinstate": _decision("siteReinstate", "suspended_area"),
    "siteRevoke": _decision("siteRevoke", "pending_area"),
    "inspectionRecord": Case(
        """mutation($input: InspectionRecordInput!) {
             inspectionRecord(input: $input) { inspection { result } errors { field code } } }""",
        REVIEWERS,
        lambda w, r: {
            "input": {
                "site": gid("PackingHouse", w.house.pk),
                "inspectedOn": timezone.localdate().isoformat(),
                "inspectorName": "Trần Thị Thanh",
                "result": "PASSED",
            }
        },
    ),
    "violationClose": Case(
        """mutation($id: ID!, $note: String!) {
             violationClose(id: $id, note: $note) {
               violation { status } errors { field code } } }""",
        REVIEWERS,
        lambda w, r: {"id": gid("Violation", w.violation.pk), "note": "Đã tiêu hủy lô hàng."},
    ),
    "lotCreate": Case(
        """mutation($input: LotCreateInput!) {
             lotCreate(input: $input) { lot { code } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "input": {
                "product": gid("Product", w.product.pk),
                "code": "NT25-G0002",
                "growingArea": gid("GrowingArea", w.area.pk),
            }
        },
    ),
    "lotTransform": Case(
        """mutation($input: LotTransformInput!) {
             lotTransform(input: $input) { lot { code } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "input": {
                "outputProduct": gid("Product", w.dried.pk),
                "code": "NT25-S0001",
                "inputs": [{"lot": gid("Lot", w.lot.pk), "quantityKg": "40"}],
                "outputQuantityKg": "10",
                "eventTime": _ago(minutes=30),
            }
        },
    ),
    "eventRecord": Case(
        """mutation($input: EventRecordInput!) {
             eventRecord(input: $input) { event { sequence } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "input": {
                "lot": gid("Lot", w.lot.pk),
                "step": "FERTILISING",
                "eventTime": _ago(hours=2),
                "details": {"productName": "Phân hữu cơ vi sinh", "dose": "2 kg/gốc"},
            }
        },
    ),
    "eventDeclareError": Case(
        """mutation($input: EventDeclareErrorInput!) {
             eventDeclareError(input: $input) { event { sequence } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "input": {"event": gid("TraceEvent", w.harvest.pk), "reason": "INCORRECT_DATA"}
        },
    ),
    "lotVerify": Case(
        """mutation($lot: ID!) {
             lotVerify(lot: $lot) { verified brokenAt { sequence } errors { field code } } }""",
        CHAIN_READERS,
        lambda w, r: {"lot": gid("Lot", w.lot.pk)},
    ),
}


def snapshot(media_root) -> dict:
    """Every traceability row, the products' flags, the search outbox and stored files."""
    tables = (
        models.Site,
        models.GapCertificate,
        models.SiteStatusChange,
        models.Lot,
        models.TraceEvent,
        models.LotInput,
        models.Inspection,
        models.Violation,
        models.AuditEntry,
    )
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in tables}
    state["Product"] = list(Product.objects.order_by("pk").values_list("pk", "origin_verified"))
    state["ChangeRecord"] = list(ChangeRecord.objects.values_list("object_id", flat=True))
    state["files"] = sorted(str(path) for path in media_root.rglob("*") if path.is_file())
    return state


def test_the_matrix_covers_every_traceability_mutation():
    declared = {to_camel_case(name) for name in TraceabilityMutations._meta.fields}
    assert declared == set(CASES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", list(CASES))
def test_permission_matrix(
    graphql,
    auth_headers,
    roles,
    world,
    media_root,
    django_capture_on_commit_callbacks,
    mailoutbox,
    mutation,
    role,
):
    case = CASES[mutation]
    before = snapshot(media_root)

    # Callbacks run as if the request had committed: a refused call must not have queued
    # anything (an email, an index update) either.
    with django_capture_on_commit_callbacks(execute=True):
        status, body = graphql(
            case.document, case.variables(world, roles), **auth_headers(roles[role])
        )

    assert status == 200, body
    assert_matrix_cell(
        body=body,
        mutation=mutation,
        role=role,
        allowed=case.allowed,
        signed_out={"anonymous"},
        before=before,
        snapshot=lambda: snapshot(media_root),
        mailoutbox=mailoutbox,
    )
