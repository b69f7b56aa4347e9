"""Django admin for accounts: users, refresh tokens and addresses."""

import pytest
from django.urls import reverse

from market.accounts.models import Address, RefreshToken, User
from market.accounts.services import create_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "accounts_user_changelist",
        "accounts_user_add",
        "accounts_refreshtoken_changelist",
        "accounts_address_changelist",
    ],
)
def test_admin_pages_open(admin_client, name):
    user = UserFactory()
    create_tokens(email=user.email, password="mat-khau-an-toan-2025", client_address="127.0.0.1")
    Address.objects.create(full_name="Nguyễn Thị Lan", ward="Phước Hậu", user=user)

    response = admin_client.get(reverse(f"admin:{name}"))

    assert response.status_code == 200


def test_admin_revokes_selected_refresh_tokens(admin_client):
    user = UserFactory()
    for _ in range(2):
        create_tokens(
            email=user.email, password="mat-khau-an-toan-2025", client_address="127.0.0.1"
        )
    kept, revoked = RefreshToken.objects.order_by("pk")

    admin_client.post(
        reverse("admin:accounts_refreshtoken_changelist"),
        {"action": "revoke", "_selected_action": [revoked.pk]},
    )

    kept.refresh_from_db()
    revoked.refresh_from_db()
    assert kept.revoked_at is None
    assert revoked.revoked_at is not None


def test_admin_signs_a_user_out_everywhere(admin_client):
    user = UserFactory()
    for _ in range(2):
        create_tokens(
            email=user.email, password="mat-khau-an-toan-2025", client_address="127.0.0.1"
        )

    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_refresh_tokens", "_selected_action": [user.pk]},
    )

    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_admin_creates_users_with_lower_cased_unique_emails(admin_client):
    UserFactory(email="lan@example.vn")
    form = {"role": "auditor", "usable_password": "false"}

    taken = admin_client.post(
        reverse("admin:accounts_user_add"), {**form, "email": "LAN@example.vn"}
    )
    created = admin_client.post(
        reverse("admin:accounts_user_add"), {**form, "email": "Can.Bo@SoNongNghiep.VN"}
    )

    assert taken.status_code == 200
    assert created.status_code == 302
    user = User.objects.get(email="can.bo@sonongnghiep.vn")
    assert user.role == User.Role.AUDITOR
    assert not user.has_usable_password()
