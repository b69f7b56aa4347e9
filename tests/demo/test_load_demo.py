"""The demo loader, on PostgreSQL: idempotent, faithful to sellers.csv, demo values marked."""

import copy
import csv
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Category, OcopCertificate, Product, ProductVariant, Stock
from market.accounts.models import User
from market.demo import loader
from market.sellers.models import Seller, SellerMembership

# Every table of the apps the loader writes, so a write to one more is counted too.
MODELS = tuple(
    model
    for label in ("accounts", "sellers", "catalog")
    for model in apps.get_app_config(label).get_models()
)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def csv_rows() -> list[dict]:
    with loader.SELLERS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def loaded(db):
    return loader.load_demo()


def test_loading_twice_gives_the_same_rows(loaded):
    first = row_counts()

    again = loader.load_demo()

    assert row_counts() == first
    assert {kind: again[kind] for kind in loader.KINDS} == {
        kind: loaded[kind] for kind in loader.KINDS
    }
    assert set(again["created"].values()) == {0}
    assert loaded["products"] == 30
    assert first["Product"] == 30


def test_every_seller_of_the_csv_exists_with_its_kind(loaded):
    rows = csv_rows()
    assert len(rows) == Seller.objects.count() == 12
    for row in rows:
        seller = Seller.objects.get(name=row["seller_name"])
        assert seller.kind == row["seller_kind"]
        assert seller.tax_code == ""
        assert seller.description.endswith(loader.DEMO_NOTICE)
        owner = SellerMembership.objects.get(seller=seller, role=SellerMembership.Role.OWNER).user
        assert owner.email == f"owner+{seller.slug}@demo.ocop.vn"


def test_sellers_the_reports_name_no_product_for_get_a_marked_demo_product(loaded):
    for row in csv_rows():
        if row["products"].strip():
            continue
        for product in Product.objects.filter(seller__name=row["seller_name"]):
            assert "Sản phẩm minh họa" in product.description
            assert product.attributes["demo"] is True
            assert "listed_on" not in product.attributes


def test_certificates_are_marked_demo(loaded):
    certificates = list(OcopCertificate.objects.all())
    assert 5 <= len(certificates) <= 10
    for certificate in certificates:
        assert certificate.certificate_number.startswith("DEMO-")
        assert certificate.issuing_decision.startswith("DEMO")
        assert certificate.stars in (3, 4)
        assert certificate.level == OcopCertificate.Level.PROVINCIAL
        assert certificate.product_group in ("food", "beverages")
        assert certificate.expires_on == OcopCertificate.default_expiry(certificate.issued_on)
    verified = [c for c in certificates if c.status == OcopCertificate.Status.VERIFIED]
    assert len(verified) > len(certificates) / 2
    assert all(c.reviewed_by.email == loader.AUDITOR_EMAIL for c in verified)


def test_prices_are_positive_whole_vnd(loaded):
    prices = list(ProductVariant.objects.values_list("price", flat=True))
    assert len(prices) == loaded["variants"]
    assert all(type(price) is int and price > 0 for price in prices)


def test_names_keep_their_diacritics_and_slugs_fold_them(loaded):
    product_names = set(Product.objects.values_list("name", flat=True))
    assert "Nước mắm nhĩ cá cơm Chi Ninh Cà Ná" in product_names
    assert any(name.startswith("Nước mắm") for name in product_names)
    category = Category.objects.get(name="Đồ uống")
    assert category.slug == "do-uong"
    assert category.translations.get(language_code="en").name == "Beverages"
    assert Category.objects.get(name="Nước mắm").parent.name == "Thực phẩm"
    assert Seller.objects.get(slug="cong-ty-tnhh-linh-dan-ninh-thuan").name == (
        "Công ty TNHH Linh Đan Ninh Thuận"
    )
    product = Product.objects.get(slug="thit-de-say-trieu-tin")
    assert product.translations.get(language_code="en").name == "Triệu Tín dried goat meat"
    assert product.attributes["origin"] == "Ninh Thuận"


def test_every_product_is_published_with_a_variant_in_stock(loaded):
    for product in Product.objects.prefetch_related("variants__stock"):
        assert product.is_published
        assert product.published_at is not None
        in_stock = [v for v in product.variants.all() if v.stock.quantity_available > 0]
        assert in_stock, product.name


def test_addresses_are_ward_and_province_only(loaded):
    seller = Seller.objects.get(name="Nước mắm nhĩ cá cơm truyền thống Chi Ninh Cà Ná")
    assert (seller.address.ward, seller.address.province, seller.address.former_district) == (
        "Xã Cà Ná",  # as the ward list spells it
        "Khánh Hòa",
        "Thuận Nam",
    )
    assert seller.address.street == ""
    # Where the seller's name gives no place, the demo invents none.
    assert Seller.objects.get(name="Hộ kinh doanh Quang Minh").address is None


def test_demo_accounts_share_the_printed_password(loaded):
    assert loaded["password"] == "ocop-demo-2025"
    emails = [account["email"] for account in loaded["accounts"]]
    assert len(emails) == 3 + 12
    users = User.objects.filter(email__in=emails)
    assert users.count() == len(emails)
    # One hash for all (the loader hashes once), and it is the printed password's.
    assert len({user.password for user in users}) == 1
    assert users.get(email=loader.BUYER_EMAIL).check_password("ocop-demo-2025")
    assert users.get(email=loader.OPERATOR_EMAIL).role == User.Role.OPERATOR
    assert users.get(email=loader.AUDITOR_EMAIL).role == User.Role.AUDITOR
    assert users.get(email=loader.BUYER_EMAIL).addresses.get().ward == "Phường Phan Rang"


def test_loading_again_restores_demo_values(loaded):
    variant = ProductVariant.objects.get(sku="CHININH-NUOCMAMNHI-500ML")
    variant.price = 1
    variant.save()
    Stock.objects.filter(variant=variant).update(quantity=0)

    loader.load_demo()

    variant.refresh_from_db()
    assert variant.price == 95_000
    assert variant.stock.quantity == 120


def test_reset_deletes_edits_and_loads_the_same_rows(loaded):
    before = row_counts()
    Product.objects.filter(slug="tra-mang-tay-linh-dan").update(name="Đã sửa")
    extra = Category.objects.create(name="Thủ công mỹ nghệ", slug="thu-cong-my-nghe")

    summary = loader.load_demo(reset=True)

    assert row_counts() == {**before, "Category": before["Category"] + 1}
    assert Product.objects.get(slug="tra-mang-tay-linh-dan").name == "Trà măng tây Linh Đan"
    assert Category.objects.filter(pk=extra.pk).exists()
    assert summary["created"]["products"] == 30


def test_command_prints_the_summary_and_the_password(db, settings, capfd):
    settings.DEBUG = True
    out = StringIO()

    call_command("load_demo", stdout=out)

    text = out.getvalue()
    assert re.search(r"products\s+30\s+\(30\)", text)
    assert "ocop-demo-2025" in text
    assert "owner+ho-kinh-doanh-quang-minh@demo.ocop.vn" in text
    captured = capfd.readouterr()
    assert "succeeded in" not in captured.out + captured.err, "eager task logs are noise here"


def test_command_refuses_to_run_without_debug_unless_told(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=false"):
        call_command("load_demo", stdout=StringIO())
    assert not Product.objects.exists()

    call_command("load_demo", "--allow-without-debug", stdout=StringIO())
    assert Product.objects.count() == 30


def test_files_that_disagree_are_refused_before_writing(db):
    sellers = loader.read_sellers()
    catalog = loader.read_catalog()
    loader.check_demo_data(sellers, catalog)

    broken = copy.deepcopy(catalog)
    broken["sellers"][1]["products"][0]["certificate"]["number"] = "OCOP-2024-0102"
    broken["sellers"][0]["products"][0]["variants"][0]["price"] = 65_000.5
    del broken["sellers"][-1]

    with pytest.raises(loader.DemoDataError) as error:
        loader.check_demo_data(sellers, broken)
    message = str(error.value)
    assert "does not start with DEMO-" in message
    assert "positive whole number" in message
    assert "Dê Cừu Triệu Tín" in message
    assert not Product.objects.exists()


def test_command_turns_bad_files_into_a_command_error(db, monkeypatch):
    monkeypatch.setattr(loader, "read_catalog", lambda: {"categories": [], "sellers": []})

    with pytest.raises(CommandError, match=r"differ from sellers\.csv"):
        call_command("load_demo", "--allow-without-debug", stdout=StringIO())
