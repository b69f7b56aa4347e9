"""Django admin for orders: the lists show and search; nothing can be added, changed or
deleted there (orders move only through the services)."""

import pytest
from django.urls import reverse

from market.orders.models import Order, SellerOrder
from tests.factories import SellerFactory
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db


def shown(response) -> list:
    return list(response.context["cl"].result_list)


def test_order_list_shows_orders_and_finds_one_by_number_or_email(admin_client):
    wanted = place([(stocked_variant(), 1)], email="mai.tran@example.vn")
    other = place([(stocked_variant(), 1)])
    url = reverse("admin:orders_order_changelist")
    assert {wanted, other} <= set(shown(admin_client.get(url)))
    assert shown(admin_client.get(url, {"q": wanted.number})) == [wanted]
    assert shown(admin_client.get(url, {"q": "mai.tran"})) == [wanted]
    assert shown(admin_client.get(url, {"q": f"{other.number}-1"})) == [other]


def test_seller_order_list_shows_parts_and_finds_one_by_seller(admin_client):
    variant = stocked_variant(seller=SellerFactory(name="HTX Muối Tri Hải"))
    order = place([(variant, 1), (stocked_variant(), 1)])
    part = order.seller_orders.get(seller=variant.product.seller)
    url = reverse("admin:orders_sellerorder_changelist")
    assert set(shown(admin_client.get(url))) == set(SellerOrder.objects.all())
    assert shown(admin_client.get(url, {"q": "Tri Hải"})) == [part]


def test_order_pages_are_read_only(admin_client):
    order = place([(stocked_variant(), 1)])
    part = order.seller_orders.get()
    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert b'name="_save"' not in page.content
    assert order.number.encode() in page.content
    assert part.number.encode() in page.content
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    posted = admin_client.post(
        reverse("admin:orders_order_change", args=[order.pk]), {"email": "x@example.vn"}
    )
    assert posted.status_code == 403
    assert Order.objects.get(pk=order.pk).email == order.email
    deleted = admin_client.post(
        reverse("admin:orders_order_delete", args=[order.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()
    part_page = admin_client.get(reverse("admin:orders_sellerorder_change", args=[part.pk]))
    assert part_page.status_code == 200
    assert b'name="_save"' not in part_page.content
