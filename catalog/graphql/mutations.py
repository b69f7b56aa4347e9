"""Catalog mutations: thin shells that decode IDs and call ``catalog.services``.

Each mutation declares the role it needs (``Meta.permissions``); the services
enforce the object-level rule through ``market.core.permissions``: a seller's
staff act on their own seller's products only, operators on any; OCOP
certificates are verified or revoked by auditors of the agriculture department
or by operators.
"""

import re

import graphene
from django.utils.translation import gettext as _

from catalog import services
from catalog.graphql.types import OcopCertificate, OcopProductGroupEnum, Product, ProductImage
from catalog.graphql.types import ProductVariant as ProductVariantType
from market.core.errors import invalid
from market.core.graphql.mutations import (
    BaseMutation,
    decode_id,
    error_codes,
    error_type_for,
    service_perform,
)
from market.core.graphql.upload import Upload
from market.core.permissions import AUDITOR_OR_OPERATOR, SELLER_STAFF_OR_OPERATOR

ProductErrorCode = error_codes(
    "ProductErrorCode",
    "DUPLICATED_SKU",
    "NEGATIVE_PRICE",
    "COMPARE_AT_PRICE_NOT_ABOVE_PRICE",
    "NEGATIVE_WEIGHT",
    "NEGATIVE_STOCK",
    "QUANTITY_BELOW_ALLOCATED",
    "SELLER_CANNOT_CHANGE",
    "CANNOT_DELETE",
    "INVALID_IMAGE",
    "IMAGE_TOO_LARGE",
    "UNSUPPORTED_IMAGE_FORMAT",
)
ProductError = error_type_for("ProductError", ProductErrorCode)


class BulkProductError(graphene.ObjectType):
    field = graphene.String(description="The input field at fault, if one is.")
    code = graphene.Field(ProductErrorCode, required=True)
    message = graphene.String(required=True)
    index = graphene.Int(description="Position (from 0) of the input row at fault, if one is.")


OcopCertificateErrorCode = error_codes(
    "OcopCertificateErrorCode",
    "INVALID_STARS",
    "INVALID_DATE",
    "INVALID_STATUS",
    "CERTIFICATE_EXPIRED",
)
OcopCertificateError = error_type_for("OcopCertificateError", OcopCertificateErrorCode)


# What every mutation of a subject answers errors with; each Meta adds who may call it.
class ProductMeta:
    error_type = ProductError
    error_code_enum = ProductErrorCode


class OcopCertificateMeta:
    error_type = OcopCertificateError
    error_code_enum = OcopCertificateErrorCode


# The role is declared; which seller is checked by the service, said here for the description.
OWN_SELLER_ONLY = "Staff act on their own seller's products only."
# Services key row errors "variants.<index>.<field>"; the base has camel-cased them.
_ROW_FIELD = re.compile(r"(?P<list>[A-Za-z]+)\.(?P<index>\d+)\.(?P<field>.+)")


def _present(data: dict, renames: dict[str, str] | None = None) -> dict:
    """The input fields the client sent (``null`` included), under the services' names."""
    renames = renames or {}
    return {renames.get(key, key): value for key, value in data.items()}


def _attributes(rows) -> dict | None:
    if rows is None:
        return None
    facts = {}
    for row in rows:
        name = row["name"].strip()
        if not name:
            raise invalid("attributes", _("Every product fact needs a name."), "REQUIRED")
        if name in facts:
            raise invalid(
                "attributes", _("The fact %(name)r is given twice.") % {"name": name}, "INVALID"
            )
        facts[name] = row["value"]
    return facts


# ---------------------------------------------------------------- products


class ProductAttributeInput(graphene.InputObjectType):
    name = graphene.String(required=True, description="e.g. `Xuất xứ`, `Quy cách`.")
    value = graphene.String(required=True, description="e.g. `Ninh Thuận`, `Hộp 500 g`.")


class ProductInput(graphene.InputObjectType):
    name = graphene.String()
    slug = graphene.String(
        description="Left out on creation, it is made from the name without diacritics."
    )
    description = graphene.String()
    category = graphene.ID()
    attributes = graphene.List(
        graphene.NonNull(ProductAttributeInput),
        description="Product facts: origin, unit, shelf life... Replaces all of them.",
    )
    is_published = graphene.Boolean(description="Publishing sets `publishedAt`.")
    seller = graphene.ID(
        description=(
            "The product's seller. Fixed at creation: an update may only repeat it. "
            "Staff of a single seller may leave it out on creation."
        )
    )


class ProductCreateInput(ProductInput):
    name = graphene.String(required=True)
    category = graphene.ID(required=True)


def _product_fields(input_data: dict) -> dict:
    fields = _present(input_data, {"category": "category_id", "seller": "seller_id"})
    if fields.get("category_id") is not None:
        fields["category_id"] = decode_id(fields["category_id"], "Category", field="category")
    if fields.get("seller_id") is not None:
        fields["seller_id"] = decode_id(fields["seller_id"], "Seller", field="seller")
    if "attributes" in fields:
        fields["attributes"] = _attributes(fields["attributes"])
    return fields


def _fields_of_product(input_data: dict) -> dict:
    """A variant's or certificate's input, ``product`` decoded as the service's ``product_id``."""
    fields = _present(input_data, {"product": "product_id"})
    fields["product_id"] = decode_id(fields["product_id"], "Product", field="product")
    return fields


class ProductCreate(BaseMutation):
    product = graphene.Field(Product)

    class Arguments:
        input = ProductCreateInput(required=True)

    class Meta(ProductMeta):
        description = f"Create a product. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.product_create, returns="product", unpack_input=_product_fields
    )


class ProductUpdate(BaseMutation):
    product = graphene.Field(Product)

    class Arguments:
        id = graphene.ID(required=True)
        input = ProductInput(required=True)

    class Meta(ProductMeta):
        description = (
            f"Change a product's fields; those left out keep their value. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.product_update,
        returns="product",
        ids={"id": ("product_id", "Product")},
        unpack_input=_product_fields,
    )


class ProductDelete(BaseMutation):
    product = graphene.Field(Product)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(ProductMeta):
        description = f"Delete a product with its variants, stock and pictures. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.product_delete, returns="product", ids={"id": ("product_id", "Product")}
    )


# ---------------------------------------------------------------- variants and stock


class ProductVariantInput(graphene.InputObjectType):
    sku = graphene.String()
    name = graphene.String(description="e.g. `Hộp 500 g`.")
    price = graphene.Int(description="Whole đồng, at most 1 000 000 000.")
    compare_at_price = graphene.Int(
        description="Whole đồng, the price before a discount: above `price`, or null."
    )
    weight_grams = graphene.Int()
    sort_order = graphene.Int()


class ProductVariantBulkCreateInput(ProductVariantInput):
    sku = graphene.String(required=True)
    price = graphene.Int(required=True, description="Whole đồng.")
    quantity = graphene.Int(
        default_value=0, description="Pieces in stock to start with, at most 1 000 000."
    )


class ProductVariantCreateInput(ProductVariantBulkCreateInput):
    product = graphene.ID(required=True)


class ProductVariantCreate(BaseMutation):
    product_variant = graphene.Field(ProductVariantType)

    class Arguments:
        input = ProductVariantCreateInput(required=True)

    class Meta(ProductMeta):
        description = f"Add a variant to a product, with its stock. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.variant_create, returns="product_variant", unpack_input=_fields_of_product
    )


class ProductVariantBulkCreate(BaseMutation):
    product_variants = graphene.List(graphene.NonNull(ProductVariantType))
    count = graphene.Int(required=True, description="Variants created.")

    class Arguments:
        product = graphene.ID(required=True)
        variants = graphene.List(graphene.NonNull(ProductVariantBulkCreateInput), required=True)

    class Meta(ProductMeta):
        description = (
            "Add several variants to a product: all of them, or none when any row is "
            f"at fault (each error names its row in `index`). {OWN_SELLER_ONLY}"
        )
        error_type = BulkProductError
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    @classmethod
    def mutate(cls, root, info, **data):
        payload = super().mutate(root, info, **data)
        if payload.count is None:
            payload.count = 0
        for error in payload.errors:
            match = _ROW_FIELD.fullmatch(error.field or "")
            if match:
                error.index = int(match["index"])
                error.field = match["field"]
        return payload

    @classmethod
    def perform(cls, _root, info, product, variants):
        created = services.variant_bulk_create(
            by=info.context.user,
            product_id=decode_id(product, "Product", field="product"),
            variants=[_present(row) for row in variants],
        )
        return {"product_variants": created, "count": len(created)}


class ProductVariantUpdate(BaseMutation):
    product_variant = graphene.Field(ProductVariantType)

    class Arguments:
        id = graphene.ID(required=True)
        input = ProductVariantInput(required=True)

    class Meta(ProductMeta):
        description = f"Change a variant's fields; stock has `stockUpdate`. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.variant_update,
        returns="product_variant",
        ids={"id": ("variant_id", "ProductVariant")},
    )


class ProductVariantDelete(BaseMutation):
    product_variant = graphene.Field(ProductVariantType)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(ProductMeta):
        description = f"Delete a variant and its stock. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.variant_delete,
        returns="product_variant",
        ids={"id": ("variant_id", "ProductVariant")},
    )


class StockUpdate(BaseMutation):
    product_variant = graphene.Field(ProductVariantType)

    class Arguments:
        variant = graphene.ID(required=True)
        quantity = graphene.Int(
            required=True,
            description="Pieces on hand; not below what unpaid orders hold.",
        )

    class Meta(ProductMeta):
        description = f"Set a variant's stock. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.stock_update,
        returns="product_variant",
        ids={"variant": ("variant_id", "ProductVariant")},
    )


# ---------------------------------------------------------------- pictures


class ProductImageCreate(BaseMutation):
    product = graphene.Field(Product)
    product_image = graphene.Field(ProductImage)

    class Arguments:
        product = graphene.ID(required=True)
        image = Upload(
            required=True,
            description="JPEG, PNG or WebP, sent by the GraphQL multipart request spec.",
        )
        alt = graphene.String(description="What the picture shows, for screen readers.")

    class Meta(ProductMeta):
        description = (
            "Add a picture to a product; WebP thumbnails follow shortly after. " + OWN_SELLER_ONLY
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    @classmethod
    def perform(cls, _root, info, product, image, alt=None):
        created = services.product_image_create(
            by=info.context.user,
            product_id=decode_id(product, "Product", field="product"),
            upload=image,
            alt=alt or "",
        )
        return {"product": created.product, "product_image": created}


class ProductImageDelete(BaseMutation):
    product = graphene.Field(Product)
    product_image = graphene.Field(ProductImage)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(ProductMeta):
        description = f"Delete a picture and its thumbnails. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    @classmethod
    def perform(cls, _root, info, id):
        deleted = services.product_image_delete(
            by=info.context.user, image_id=decode_id(id, "ProductImage")
        )
        return {"product": deleted.product, "product_image": deleted}


# ---------------------------------------------------------------- OCOP certificates


class OcopCertificateSubmitInput(graphene.InputObjectType):
    product = graphene.ID(required=True)
    stars = graphene.Int(required=True, description="3 or 4 (provincial) or 5 (national).")
    certificate_number = graphene.String(required=True)
    issuing_decision = graphene.String(
        required=True, description="e.g. `Quyết định số 1234/QĐ-UBND ngày 15/3/2025`."
    )
    product_group = OcopProductGroupEnum(required=True)
    issued_on = graphene.Date(required=True)
    expires_on = graphene.Date(description="Left out, 36 months after issue.")


class OcopCertificateSubmit(BaseMutation):
    ocop_certificate = graphene.Field(OcopCertificate)

    class Arguments:
        input = OcopCertificateSubmitInput(required=True)

    class Meta(OcopCertificateMeta):
        description = (
            "Submit a product's OCOP certificate for review; it shows stars once "
            f"verified. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.ocop_certificate_submit,
        returns="ocop_certificate",
        unpack_input=_fields_of_product,
    )


class OcopCertificateVerify(BaseMutation):
    ocop_certificate = graphene.Field(OcopCertificate)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(OcopCertificateMeta):
        description = "Confirm a pending certificate against the issuing decision."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        services.ocop_certificate_verify,
        returns="ocop_certificate",
        ids={"id": ("certificate_id", "OcopCertificate")},
    )


class OcopCertificateRevoke(BaseMutation):
    ocop_certificate = graphene.Field(OcopCertificate)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True, description="Shown to the seller.")

    class Meta(OcopCertificateMeta):
        description = "Withdraw a pending or verified certificate."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        services.ocop_certificate_revoke,
        returns="ocop_certificate",
        ids={"id": ("certificate_id", "OcopCertificate")},
    )


class CatalogMutations(graphene.ObjectType):
    product_create = ProductCreate.Field()
    product_update = ProductUpdate.Field()
    product_delete = ProductDelete.Field()
    product_variant_create = ProductVariantCreate.Field()
    product_variant_bulk_create = ProductVariantBulkCreate.Field()
    product_variant_update = ProductVariantUpdate.Field()
    product_variant_delete = ProductVariantDelete.Field()
    stock_update = StockUpdate.Field()
    product_image_create = ProductImageCreate.Field()
    product_image_delete = ProductImageDelete.Field()
    ocop_certificate_submit = OcopCertificateSubmit.Field()
    ocop_certificate_verify = OcopCertificateVerify.Field()
    ocop_certificate_revoke = OcopCertificateRevoke.Field()
