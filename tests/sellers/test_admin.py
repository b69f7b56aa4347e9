"""Django admin for sellers: the pages show what they should, under the API's data rules."""

import pytest
from django.urls import reverse
from django.utils.timezone import now

from market.sellers.admin import SellerAdminForm
from market.sellers.models import Seller, SellerInvitation
from market.sellers.services import seller_staff_invite
from tests.factories import MembershipFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def shown(response) -> list:
    """The rows a change list page shows."""
    return list(response.context["cl"].result_list)


def test_seller_list_shows_sellers_and_finds_one_by_tax_code(admin_client):
    ca_na = SellerFactory(name="HTX Hải sản Cà Ná", tax_code="4500200004")
    other = SellerFactory()

    listed = admin_client.get(reverse("admin:sellers_seller_changelist"))
    found = admin_client.get(reverse("admin:sellers_seller_changelist"), {"q": "4500200004"})

    assert {ca_na, other} <= set(shown(listed))
    assert shown(found) == [ca_na]


def test_seller_add_page_uses_the_apis_rules_and_adds_no_staff(admin_client):
    response = admin_client.get(reverse("admin:sellers_seller_add"))

    assert isinstance(response.context["adminform"].form, SellerAdminForm)
    # People join by accepting an invitation, never from this page.
    (memberships,) = response.context["inline_admin_formsets"]
    assert memberships.has_add_permission is False


def test_seller_change_page_shows_its_staff(admin_client):
    membership = MembershipFactory()

    response = admin_client.get(reverse("admin:sellers_seller_change", args=[membership.seller.pk]))

    assert response.status_code == 200
    assert membership.user.email in response.content.decode()


def test_admin_normalises_tax_code_and_phone_and_refuses_bad_ones(admin_client):
    form = {
        "name": "Cơ sở Dê Cừu Triệu Tín",
        "slug": "co-so-de-cuu-trieu-tin",
        "kind": "establishment",
        "tax_code": "45.00.200.004",
        "phone": "0259 3822 222",
        "status": "active",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }

    refused = admin_client.post(reverse("admin:sellers_seller_add"), {**form, "phone": "0912 345"})
    created = admin_client.post(reverse("admin:sellers_seller_add"), form)

    assert set(refused.context["adminform"].form.errors) == {"phone"}
    assert created.status_code == 302
    seller = Seller.objects.get(slug="co-so-de-cuu-trieu-tin")
    assert (seller.tax_code, seller.phone) == ("4500200004", "+842593822222")


def test_admin_suspends_sellers_through_the_service(admin_client):
    sellers = SellerFactory.create_batch(2)

    admin_client.post(
        reverse("admin:sellers_seller_changelist"),
        {"action": "suspend", "_selected_action": [seller.pk for seller in sellers]},
    )

    assert set(Seller.objects.values_list("status", flat=True)) == {"suspended"}


def test_admin_shows_invitations_and_revokes_them_through_the_service(admin_client):
    seller = SellerFactory()
    pending = seller_staff_invite(
        seller_id=seller.pk, email=UserFactory().email, role="staff", by=None
    )
    answered = seller_staff_invite(
        seller_id=seller.pk, email=UserFactory().email, role="owner", by=None
    )
    SellerInvitation.objects.filter(pk=answered.pk).update(status="declined", decided_at=now())

    listed = admin_client.get(reverse("admin:sellers_sellerinvitation_changelist"))
    revoked = admin_client.post(
        reverse("admin:sellers_sellerinvitation_changelist"),
        {"action": "revoke", "_selected_action": [pending.pk, answered.pk]},
        follow=True,
    )

    assert listed.status_code == 200
    assert pending.user.email in listed.content.decode()
    # The admin speaks the marketplace's language, Vietnamese, unless the browser asks otherwise.
    assert "Đã thu hồi 1 lời mời." in revoked.content.decode()
    assert "Lời mời này đã bị từ chối." in revoked.content.decode()
    statuses = dict(SellerInvitation.objects.values_list("pk", "status"))
    assert statuses == {pending.pk: "revoked", answered.pk: "declined"}


def test_admin_cannot_add_or_remove_members_behind_the_apis_rules(admin_client):
    membership = MembershipFactory(role="owner")
    seller = membership.seller
    form = {
        "name": seller.name,
        "slug": seller.slug,
        "kind": seller.kind,
        "status": seller.status,
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(membership.pk),
        "memberships-0-seller": str(seller.pk),
        "memberships-0-DELETE": "on",
        "memberships-1-user": str(UserFactory(role="operator").pk),
        "memberships-1-role": "owner",
    }

    response = admin_client.post(reverse("admin:sellers_seller_change", args=[seller.pk]), form)

    assert response.status_code == 302  # the seller was saved; its staff were left alone
    assert list(seller.memberships.values_list("user", "role")) == [(membership.user_id, "owner")]
