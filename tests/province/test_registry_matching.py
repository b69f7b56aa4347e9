"""Matching registry entries to the marketplace's certificates: by number, suggested by
name, and what a person decides (confirm, reject, match by hand)."""

import pytest
from django.core.management import call_command
from graphql_relay import to_global_id

from market.core.errors import DomainError, NotFound, PermissionDenied
from province.models import RegistryEntry, RegistryMatchRejection
from province.services import registry
from province.services.registry_matching import comparable_name, registry_rematch
from tests.factories import OcopCertificateFactory, ProductFactory, SellerFactory
from tests.province.registry_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db

Status = RegistryEntry.MatchStatus


@pytest.fixture
def catalog():
    evergreen = SellerFactory(name="HTX Nho Evergreen Ninh Thuận")
    le_nhan = SellerFactory(name="Cơ sở sản xuất Lê Nhân")
    return {
        "raisins": OcopCertificateFactory(
            product=ProductFactory(seller=evergreen, name="Nho sấy Evergreen"),
            certificate_number="DEMO-OCOP-NT-2024-0102",
        ),
        "syrup": OcopCertificateFactory(
            product=ProductFactory(seller=le_nhan, name="Mật nho Lê Nhân"),
            certificate_number="DEMO-OCOP-NT-2024-0104",
        ),
        "wine": OcopCertificateFactory(
            product=ProductFactory(seller=le_nhan, name="Vang nho đỏ Lê Nhân"),
            certificate_number="DEMO-OCOP-NT-2025-0105",
        ),
    }


def import_rows(*rows, by=None):
    return registry.registry_import(by=by, file=upload(csv_bytes(rows)), dry_run=False)


def entry(number: str) -> RegistryEntry:
    return RegistryEntry.objects.get(certificate_number=number)


def test_names_are_compared_folded_with_legal_forms_alike():
    assert comparable_name("Hợp tác xã Nho Evergreen") == comparable_name("HTX nho  EVERGREEN")
    assert comparable_name("Công ty TNHH Thái Thuận") == "cty tnhh thai thuan"


def test_an_entry_matches_by_certificate_number_whatever_its_spacing_and_case(catalog):
    import_rows(row(" demo-ocop-nt-2024-0102 ", "Nho khô", "Ai đó"))

    found = entry("DEMO-OCOP-NT-2024-0102")
    assert (found.match_status, found.match_method) == (Status.MATCHED, "certificate_number")
    assert found.certificate == catalog["raisins"]
    assert found.matched_at is not None
    assert found.match_score is None


def test_an_entry_with_another_number_is_suggested_by_product_and_seller(catalog):
    import_rows(
        row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở SX Lê Nhân"),
        row("DEMO-NT-REG-0002", "Tỏi cô đơn Lý Sơn", "HTX Khác"),
        # Only the seller is alike: no suggestion.
        row("DEMO-NT-REG-0003", "Rong sụn khô", "Cơ sở sản xuất Lê Nhân"),
    )

    suggested = entry("DEMO-NT-REG-0001")
    assert (suggested.match_status, suggested.certificate) == (Status.SUGGESTED, catalog["syrup"])
    assert 80 <= suggested.match_score <= 100
    assert entry("DEMO-NT-REG-0002").match_status == Status.UNMATCHED
    assert entry("DEMO-NT-REG-0003").match_status == Status.UNMATCHED


def test_a_certificate_matched_by_number_is_not_suggested_to_another_entry(catalog):
    import_rows(
        row("DEMO-OCOP-NT-2024-0104", "Mật nho", "Cơ sở Lê Nhân"),
        row("DEMO-NT-REG-0001", "Mật nho Lê Nhân", "Cơ sở sản xuất Lê Nhân"),
    )

    assert entry("DEMO-OCOP-NT-2024-0104").match_status == Status.MATCHED
    assert entry("DEMO-NT-REG-0001").match_status == Status.UNMATCHED


def test_confirming_a_suggestion_matches_it_by_a_person(catalog, roles):
    import_rows(row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"))
    suggested = entry("DEMO-NT-REG-0001")

    confirmed = registry.registry_entry_confirm_match(by=roles["auditor"], entry_id=suggested.pk)

    assert (confirmed.match_status, confirmed.match_method) == (Status.MATCHED, "confirmed")
    assert confirmed.matched_by == roles["auditor"]
    assert confirmed.matched_at is not None
    # A person's decision stays through re-imports and re-matching.
    import_rows(row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"))
    registry_rematch()
    assert entry("DEMO-NT-REG-0001").match_method == "confirmed"
    with pytest.raises(DomainError) as refused:
        registry.registry_entry_confirm_match(by=roles["auditor"], entry_id=suggested.pk)
    assert refused.value.code == "NOT_SUGGESTED"


def test_a_rejected_suggestion_is_not_made_again_on_reimport(catalog, roles):
    import_rows(row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"))
    suggested = entry("DEMO-NT-REG-0001")

    rejected = registry.registry_entry_reject_match(by=roles["operator"], entry_id=suggested.pk)

    assert (rejected.match_status, rejected.certificate) == (Status.REJECTED, None)
    assert RegistryMatchRejection.objects.filter(
        entry=suggested, certificate=catalog["syrup"]
    ).exists()
    import_rows(row("DEMO-NT-REG-0001", "Mật nho đổi tên", "Cơ sở Lê Nhân"))
    import_rows(row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"))
    again = entry("DEMO-NT-REG-0001")
    assert (again.match_status, again.certificate) == (Status.REJECTED, None)
    # Another certificate alike may still be suggested.
    other = OcopCertificateFactory(
        product=ProductFactory(seller=catalog["syrup"].product.seller, name="Mật nho Lê Nhân"),
        certificate_number="DEMO-OCOP-NT-2026-0200",
    )
    registry_rematch()
    assert (entry("DEMO-NT-REG-0001").match_status, entry("DEMO-NT-REG-0001").certificate) == (
        Status.SUGGESTED,
        other,
    )


def test_matching_by_hand_picks_the_certificate_and_withdraws_a_rejection(catalog, roles):
    import_rows(row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"))
    suggested = entry("DEMO-NT-REG-0001")
    registry.registry_entry_reject_match(by=roles["auditor"], entry_id=suggested.pk)

    matched = registry.registry_entry_match(
        by=roles["auditor"], entry_id=suggested.pk, certificate_id=catalog["syrup"].pk
    )

    assert (matched.match_status, matched.match_method) == (Status.MATCHED, "confirmed")
    assert matched.certificate == catalog["syrup"]
    assert not RegistryMatchRejection.objects.exists()


def test_a_certificate_matched_to_one_entry_cannot_be_matched_to_another(catalog, roles):
    import_rows(
        row("DEMO-OCOP-NT-2024-0104", "Mật nho", "Cơ sở Lê Nhân"),
        row("DEMO-NT-REG-0009", "Siro nho", "Cơ sở Lê Nhân"),
    )

    with pytest.raises(DomainError) as refused:
        registry.registry_entry_match(
            by=roles["operator"],
            entry_id=entry("DEMO-NT-REG-0009").pk,
            certificate_id=catalog["syrup"].pk,
        )

    assert (refused.value.code, refused.value.field) == ("CERTIFICATE_TAKEN", "certificate_id")
    assert entry("DEMO-NT-REG-0009").match_status == Status.UNMATCHED


def test_deciding_refuses_others_and_unknown_ids(catalog, roles):
    import_rows(row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"))
    suggested = entry("DEMO-NT-REG-0001")

    with pytest.raises(PermissionDenied):
        registry.registry_entry_confirm_match(by=roles["own_owner"], entry_id=suggested.pk)
    with pytest.raises(NotFound):
        registry.registry_entry_confirm_match(by=roles["operator"], entry_id=10**9)
    with pytest.raises(NotFound):
        registry.registry_entry_match(by=roles["operator"], entry_id=suggested.pk, certificate_id=0)
    assert entry("DEMO-NT-REG-0001").match_status == Status.SUGGESTED


def test_a_certificate_entered_later_is_matched_by_the_rematch_command(catalog, capsys):
    import_rows(row("DEMO-OCOP-NT-2026-0300", "Thịt cừu sấy", "Công ty Triệu Tín"))
    assert entry("DEMO-OCOP-NT-2026-0300").match_status == Status.UNMATCHED

    later = OcopCertificateFactory(certificate_number="DEMO-OCOP-NT-2026-0300")
    call_command("registry_rematch")

    assert entry("DEMO-OCOP-NT-2026-0300").certificate == later
    assert "matched: 1" in capsys.readouterr().out


def test_deleting_a_matched_certificate_unmatches_its_entry(catalog):
    import_rows(row("DEMO-OCOP-NT-2024-0102", "Nho sấy", "HTX Nho Evergreen"))

    catalog["raisins"].product.delete()

    found = entry("DEMO-OCOP-NT-2024-0102")
    assert (found.match_status, found.certificate, found.match_method) == (
        Status.UNMATCHED,
        None,
        "",
    )


def test_the_mutations_decide_through_the_services(graphql, auth_headers, catalog, roles):
    import_rows(row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"))
    entry_id = to_global_id("OcopRegistryEntry", entry("DEMO-NT-REG-0001").pk)

    status, body = graphql(
        """mutation($entry: ID!) { ocopRegistryEntryConfirmMatch(entry: $entry) {
             ocopRegistryEntry { matchStatus matchMethod certificate { certificateNumber
               product { name } } } errors { field code } } }""",
        {"entry": entry_id},
        **auth_headers(roles["auditor"]),
    )

    assert status == 200, body
    answer = body["data"]["ocopRegistryEntryConfirmMatch"]
    assert answer["errors"] == []
    assert answer["ocopRegistryEntry"] == {
        "matchStatus": "MATCHED",
        "matchMethod": "CONFIRMED",
        "certificate": {
            "certificateNumber": "DEMO-OCOP-NT-2024-0104",
            "product": {"name": "Mật nho Lê Nhân"},
        },
    }
    status, body = graphql(
        """mutation($entry: ID!, $certificate: ID!) {
             ocopRegistryEntryMatch(entry: $entry, certificate: $certificate) {
               ocopRegistryEntry { id } errors { field code } } }""",
        {"entry": entry_id, "certificate": to_global_id("Product", 1)},
        **auth_headers(roles["auditor"]),
    )
    assert body["data"]["ocopRegistryEntryMatch"]["errors"] == [
        {"field": "certificate", "code": "INVALID_ID"}
    ]
