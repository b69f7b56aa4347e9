"""Every write to the catalog: products, variants, stock, pictures and OCOP certificates.

Callers use this package's interface (``from catalog import services``, then
``services.product_create(...)``); the modules hold one subject each. Each function takes
keyword-only arguments, runs in one transaction and checks who may act through
``market.core.permissions`` before it looks at the input, so a stranger learns nothing
from validation messages. Bad input is a ``ValidationError`` keyed by field, each error
with a code; a missing object is ``NotFound``; a refused actor is ``PermissionDenied``.
Field keys are the Python names (``compare_at_price``); the GraphQL layer renders them in
its own spelling. Text is checked by the model's fields (``full_clean``), uniqueness by
the database; only what no model field can say (the limits of what a shop can mean,
product facts, dates against today) is checked by hand.

Tasks are queued with ``transaction.on_commit`` so that a worker never looks for a row
that is not committed yet, and a rolled-back change queues nothing. Every change that
alters what search shows of a product (its text, prices, stock, OCOP stars, publication)
records the product in the search outbox in the same transaction, through
``common.reindex``.
"""

from catalog.services.certificates import (
    ocop_certificate_revoke,
    ocop_certificate_submit,
    ocop_certificate_verify,
    ocop_certificates_expire,
)
from catalog.services.common import UNSET
from catalog.services.pictures import (
    product_image_create,
    product_image_delete,
    product_thumbnails_create,
)
from catalog.services.products import (
    MAX_ATTRIBUTES,
    category_changed,
    product_create,
    product_delete,
    product_update,
)
from catalog.services.variants import (
    MAX_VARIANTS_PER_BULK,
    stock_update,
    variant_bulk_create,
    variant_create,
    variant_delete,
    variant_update,
)

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_VARIANTS_PER_BULK",
    "UNSET",
    "category_changed",
    "ocop_certificate_revoke",
    "ocop_certificate_submit",
    "ocop_certificate_verify",
    "ocop_certificates_expire",
    "product_create",
    "product_delete",
    "product_image_create",
    "product_image_delete",
    "product_thumbnails_create",
    "product_update",
    "stock_update",
    "variant_bulk_create",
    "variant_create",
    "variant_delete",
    "variant_update",
]
