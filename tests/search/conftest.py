"""Search fixtures: a private index prefix per test and a small Vietnamese catalogue."""

import contextlib
import datetime
import os
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone
from elasticsearch import Elasticsearch
from elasticsearch.dsl import connections

from catalog.models import OcopCertificate
from market.accounts.models import Address
from market.core import changes
from market.sellers.models import Seller
from search import services
from search.client import ALIAS, get_client
from search.indices import alias_name
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    ProductFactory,
    SellerFactory,
    StockFactory,
    VariantFactory,
)

REAL_ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]


def reset_connection() -> None:
    """Forget the cached client so the next use reads settings.ELASTICSEARCH_URL again."""
    with contextlib.suppress(KeyError):
        connections.remove_connection(ALIAS)


@pytest.fixture(autouse=True)
def index_prefix(settings):
    prefix = f"test-ocop-{uuid.uuid4().hex[:12]}"
    settings.SEARCH_INDEX_PREFIX = prefix
    reset_connection()
    yield prefix
    reset_connection()
    client = Elasticsearch(REAL_ELASTICSEARCH_URL)
    # Deleting by wildcard is refused (action.destructive_requires_name), so by name.
    names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").keys())
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)
    client.close()


def deliver_and_refresh(product_ids) -> None:
    """Schedule, commit-deliver through the outbox, and make the result searchable now."""
    changes.change_record(topic=changes.PRODUCT, object_ids=product_ids)
    services.deliver_outbox()
    get_client().indices.refresh(index=alias_name())


def _product(*, name, category, seller, price, description, stock=30, stars=None, **extra):
    product = ProductFactory(
        name=name, category=category, seller=seller, description=description, **extra
    )
    variant = VariantFactory(product=product, price=price)
    StockFactory(variant=variant, quantity=stock)
    if stars:
        OcopCertificateFactory(product=product, stars=stars)
    return product


@pytest.fixture
def catalogue(db):
    """Products of Ninh Thuận, indexed in Elasticsearch and in the folded-text table."""
    specialties = CategoryFactory(name="Đặc sản Ninh Thuận", slug="dac-san")
    fish_sauce = CategoryFactory(name="Nước chấm", slug="nuoc-cham", parent=specialties)
    vegetables = CategoryFactory(name="Rau củ", slug="rau-cu")
    dried = CategoryFactory(name="Trái cây sấy", slug="trai-cay-say")

    ca_na = SellerFactory(
        name="HTX Hải sản Cà Ná",
        slug="htx-ca-na",
        kind=Seller.Kind.COOPERATIVE,
        address=Address.objects.create(ward="Xã Cà Ná", province="Khánh Hòa"),
    )
    phan_rang = SellerFactory(
        name="Công ty TNHH Phan Rang Food", slug="phan-rang-food", kind=Seller.Kind.ENTERPRISE
    )
    household = SellerFactory(
        name="Hộ kinh doanh Bà Hai", slug="ho-ba-hai", kind=Seller.Kind.HOUSEHOLD
    )
    suspended = SellerFactory(
        name="Cơ sở Thu Hà", slug="co-so-thu-ha", status=Seller.Status.SUSPENDED
    )

    data = SimpleNamespace(
        categories=SimpleNamespace(
            specialties=specialties, fish_sauce=fish_sauce, vegetables=vegetables, dried=dried
        ),
        sellers=SimpleNamespace(ca_na=ca_na, phan_rang=phan_rang, household=household),
    )
    data.fish_sauce_ca_na = _product(
        name="Nước mắm nhĩ Cà Ná",
        category=fish_sauce,
        seller=ca_na,
        price=120_000,
        stars=4,
        description="Nước mắm cá cơm ủ chượp 12 tháng ở Ninh Thuận.",
    )
    data.fish_sauce_anchovy = _product(
        name="Nước mắm cá cơm Phan Rang",
        category=fish_sauce,
        seller=phan_rang,
        price=85_000,
        stock=0,
        description="Đóng chai 500 ml, sản xuất tại Ninh Thuận.",
    )
    data.shallots = _product(
        name="Hành tím Ninh Hải",
        category=vegetables,
        seller=household,
        price=45_000,
        stars=3,
        description="Củ chắc, thơm, trồng trên cát Ninh Thuận.",
    )
    data.shrimp_salt = _product(
        name="Muối tôm Tây Ninh",
        category=specialties,
        seller=household,
        price=35_000,
        description="Muối tôm trộn hành tím phi, đóng hũ tại Ninh Thuận.",
    )
    data.rice_paper = _product(
        name="Bánh tráng nướng",
        category=specialties,
        seller=household,
        price=30_000,
        description="Bánh tráng giòn rắc hành phi, làm tại Ninh Thuận.",
    )
    data.garlic = _product(
        name="Tỏi cô đơn đặc sản Phan Rang",
        category=vegetables,
        seller=phan_rang,
        price=250_000,
        stars=5,
        description="Tỏi một nhánh của Ninh Thuận.",
    )
    data.grapes = _product(
        name="Nho sấy dẻo",
        category=dried,
        seller=ca_na,
        price=160_000,
        description="Nho xanh Ninh Thuận sấy dẻo, không đường.",
    )
    data.honey = _product(
        name="Mật ong hoa nhãn",
        category=dried,
        seller=phan_rang,
        price=650_000,
        description="Mật ong nuôi tại Ninh Thuận.",
    )
    # A lapsed certificate must not give stars.
    OcopCertificateFactory(
        product=data.honey,
        stars=4,
        issued_on=timezone.localdate() - datetime.timedelta(days=1200),
        expires_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    # A pending certificate neither.
    OcopCertificateFactory(product=data.grapes, stars=4, status=OcopCertificate.Status.PENDING)
    data.unpublished = _product(
        name="Nước mắm thử nghiệm",
        category=fish_sauce,
        seller=ca_na,
        price=50_000,
        description="Chưa bán, Ninh Thuận.",
        is_published=False,
        published_at=None,
    )
    data.from_suspended = _product(
        name="Nước mắm cá thu",
        category=fish_sauce,
        seller=suspended,
        price=90_000,
        description="Ninh Thuận.",
    )
    data.live = [
        data.fish_sauce_ca_na,
        data.fish_sauce_anchovy,
        data.shallots,
        data.shrimp_salt,
        data.rice_paper,
        data.garlic,
        data.grapes,
        data.honey,
    ]
    data.all = [*data.live, data.unpublished, data.from_suspended]
    deliver_and_refresh([product.pk for product in data.all])
    return data
