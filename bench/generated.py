"""Pieces of the generated catalogs that the listing and search benchmarks share.

Django models are imported inside the functions: the scripts set the
environment and call ``django.setup()`` first.
"""

import datetime
import random

# The OCOP product group of a certificate, by the top category of its product.
PRODUCT_GROUPS = {"Đồ uống": "beverages", "Dược liệu": "herbs"}
# Words that end a generated product's name ("" for none); the search catalog adds its own.
QUALIFIERS = [
    "",
    "loại 1",
    "đặc biệt",
    "truyền thống",
    "nhà làm",
    "quà biếu",
    "chọn lọc",
    "mùa mới",
]


def jittered_price(rng: random.Random, price: int) -> int:
    """``price`` ±15 %, rounded to 1,000 đồng as shops price."""
    return int(round(price * rng.uniform(0.85, 1.15), -3))


def verified_certificate(product, category, stars: int, issued_on: datetime.date, number: str):
    """A verified ``DEMO-`` certificate of ``product`` (in ``category``), not yet saved."""
    from catalog.models import OcopCertificate

    top = category.parent.name if category.parent else category.name
    return OcopCertificate(
        product=product,
        stars=stars,
        certificate_number=f"DEMO-{number}",
        issuing_decision="DEMO – quyết định minh họa cho phép đo hiệu năng",
        level=OcopCertificate.level_for(stars),
        product_group=PRODUCT_GROUPS.get(top, "food"),
        issued_on=issued_on,
        expires_on=OcopCertificate.default_expiry(issued_on),
        status=OcopCertificate.Status.VERIFIED,
    )


def priced_variants(rng: random.Random, product, sku_stem: str, packs) -> list:
    """The variants of ``product``, one a ``(name, grams, price)`` pack, prices jittered, SKUs
    ``<sku_stem>-<position>``; not yet saved."""
    from catalog.models import ProductVariant

    return [
        ProductVariant(
            product=product,
            sku=f"{sku_stem}-{position}",
            name=pack,
            weight_grams=grams,
            price=jittered_price(rng, price),
            sort_order=position,
        )
        for position, (pack, grams, price) in enumerate(packs)
    ]
