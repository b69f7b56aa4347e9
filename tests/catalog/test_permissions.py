"""Who may run each catalog mutation: every mutation as every role.

A seller's own staff and owner, and operators, manage the seller's products;
auditors of the agriculture department and operators review OCOP
certificates. Everybody else is refused, and a refused call leaves every
catalog table, the search outbox and the media folder exactly as they were.
"""

import datetime
import io
import json
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id
from PIL import Image

from catalog import services
from catalog.graphql.mutations import CatalogMutations
from catalog.models import (
    Category,
    OcopCertificate,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Stock,
)
from market.core.models import ChangeRecord
from tests.conftest import ROLES
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    ProductFactory,
    StockFactory,
    VariantFactory,
)
from tests.permission_matrix import assert_matrix_cell

pytestmark = pytest.mark.django_db

SELLER_SIDE = {"own_staff", "own_owner", "operator"}
REVIEWERS = {"auditor", "operator"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PRODUCT_THUMBNAIL_SIZES = (64,)
    return tmp_path


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 140, 60)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Catalog:
    category: Category
    product: Product
    variant: ProductVariant
    image: ProductImage
    pending: OcopCertificate
    verified: OcopCertificate


@pytest.fixture
def catalog(roles) -> Catalog:
    category = CategoryFactory(name="Nông sản tươi", slug="nong-san-tuoi")
    product = ProductFactory(seller=roles["seller"], category=category, name="Táo xanh Phước Thuận")
    stock = StockFactory(variant=VariantFactory(product=product, sku="TAO-1KG"), quantity=30)
    image = services.product_image_create(
        by=roles["operator"],
        product_id=product.pk,
        upload=SimpleUploadedFile("tao.png", png_bytes(), content_type="image/png"),
    )
    services.product_thumbnails_create(image_id=image.pk)
    pending = OcopCertificateFactory(
        product=product, certificate_number="OCOP-NT-CHO", status=OcopCertificate.Status.PENDING
    )
    verified = OcopCertificateFactory(product=product, certificate_number="OCOP-NT-DA")
    ChangeRecord.objects.all().delete()
    return Catalog(category, product, stock.variant, image, pending, verified)


@dataclass(frozen=True)
class Case:
    document: str
    allowed: set[str]
    variables: object  # (catalog, roles) -> dict
    upload: bool = False


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


CASES = {
    "productCreate": Case(
        """mutation($input: ProductCreateInput!) {
             productCreate(input: $input) { product { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {
            "input": {
                "name": "Rong nho Ninh Thuận",
                "category": gid("Category", c.category.pk),
                "seller": gid("Seller", r["seller"].pk),
            }
        },
    ),
    "productUpdate": Case(
        """mutation($id: ID!, $input: ProductInput!) {
             productUpdate(id: $id, input: $input) { product { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {"id": gid("Product", c.product.pk), "input": {"name": "Táo xanh loại 1"}},
    ),
    "productDelete": Case(
        """mutation($id: ID!) {
             productDelete(id: $id) { product { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {"id": gid("Product", c.product.pk)},
    ),
    "productVariantCreate": Case(
        """mutation($input: ProductVariantCreateInput!) {
             productVariantCreate(input: $input) {
               productVariant { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {
            "input": {"product": gid("Product", c.product.pk), "sku": "TAO-2KG", "price": 70_000}
        },
    ),
    "productVariantBulkCreate": Case(
        """mutation($product: ID!, $variants: [ProductVariantBulkCreateInput!]!) {
             productVariantBulkCreate(product: $product, variants: $variants) {
               count errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {
            "product": gid("Product", c.product.pk),
            "variants": [
                {"sku": "TAO-500G", "price": 20_000},
                {"sku": "TAO-5KG", "price": 160_000},
            ],
        },
    ),
    "productVariantUpdate": Case(
        """mutation($id: ID!, $input: ProductVariantInput!) {
             productVariantUpdate(id: $id, input: $input) {
               productVariant { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {"id": gid("ProductVariant", c.variant.pk), "input": {"price": 38_000}},
    ),
    "productVariantDelete": Case(
        """mutation($id: ID!) {
             productVariantDelete(id: $id) { productVariant { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {"id": gid("ProductVariant", c.variant.pk)},
    ),
    "stockUpdate": Case(
        """mutation($variant: ID!, $quantity: Int!) {
             stockUpdate(variant: $variant, quantity: $quantity) {
               productVariant { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {"variant": gid("ProductVariant", c.variant.pk), "quantity": 77},
    ),
    "productImageCreate": Case(
        """mutation($product: ID!, $image: Upload!) {
             productImageCreate(product: $product, image: $image) {
               productImage { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {"product": gid("Product", c.product.pk), "image": None},
        upload=True,
    ),
    "productImageDelete": Case(
        """mutation($id: ID!) {
             productImageDelete(id: $id) { productImage { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {"id": gid("ProductImage", c.image.pk)},
    ),
    "ocopCertificateSubmit": Case(
        """mutation($input: OcopCertificateSubmitInput!) {
             ocopCertificateSubmit(input: $input) {
               ocopCertificate { id } errors { field code } } }""",
        SELLER_SIDE,
        lambda c, r: {
            "input": {
                "product": gid("Product", c.product.pk),
                "stars": 3,
                "certificateNumber": "OCOP-NT-MOI",
                "issuingDecision": "Quyết định số 310/QĐ-UBND",
                "productGroup": "FOOD",
                "issuedOn": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
            }
        },
    ),
    "ocopCertificateVerify": Case(
        """mutation($id: ID!) {
             ocopCertificateVerify(id: $id) { ocopCertificate { id } errors { field code } } }""",
        REVIEWERS,
        lambda c, r: {"id": gid("OcopCertificate", c.pending.pk)},
    ),
    "ocopCertificateRevoke": Case(
        """mutation($id: ID!, $reason: String!) {
             ocopCertificateRevoke(id: $id, reason: $reason) {
               ocopCertificate { id } errors { field code } } }""",
        REVIEWERS,
        lambda c, r: {
            "id": gid("OcopCertificate", c.verified.pk),
            "reason": "Cơ sở không còn đáp ứng điều kiện sản xuất.",
        },
    ),
}


def snapshot(media_root) -> dict:
    """Every catalog row, the search outbox and the stored files."""
    models = (
        Category,
        Product,
        ProductVariant,
        Stock,
        ProductImage,
        ProductImageThumbnail,
        OcopCertificate,
    )
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    state["ChangeRecord"] = list(ChangeRecord.objects.values_list("object_id", flat=True))
    state["files"] = sorted(str(path) for path in media_root.rglob("*") if path.is_file())
    return state


def run(client, case: Case, variables: dict, headers: dict) -> tuple[int, dict]:
    if case.upload:
        operations = {"query": case.document, "variables": variables}
        data = {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.image"]}),
            "0": SimpleUploadedFile("tao-xanh.png", png_bytes(), content_type="image/png"),
        }
        response = client.post("/graphql/", data, **headers)
    else:
        response = client.post(
            "/graphql/",
            {"query": case.document, "variables": variables},
            content_type="application/json",
            **headers,
        )
    return response.status_code, response.json()


def test_the_matrix_covers_every_catalog_mutation():
    declared = {to_camel_case(name) for name in CatalogMutations._meta.fields}
    assert declared == set(CASES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", list(CASES))
def test_permission_matrix(
    client,
    auth_headers,
    roles,
    catalog,
    media_root,
    django_capture_on_commit_callbacks,
    mailoutbox,
    mutation,
    role,
):
    case = CASES[mutation]
    before = snapshot(media_root)

    # Callbacks run as if the request had committed: a refused call must not
    # have queued anything that would change the state afterwards either.
    with django_capture_on_commit_callbacks(execute=True):
        status, body = run(client, case, case.variables(catalog, roles), auth_headers(roles[role]))

    assert status == 200, body
    assert_matrix_cell(
        body=body,
        mutation=mutation,
        role=role,
        allowed=case.allowed,
        signed_out={"anonymous"},
        before=before,
        snapshot=lambda: snapshot(media_root),
        mailoutbox=mailoutbox,
    )


# ---------------------------------------------------------------- the admin


@pytest.fixture
def admin_operator():
    from market.accounts.models import User

    return User.objects.create_superuser("quantri@example.vn", "mat-khau-quan-tri-2025")


def shown(response) -> list:
    """The rows a change list page shows."""
    return list(response.context["cl"].result_list)


def test_admin_category_pages_find_and_edit_categories(client, admin_operator, catalog):
    client.force_login(admin_operator)
    CategoryFactory(name="Hải sản", slug="hai-san")

    found = client.get("/admin/catalog/category/", {"q": "nong-san"})
    page = client.get(f"/admin/catalog/category/{catalog.category.pk}/change/")

    assert shown(found) == [catalog.category]
    # Categories carry no rule beyond their columns: the one page an operator saves.
    assert page.context["adminform"].form.initial["name"] == "Nông sản tươi"
    assert 'name="_save"' in page.text


def test_admin_product_pages_find_by_sku_and_only_show_the_product(client, admin_operator, catalog):
    client.force_login(admin_operator)
    ProductFactory(name="Nho đỏ Phan Rang")

    found = client.get("/admin/catalog/product/", {"q": "TAO-1KG"})
    page = client.get(f"/admin/catalog/product/{catalog.product.pk}/change/")

    assert shown(found) == [catalog.product]
    # Written through the API only: every field is read-only, its variants shown beside it.
    assert page.context["adminform"].form.fields == {}
    assert "Táo xanh Phước Thuận" in page.text
    assert "TAO-1KG" in page.text
    assert page.context["has_add_permission"] is False


def test_admin_picture_pages_count_thumbnails_and_only_show_the_picture(
    client, admin_operator, catalog
):
    client.force_login(admin_operator)

    found = client.get("/admin/catalog/productimage/", {"q": "Táo xanh"})
    page = client.get(f"/admin/catalog/productimage/{catalog.image.pk}/change/")

    (image,) = shown(found)
    assert image == catalog.image
    assert image.thumbnail_total == catalog.image.thumbnails.count() > 0
    assert page.context["adminform"].form.fields == {}


def test_admin_certificate_pages_find_by_number_and_delete_nothing(client, admin_operator, catalog):
    client.force_login(admin_operator)

    found = client.get("/admin/catalog/ocopcertificate/", {"q": "OCOP-NT-CHO"})
    page = client.get(f"/admin/catalog/ocopcertificate/{catalog.pending.pk}/change/")

    assert shown(found) == [catalog.pending]
    # A certificate is the department's review: changed by actions only, never deleted.
    assert page.context["adminform"].form.fields == {}
    assert page.context["has_delete_permission"] is False
    assert "OCOP-NT-CHO" in page.text


def test_admin_actions_go_through_the_services_rules(client, roles, catalog):
    # Django staff without the operator role: the admin lets them in, the service does not.
    helper = roles["buyer"]
    helper.is_staff = True
    helper.is_superuser = True
    helper.save()
    client.force_login(helper)

    response = client.post(
        "/admin/catalog/ocopcertificate/",
        {"action": "verify", "_selected_action": [catalog.pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Chỉ cán bộ Sở Nông nghiệp hoặc quản trị sàn mới được" in response.text
    catalog.pending.refresh_from_db()
    assert catalog.pending.status == OcopCertificate.Status.PENDING

    helper.role = "operator"
    helper.save()
    client.post(
        "/admin/catalog/ocopcertificate/",
        {"action": "verify", "_selected_action": [catalog.pending.pk]},
    )
    catalog.pending.refresh_from_db()
    assert catalog.pending.status == OcopCertificate.Status.VERIFIED


def test_admin_unpublish_uses_the_service(client, admin_operator, catalog):
    client.force_login(admin_operator)
    client.post(
        "/admin/catalog/product/",
        {"action": "unpublish", "_selected_action": [catalog.product.pk]},
    )
    catalog.product.refresh_from_db()
    assert catalog.product.is_published is False
    assert catalog.product.published_at is None
