"""Load the demo catalog: real sellers of Ninh Thuận, demo products, prices and certificates.

``data/sellers.csv`` lists the sellers (and the products) that the province's
digital-transformation reports name as listed on national e-commerce floors;
``data/catalog.json`` adds the categories and, for each seller, its products
with descriptions, translations, pack sizes, prices, stock and a few OCOP
certificates. The reports give no prices, stock, addresses or certificates, so
those values are demo values and are marked as such: certificate numbers start
with ``DEMO-``, every seller description ends with a notice, every product
carries ``attributes["demo"] = True``.

Seed data is written straight through the ORM, as Saleor's ``populatedb``
does: the services exist to check a user's request (permissions, ownership,
events), while this is known-good data loaded by the operator of the machine,
in one transaction, with ``update_or_create`` on natural keys (slugs, SKUs,
certificate numbers, e-mail addresses) so that loading twice changes nothing.
The one effect that must follow a catalog write, refreshing search, is asked
for explicitly at the end, as the catalog services do.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from catalog.models import (
    Category,
    CategoryTranslation,
    OcopCertificate,
    Product,
    ProductTranslation,
    ProductVariant,
    Stock,
)
from market.accounts.models import Address, User
from market.core import changes
from market.core.addresses import ward_named
from market.core.slugs import slugify_name as demo_slug
from market.demo import sales, shipping, trace
from market.demo.files import SELLERS_CSV as SELLERS_CSV
from market.demo.files import (
    DemoDataError,
    ListedSeller,
    check_demo_data,
    iter_categories,
    read_catalog,
    read_sellers,
)
from market.sellers.models import Seller, SellerMembership
from province.services.registry import registry_import

# Local demo accounts: the password is printed by ``manage.py load_demo`` on purpose.
DEMO_PASSWORD = "ocop-demo-2025"  # noqa: S105
DEMO_EMAIL_DOMAIN = "demo.ocop.vn"
OPERATOR_EMAIL = f"operator@{DEMO_EMAIL_DOMAIN}"
AUDITOR_EMAIL = f"auditor@{DEMO_EMAIL_DOMAIN}"
BUYER_EMAIL = f"buyer@{DEMO_EMAIL_DOMAIN}"
# The demo's operator, auditor and buyer: their e-mail address and fields.
PLATFORM_USERS = {
    "operator": (
        OPERATOR_EMAIL,
        # Operators run the marketplace, Django admin included (as create_superuser makes them).
        {
            "role": User.Role.OPERATOR,
            "is_staff": True,
            "is_superuser": True,
            "first_name": "Quản trị sàn",
            "last_name": "Demo",
        },
    ),
    "auditor": (
        AUDITOR_EMAIL,
        {"role": User.Role.AUDITOR, "first_name": "Cán bộ Sở Nông nghiệp", "last_name": "Demo"},
    ),
    "buyer": (BUYER_EMAIL, {"role": User.Role.BUYER, "first_name": "Lan", "last_name": "Nguyễn"}),
}
# Each seller's owner: a buyer's account, owner through its membership.
OWNER_FIELDS = {
    "role": User.Role.BUYER,
    "is_staff": False,
    "is_superuser": False,
    "first_name": "Chủ cơ sở",
    "last_name": "Demo",
}

DEMO_NOTICE = (
    "Giá, tồn kho và chứng nhận OCOP của cơ sở trên sàn này là dữ liệu minh họa (demo), "
    "không phải thông tin chính thức của cơ sở."
)
TRANSLATION_LANGUAGE = "en"
PROVINCE = "Khánh Hòa"  # Ninh Thuận was merged into Khánh Hòa on 2025-07-01.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def owner_email(seller_slug: str) -> str:
    return f"owner+{seller_slug}@{DEMO_EMAIL_DOMAIN}"


# ---------------------------------------------------------------- loading


@dataclass
class _Tally:
    present: dict
    created: dict

    def add(self, kind: str, created: bool) -> None:
        self.present[kind] += 1
        if created:
            self.created[kind] += 1


KINDS = (
    "users",
    "sellers",
    "memberships",
    "addresses",
    "categories",
    "category_translations",
    "products",
    "product_translations",
    "variants",
    "stocks",
    "certificates",
    *trace.TRACE_KINDS,
    *shipping.SHIPPING_KINDS,
    "registry_entries",
    *sales.SALES_KINDS,
)


def load_demo(*, reset: bool = False) -> dict:
    """Load (or refresh) the demo data in one transaction; returns what is there.

    ``reset`` first deletes the demo's traceability rows (sites and lots coded
    ``DEMO-``, with their append-only chains: ``trace.trace_delete``), the demo
    sellers, their products, the demo users and the demo categories no other
    product uses, so that edits made through the API are thrown away; it
    refuses when other rows (orders, a lot of another code) still point at demo
    products, sellers or sites.

    The summary counts each kind of row the demo consists of (the same on
    every load) and, under ``created``, how many of them this load inserted.
    """
    sellers = read_sellers()
    catalog = read_catalog()
    check_demo_data(sellers, catalog)
    tally = _Tally(present=dict.fromkeys(KINDS, 0), created=dict.fromkeys(KINDS, 0))
    with transaction.atomic():
        if reset:
            _delete_demo_data(sellers, catalog)
        # One hash for every demo account: hashing is slow on purpose, and all
        # the accounts share the one printed password anyway.
        password_hash = make_password(DEMO_PASSWORD)
        staff = _load_platform_users(password_hash, tally)
        categories = _load_categories(catalog["categories"], tally)
        listed = {seller.name: seller for seller in sellers}
        product_ids, demo_sellers = [], []
        for entry in catalog["sellers"]:
            row = listed[entry["name"]]
            seller = _load_seller(row, entry, tally)
            demo_sellers.append(seller)
            owner = _load_owner(seller, password_hash, tally)
            for product_entry in entry["products"]:
                product = _load_product(seller, row, product_entry, categories, tally)
                _load_certificate(product, product_entry, owner, staff["auditor"], tally)
                product_ids.append(product.pk)
        # After the catalog: lots name the demo products and variants.
        trace.trace_load(tally=tally, auditor=staff["auditor"])
        shipping.shipping_load(tally=tally, sellers=demo_sellers)
        # The department's OCOP registry, after the certificates it is matched to.
        _load_registry(tally)
        # Last: orders need the catalog's stock and the sellers' shipping methods.
        sales.sales_load(
            tally=tally, sellers=demo_sellers, buyer=staff["buyer"], auditor=staff["auditor"]
        )
        changes.change_record(topic=changes.PRODUCT, object_ids=product_ids)
    return {
        **tally.present,
        "created": tally.created,
        "password": DEMO_PASSWORD,
        "accounts": [
            {"email": OPERATOR_EMAIL, "role": User.Role.OPERATOR.value},
            {"email": AUDITOR_EMAIL, "role": User.Role.AUDITOR.value},
            {"email": BUYER_EMAIL, "role": User.Role.BUYER.value},
            *(
                {"email": owner_email(seller.slug), "role": "seller owner", "seller": seller.name}
                for seller in sellers
            ),
        ],
    }


# The department's registry (numbers DEMO-): five match a demo certificate by number, two
# only by name (suggested), the rest are OCOP products not (or not certified) here.
REGISTRY_CSV = Path(__file__).resolve().parent / "data" / "ocop_registry.csv"


def _load_registry(tally: _Tally) -> None:
    with REGISTRY_CSV.open("rb") as handle:
        outcome = registry_import(by=None, file=File(handle, name=REGISTRY_CSV.name), dry_run=False)
    if not outcome.record.applied:
        raise DemoDataError(f"{REGISTRY_CSV.name} refused: {outcome.record.row_errors}")
    for row in outcome.rows:
        tally.add("registry_entries", row.action == "created")


def _load_user(email: str, password_hash: str, tally: _Tally, **fields) -> User:
    user, created = User.objects.update_or_create(
        email=email, defaults={"password": password_hash, "is_active": True, **fields}
    )
    tally.add("users", created)
    return user


def _load_platform_users(password_hash: str, tally: _Tally) -> dict[str, User]:
    users = {
        key: _load_user(email, password_hash, tally, **fields)
        for key, (email, fields) in PLATFORM_USERS.items()
    }
    buyer = users["buyer"]
    # A made-up shipping address so that checkout can be tried at once: ward
    # and province only, as addresses are written since the 2025 reform.
    _, created = Address.objects.update_or_create(
        user=buyer,
        full_name="Nguyễn Lan (người mua demo)",
        defaults={
            "ward": "Phường Phan Rang",
            "province": PROVINCE,
            "former_district": "Phan Rang–Tháp Chàm",
        },
    )
    tally.add("addresses", created)
    return users


def _load_categories(nodes: list[dict], tally: _Tally) -> dict[str, Category]:
    """Categories by their Vietnamese name, which the product entries refer to."""
    by_name: dict[str, Category] = {}
    for node, parent in iter_categories(nodes):
        category, created = Category.objects.update_or_create(
            slug=demo_slug(node["name"]),
            defaults={
                "name": node["name"],
                "description": node.get("description", ""),
                "parent": by_name[parent["name"]] if parent else None,
                "is_agricultural": node.get("is_agricultural", False),
            },
        )
        tally.add("categories", created)
        _, created = CategoryTranslation.objects.update_or_create(
            category=category,
            language_code=TRANSLATION_LANGUAGE,
            defaults={"name": node["en"]["name"], "description": node["en"].get("description", "")},
        )
        tally.add("category_translations", created)
        by_name[node["name"]] = category
    return by_name


def _seller_description(row: ListedSeller, entry: dict) -> str:
    floors = ", ".join(row.listed_on)
    return f"{entry['description'].strip()} Gian hàng trên sàn: {floors}. {DEMO_NOTICE}"


def _load_seller(row: ListedSeller, entry: dict, tally: _Tally) -> Seller:
    seller, created = Seller.objects.update_or_create(
        slug=row.slug,
        defaults={
            "name": row.name,
            "kind": row.kind,
            "description": _seller_description(row, entry),
            "status": Seller.Status.ACTIVE,
        },
    )
    # Left alone: tax code, phone and e-mail (the reports give none, so the demo
    # invents none) and is_verified, which is the operator's decision.
    tally.add("sellers", created)
    place = entry.get("address")
    if place:
        # Only where the seller's own name gives the place (Cà Ná): ward or
        # commune and province, the district kept as the former one.
        fields = {
            "full_name": row.name,
            # Written here, not through the sellers' services: spelled as they would.
            "ward": ward_named(place["ward"]),
            "province": PROVINCE,
            "former_district": place.get("former_district", ""),
        }
        if seller.address_id:
            Address.objects.filter(pk=seller.address_id).update(**fields)
            tally.add("addresses", False)
        else:
            seller.address = Address.objects.create(**fields)
            seller.save(update_fields=["address", "updated_at"])
            tally.add("addresses", True)
    return seller


def _load_owner(seller: Seller, password_hash: str, tally: _Tally) -> User:
    owner = _load_user(owner_email(seller.slug), password_hash, tally, **OWNER_FIELDS)
    _, created = SellerMembership.objects.update_or_create(
        seller=seller, user=owner, defaults={"role": SellerMembership.Role.OWNER}
    )
    tally.add("memberships", created)
    return owner


def _fields_of(entry: dict, *names: str) -> dict:
    """The values of ``names`` in a demo entry, whose keys are the model's field names."""
    return {name: entry[name] for name in names}


def _product_attributes(row: ListedSeller, entry: dict) -> dict:
    attributes = dict(entry["attributes"])
    if entry["listed_as"]:
        attributes["listed_on"] = list(row.listed_on)
    attributes["demo"] = True
    return attributes


def _load_product(
    seller: Seller, row: ListedSeller, entry: dict, categories: dict[str, Category], tally: _Tally
) -> Product:
    fields = {
        "seller": seller,
        "category": categories[entry["category"]],
        "name": entry["name"],
        "description": entry["description"],
        "attributes": _product_attributes(row, entry),
        "is_published": True,
    }
    product, created = Product.objects.update_or_create(
        slug=demo_slug(entry["name"]),
        defaults=fields,
        create_defaults={**fields, "published_at": timezone.now()},
    )
    if product.published_at is None:
        product.published_at = timezone.now()
        product.save(update_fields=["published_at"])
    tally.add("products", created)
    _, created = ProductTranslation.objects.update_or_create(
        product=product,
        language_code=TRANSLATION_LANGUAGE,
        defaults={"name": entry["en"]["name"], "description": entry["en"]["description"]},
    )
    tally.add("product_translations", created)
    for position, variant_entry in enumerate(entry["variants"]):
        variant, created = ProductVariant.objects.update_or_create(
            sku=variant_entry["sku"],
            defaults={
                "product": product,
                "sort_order": position,
                **_fields_of(variant_entry, "name", "weight_grams", "price"),
            },
        )
        tally.add("variants", created)
        stock, created = Stock.objects.get_or_create(
            variant=variant, defaults={"quantity": variant_entry["stock"]}
        )
        # Units held for unpaid demo orders stay held: never drop below them.
        wanted = max(variant_entry["stock"], stock.quantity_allocated)
        if not created and stock.quantity != wanted:
            stock.quantity = wanted
            stock.save(update_fields=["quantity"])
        tally.add("stocks", created)
    return product


def _review_time(issued_on: datetime.date) -> datetime.datetime:
    # A fixed time rather than now(), so that loading again changes nothing.
    return datetime.datetime.combine(
        issued_on + datetime.timedelta(days=14), datetime.time(9, 0), tzinfo=VIETNAM
    )


def _load_certificate(
    product: Product, entry: dict, owner: User, auditor: User, tally: _Tally
) -> None:
    certificate = entry.get("certificate")
    if not certificate:
        return
    issued_on = datetime.date.fromisoformat(certificate["issued_on"])
    expires_on = OcopCertificate.default_expiry(issued_on)
    status = certificate["status"]
    # The demo outlives its dates: a verified certificate past its 36 months is expired.
    if status == OcopCertificate.Status.VERIFIED and expires_on < timezone.localdate():
        status = OcopCertificate.Status.EXPIRED
    reviewed = status != OcopCertificate.Status.PENDING
    _, created = OcopCertificate.objects.update_or_create(
        certificate_number=certificate["number"],
        defaults={
            **_fields_of(certificate, "stars", "issuing_decision", "product_group"),
            "product": product,
            "level": OcopCertificate.level_for(certificate["stars"]),
            "issued_on": issued_on,
            "expires_on": expires_on,
            "status": status,
            "submitted_by": owner,
            "reviewed_by": auditor if reviewed else None,
            "reviewed_at": _review_time(issued_on) if reviewed else None,
            "revocation_reason": "",
        },
    )
    tally.add("certificates", created)


# ---------------------------------------------------------------- reset


def _delete_demo_data(sellers: list[ListedSeller], catalog: dict) -> None:
    seller_slugs = [seller.slug for seller in sellers]
    demo_sellers = Seller.objects.filter(slug__in=seller_slugs)
    address_ids = [pk for pk in demo_sellers.values_list("address_id", flat=True) if pk]
    products = Product.objects.filter(seller__in=demo_sellers)
    product_ids = list(products.values_list("pk", flat=True))
    try:
        # The demo's orders first: their lines and parts point at products and sellers.
        sales.sales_delete()
        trace.trace_delete(seller_slugs=seller_slugs)
        # Variants, stock, images, translations and certificates go with their product.
        products.delete()
        demo_sellers.delete()
    except ProtectedError as error:
        raise DemoDataError(
            "Cannot reset the demo data: other rows (orders, lots or sites not coded DEMO-, "
            "say) still refer to demo products, sellers or sites "
            f"({len(error.protected_objects)} of them)."
        ) from error
    Address.objects.filter(pk__in=address_ids).delete()
    User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
    # Children before parents; a category another seller's product uses stays.
    for node, _ in reversed(list(iter_categories(catalog["categories"]))):
        category = Category.objects.filter(slug=demo_slug(node["name"])).first()
        if category and not category.products.exists() and not category.children.exists():
            category.delete()
    # Deleted products must leave the search index too.
    changes.change_record(topic=changes.PRODUCT, object_ids=product_ids)
