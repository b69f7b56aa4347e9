"""Django admin of the registry: lists filtered by match status, decisions through the
services, and pages that offer no save."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from province.models import RegistryEntry, RegistryImport
from province.services.registry import registry_import
from tests.factories import OcopCertificateFactory, ProductFactory, SellerFactory
from tests.province.registry_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:province_registryentry_changelist"


@pytest.fixture
def suggested(db):
    seller = SellerFactory(name="Cơ sở sản xuất Lê Nhân")
    OcopCertificateFactory(product=ProductFactory(seller=seller, name="Mật nho Lê Nhân"))
    content = csv_bytes(
        [row("DEMO-NT-REG-0001", "Mật nho", "Cơ sở Lê Nhân"), row("DEMO-NT-REG-0002", "Tỏi")]
    )
    registry_import(by=None, file=upload(content), dry_run=False)
    return RegistryEntry.objects.get(certificate_number="DEMO-NT-REG-0001")


def shown(response) -> list:
    return list(response.context["cl"].result_list)


def test_entries_are_filtered_by_match_status_and_found_by_number(admin_client, suggested):
    listed = admin_client.get(reverse(CHANGELIST), {"match_status__exact": "suggested"})
    found = admin_client.get(reverse(CHANGELIST), {"q": "REG-0002"})

    assert shown(listed) == [suggested]
    assert [entry.certificate_number for entry in shown(found)] == ["DEMO-NT-REG-0002"]


def test_confirming_in_the_admin_goes_through_the_service(admin_client, admin_user, suggested):
    admin_client.post(
        reverse(CHANGELIST),
        {"action": "confirm_suggestions", "_selected_action": [suggested.pk], "index": 0},
        follow=True,
    )

    suggested.refresh_from_db()
    assert (suggested.match_status, suggested.matched_by) == ("matched", admin_user)


def test_a_refused_decision_changes_nothing_and_says_why(admin_client, suggested):
    unmatched = RegistryEntry.objects.get(certificate_number="DEMO-NT-REG-0002")

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "reject_suggestions", "_selected_action": [unmatched.pk], "index": 0},
        follow=True,
    )

    unmatched.refresh_from_db()
    assert unmatched.match_status == "unmatched"
    assert any("DEMO-NT-REG-0002" in str(m) for m in get_messages(response.wsgi_request))


def test_entry_and_import_pages_offer_no_save(admin_client, suggested):
    record = RegistryImport.objects.get()
    for name, obj in (("registryentry", suggested), ("registryimport", record)):
        page = admin_client.get(reverse(f"admin:province_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert admin_client.get(reverse(f"admin:province_{name}_add")).status_code == 403
