"""Django admin for traceability: lists and searches, status actions through the services,
and read-only pages for lots, events and the audit log."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests.factories import GrowingAreaFactory, LotFactory
from traceability.models import AuditEntry, SiteStatusChange, TraceEvent
from traceability.services import sites

pytestmark = pytest.mark.django_db


def shown(response) -> list:
    return list(response.context["cl"].result_list)


def act(client, action: str, site, reason: str = ""):
    return client.post(
        reverse("admin:traceability_site_changelist"),
        {"action": action, "_selected_action": [site.pk], "reason": reason, "index": 0},
        follow=True,
    )


def test_site_list_shows_sites_and_finds_one_by_code(admin_client):
    wanted = GrowingAreaFactory(code="VN-NTOR-0555")
    other = GrowingAreaFactory()
    listed = admin_client.get(reverse("admin:traceability_site_changelist"))
    found = admin_client.get(reverse("admin:traceability_site_changelist"), {"q": "NTOR-0555"})
    assert {wanted, other} <= set(shown(listed))
    assert shown(found) == [wanted]


def test_suspend_action_goes_through_the_service_with_the_reason(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    site = GrowingAreaFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, "suspend", site, reason="Dư lượng vượt mức")
    site.refresh_from_db()
    assert site.status == "suspended"
    change = SiteStatusChange.objects.get(site=site)
    assert (change.reason, change.changed_by) == ("Dư lượng vượt mức", admin_user)
    assert AuditEntry.objects.get(site=site).action == "site_suspend"
    assert response.status_code == 200


def test_an_action_refused_by_the_service_changes_nothing_and_says_why(admin_client):
    site = GrowingAreaFactory()
    response = act(admin_client, "suspend", site, reason="")
    site.refresh_from_db()
    assert site.status == "active"
    assert any(site.code in str(m) for m in get_messages(response.wsgi_request))
    response = act(admin_client, "reinstate", site, reason="Không cần")
    site.refresh_from_db()
    assert site.status == "active"
    assert not SiteStatusChange.objects.exists()


def test_approve_and_revoke_actions(admin_client):
    site = GrowingAreaFactory(status="pending")
    act(admin_client, "approve", site)
    site.refresh_from_db()
    assert site.status == "active"
    act(admin_client, "revoke", site, reason="Giả mạo")
    site.refresh_from_db()
    assert site.status == "revoked"


def test_a_site_page_shows_its_history_and_offers_no_save(admin_client):
    site = GrowingAreaFactory(status="pending")
    sites.site_approve(by=None, site_id=site.pk, reason="Hồ sơ đầy đủ")
    response = admin_client.get(reverse("admin:traceability_site_change", args=[site.pk]))
    assert response.status_code == 200
    assert "Hồ sơ đầy đủ" in response.content.decode()
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.get(reverse("admin:traceability_site_add")).status_code == 403


def test_lots_are_listed_and_found_by_code_read_only(admin_client):
    lot = LotFactory(code="NT25-ADMIN")
    LotFactory()
    found = admin_client.get(reverse("admin:traceability_lot_changelist"), {"q": "NT25-ADMIN"})
    assert shown(found) == [lot]
    page = admin_client.get(reverse("admin:traceability_lot_change", args=[lot.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_events_and_the_audit_log_cannot_be_changed_or_deleted(admin_client):
    lot = LotFactory()
    event = TraceEvent.objects.create(
        lot=lot,
        sequence=1,
        event_id=f"urn:uuid:{uuid.uuid4()}",
        event_type="ObjectEvent",
        biz_step="commissioning",
        event_time=timezone.now(),
        document={},
        hash="0" * 64,
    )
    site = GrowingAreaFactory()
    sites.site_suspend(by=None, site_id=site.pk, reason="Kiểm tra")
    entry = AuditEntry.objects.get()
    for name, obj in (("traceevent", event), ("auditentry", entry)):
        listed = admin_client.get(reverse(f"admin:traceability_{name}_changelist"))
        assert obj in shown(listed)
        page = admin_client.get(reverse(f"admin:traceability_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        delete = admin_client.post(reverse(f"admin:traceability_{name}_delete", args=[obj.pk]))
        assert delete.status_code == 403
        # Not even "delete selected": the list offers no action at all.
        assert listed.context["action_form"] is None
    assert TraceEvent.objects.filter(pk=event.pk).exists()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
