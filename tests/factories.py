"""factory-boy factories shared by all tests; Vietnamese demo-like values."""

import datetime

import factory
from django.utils import timezone

from catalog.models import Category, OcopCertificate, Product, ProductVariant, Stock
from market.accounts.models import User
from market.sellers.models import Seller, SellerMembership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nguoidung{n}@example.vn")
    first_name = "Lan"
    last_name = "Nguyễn"
    role = User.Role.BUYER
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-an-toan-2025")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"HTX Nông nghiệp Phước Hậu {n}")
    slug = factory.Sequence(lambda n: f"htx-phuoc-hau-{n}")
    kind = Seller.Kind.COOPERATIVE
    status = Seller.Status.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerMembership

    seller = factory.SubFactory(SellerFactory)
    user = factory.SubFactory(UserFactory)
    role = SellerMembership.Role.STAFF


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Trái cây sấy {n}")
    slug = factory.Sequence(lambda n: f"trai-cay-say-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    seller = factory.SubFactory(SellerFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Nho sấy Ninh Thuận {n}")
    slug = factory.Sequence(lambda n: f"nho-say-ninh-thuan-{n}")
    description = "Nho xanh Ninh Thuận sấy dẻo, không đường."
    attributes = factory.LazyFunction(lambda: {"origin": "Ninh Thuận", "unit": "hộp"})
    is_published = True
    published_at = factory.LazyFunction(timezone.now)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = "Hộp 500 g"
    weight_grams = 500
    price = 85_000


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stock

    variant = factory.SubFactory(VariantFactory)
    quantity = 50
    quantity_allocated = 0


class OcopCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OcopCertificate

    product = factory.SubFactory(ProductFactory)
    stars = 4
    certificate_number = factory.Sequence(lambda n: f"DEMO-OCOP-{n:04d}")
    issuing_decision = "DEMO Quyết định số 1234/QĐ-UBND"
    level = factory.LazyAttribute(lambda o: OcopCertificate.level_for(o.stars))
    product_group = OcopCertificate.ProductGroup.FOOD
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    expires_on = factory.LazyAttribute(lambda o: OcopCertificate.default_expiry(o.issued_on))
    status = OcopCertificate.Status.VERIFIED


class GrowingAreaFactory(factory.django.DjangoModelFactory):
    """An active growing area in Ninh Phước (Phan Rang's grape belt)."""

    class Meta:
        model = "traceability.Site"

    seller = factory.SubFactory(SellerFactory)
    kind = "growing_area"
    code = factory.Sequence(lambda n: f"VN-NTOR-{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"Vùng trồng nho số {n}")
    crops = factory.LazyFunction(lambda: ["Nho xanh NH01-48"])
    area_hectares = "2.5000"
    ward = "Xã Phước Hậu"
    province = "Khánh Hòa"
    former_district = "Huyện Ninh Phước"
    latitude = "11.535000"
    longitude = "108.930000"
    status = "active"


class PackingHouseFactory(GrowingAreaFactory):
    kind = "packing_house"
    code = factory.Sequence(lambda n: f"VN-NTPH-{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"Cơ sở đóng gói số {n}")
    crops = factory.LazyFunction(list)
    area_hectares = None


class LotFactory(factory.django.DjangoModelFactory):
    """A lot of a product of the area's seller, planted and not yet harvested."""

    class Meta:
        model = "traceability.Lot"

    growing_area = factory.SubFactory(GrowingAreaFactory)
    seller = factory.SelfAttribute("growing_area.seller")
    product = factory.SubFactory(ProductFactory, seller=factory.SelfAttribute("..seller"))
    code = factory.Sequence(lambda n: f"NT25-{n:05d}")
