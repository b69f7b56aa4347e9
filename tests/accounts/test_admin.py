"""Django admin for accounts: users, refresh tokens and addresses."""

import pytest
from django.urls import reverse

from market.accounts.models import Address, RefreshToken, User
from market.accounts.services import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


PASSWORD = "mat-khau-an-toan-2025"


def shown(response) -> list:
    """The rows a change list page shows."""
    return list(response.context["cl"].result_list)


def test_user_list_shows_users_and_its_search_finds_one(admin_client):
    lan = UserFactory(email="lan@example.vn", first_name="Lan")
    hai = UserFactory(email="hai@example.vn", first_name="Hai")

    listed = admin_client.get(reverse("admin:accounts_user_changelist"))
    found = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "Lan"})

    assert {lan, hai} <= set(shown(listed))
    assert shown(found) == [lan]


def test_user_add_page_asks_for_an_email_and_a_role_not_a_username(admin_client):
    response = admin_client.get(reverse("admin:accounts_user_add"))

    fields = response.context["adminform"].form.fields
    assert {"email", "role", "usable_password", "password1", "password2"} <= set(fields)
    assert "username" not in fields


def test_refresh_tokens_are_listed_and_read_only(admin_client):
    user = UserFactory()
    token_create(email=user.email, password=PASSWORD, client_address="127.0.0.1")
    (token,) = RefreshToken.objects.filter(user=user)

    listed = admin_client.get(reverse("admin:accounts_refreshtoken_changelist"))
    found = admin_client.get(reverse("admin:accounts_refreshtoken_changelist"), {"q": user.email})
    page = admin_client.get(reverse("admin:accounts_refreshtoken_change", args=[token.pk]))

    assert token in shown(listed)
    assert shown(found) == [token]
    # Tokens come from signing in: nothing to add, and a token's page offers no save.
    assert listed.context["has_add_permission"] is False
    assert str(token.jti) in page.text
    assert 'name="_save"' not in page.text


def test_address_search_finds_an_address_by_its_ward(admin_client):
    user = UserFactory()
    phuoc_hau = Address.objects.create(full_name="Nguyễn Thị Lan", ward="Phước Hậu", user=user)
    Address.objects.create(full_name="Trần Văn Hai", ward="Cà Ná", user=user)

    found = admin_client.get(reverse("admin:accounts_address_changelist"), {"q": "Phước Hậu"})

    assert shown(found) == [phuoc_hau]


def test_admin_revokes_selected_refresh_tokens(admin_client):
    user = UserFactory()
    for _ in range(2):
        token_create(email=user.email, password=PASSWORD, client_address="127.0.0.1")
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
        token_create(email=user.email, password=PASSWORD, client_address="127.0.0.1")

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

    assert set(taken.context["adminform"].form.errors) == {"email"}
    assert created.status_code == 302
    user = User.objects.get(email="can.bo@sonongnghiep.vn")
    assert user.role == User.Role.AUDITOR
    assert not user.has_usable_password()
