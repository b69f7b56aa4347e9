"""Django admin for sellers: the pages open, and the API's data rules hold there too."""

import pytest
from django.urls import reverse

from market.sellers.models import Seller
from tests.factories import MembershipFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["sellers_seller_changelist", "sellers_seller_add"])
def test_admin_pages_open(admin_client, name):
    MembershipFactory()

    response = admin_client.get(reverse(f"admin:{name}"))

    assert response.status_code == 200


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

    assert refused.status_code == 200
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
