"""Products: create, change and delete, with their slugs, category and facts."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Category, Product
from catalog.services import common
from catalog.services.common import UNSET
from market.core.errors import NotFound, invalid
from market.core.permissions import require_authenticated, require_seller_staff, seller_ids_of
from market.core.slugs import save_with_free_slug, slug_base
from market.core.transactions import service_transaction
from market.sellers.models import Seller

SLUG_MAX_LENGTH = 255
SLUG_SUFFIX_ROOM = 10  # "-" and up to nine digits of a de-duplicating counter
FALLBACK_SLUG = "san-pham"
# A description is a TextField (no column limit); this is what a product page can mean.
MAX_DESCRIPTION_LENGTH = 50_000
# Product facts (origin, unit, shelf life...) are a short list of short texts.
MAX_ATTRIBUTES = 30
MAX_ATTRIBUTE_NAME_LENGTH = 64
MAX_ATTRIBUTE_VALUE_LENGTH = 500


@service_transaction
def category_changed(*, category_id: int) -> None:
    """A category was renamed or moved: its products' category paths are stale."""
    common.reindex_category(category_id)


# ---------------------------------------------------------------------------
# Slugs


def _save_product(product: Product, *, slug_from: str | None) -> None:
    """Save, generating a free slug from ``slug_from`` when one is given."""
    if slug_from is not None:
        base = slug_base(
            slug_from, max_length=SLUG_MAX_LENGTH - SLUG_SUFFIX_ROOM, fallback=FALLBACK_SLUG
        )
        if not save_with_free_slug(product, base):
            raise invalid("slug", _("Could not find a free slug; give one explicitly."), "UNIQUE")
        return
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        if not Product.objects.filter(slug=product.slug).exclude(pk=product.pk).exists():
            raise
        raise invalid("slug", _("Another product already has this slug."), "UNIQUE") from None


def _check_slug(errors: common.FieldErrors, product: Product, slug) -> None:
    """The slug's form by the model field; a slug taken is checked here for a clear
    message, and by the unique index for two saves at once (``_save_product``)."""
    slug = common.model_field(
        errors,
        product,
        "slug",
        slug,
        messages={"invalid": _("Use only letters, digits, hyphens and underscores.")},
    )
    if "slug" in errors.by_field:
        return
    if Product.objects.filter(slug=slug).exclude(pk=product.pk).exists():
        errors.add("slug", _("Another product already has this slug."), "UNIQUE")


# ---------------------------------------------------------------------------
# Fields


def _publish(product: Product, is_published) -> None:
    """Keep ``published_at`` as the time of the current publication, ``None`` if hidden."""
    if is_published and not product.is_published:
        product.published_at = timezone.now()
    elif not is_published:
        product.published_at = None
    product.is_published = bool(is_published)


def _seller_for_new_product(by, seller_id) -> int:
    if seller_id is None:
        # Most cooperatives have one account per seller: let them leave it out.
        own = seller_ids_of(by)
        if len(own) == 1:
            return next(iter(own))
        raise invalid("seller", _("Choose the seller the product belongs to."), "REQUIRED")
    require_seller_staff(by, seller_id)
    if not common.is_int(seller_id) or not Seller.objects.filter(pk=seller_id).exists():
        raise NotFound(_("Seller %(id)s does not exist.") % {"id": seller_id}, field="seller")
    return seller_id


def _check_category(errors: common.FieldErrors, category_id) -> Category | None:
    if category_id is None:
        errors.add("category", _("This field is required."), "REQUIRED")
        return None
    category = (
        Category.objects.filter(pk=category_id).first() if common.is_int(category_id) else None
    )
    if category is None:
        errors.add(
            "category",
            _("Category %(id)s does not exist.") % {"id": category_id},
            "NOT_FOUND",
        )
    return category


def _check_attributes(errors: common.FieldErrors, attributes) -> dict:
    """Hand-written: a ``JSONField`` takes any document; facts are a short flat list."""
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        errors.add("attributes", _("Must be an object of product facts."), "INVALID")
        return {}
    if len(attributes) > MAX_ATTRIBUTES:
        errors.add(
            "attributes",
            _("At most %(count)d product facts.") % {"count": MAX_ATTRIBUTES},
            "INVALID",
        )
        return {}
    for name, value in attributes.items():
        if not isinstance(name, str) or len(name) > MAX_ATTRIBUTE_NAME_LENGTH:
            errors.add(
                "attributes",
                _("A fact's name has at most %(count)d characters.")
                % {"count": MAX_ATTRIBUTE_NAME_LENGTH},
                "INVALID",
            )
        elif not _is_short_fact_value(value):
            errors.add(
                "attributes",
                _("The fact %(name)r has at most %(count)d characters of text.")
                % {"name": name, "count": MAX_ATTRIBUTE_VALUE_LENGTH},
                "INVALID",
            )
    return attributes


def _is_short_fact_value(value, *, in_list: bool = False) -> bool:
    """Short text (or a number, yes/no), or a short flat list of them, as the demo's facts are."""
    if isinstance(value, list):
        return (
            not in_list
            and len(value) <= MAX_ATTRIBUTES
            and all(_is_short_fact_value(item, in_list=True) for item in value)
        )
    if isinstance(value, str):
        return len(value) <= MAX_ATTRIBUTE_VALUE_LENGTH
    return value is None or isinstance(value, int | float | bool)


def _check_description(errors: common.FieldErrors, description) -> str:
    return common.checked_text(
        errors, "description", description, max_length=MAX_DESCRIPTION_LENGTH, required=False
    )


# ---------------------------------------------------------------------------
# Products


@service_transaction
def product_create(
    *,
    by,
    name: str,
    category_id: int,
    seller_id: int | None = None,
    slug: str | None = None,
    description: str = "",
    attributes: dict | None = None,
    is_published: bool = False,
) -> Product:
    """A new product of ``seller_id`` (or ``by``'s only seller); its seller never changes."""
    require_authenticated(by)
    seller_id = _seller_for_new_product(by, seller_id)
    errors = common.FieldErrors()
    product = Product(seller_id=seller_id)
    common.model_field(errors, product, "name", name)
    product.description = _check_description(errors, description)
    product.attributes = _check_attributes(errors, attributes)
    category = _check_category(errors, category_id)
    if slug is not None:
        _check_slug(errors, product, slug)
    errors.raise_if_any()
    product.category = category
    _publish(product, is_published)
    _save_product(product, slug_from=product.name if slug is None else None)
    common.reindex(product.pk)
    return product


@service_transaction
def product_update(
    *,
    by,
    product_id: int,
    name=UNSET,
    category_id=UNSET,
    seller_id=UNSET,
    slug=UNSET,
    description=UNSET,
    attributes=UNSET,
    is_published=UNSET,
) -> Product:
    """Change the given fields; a name change keeps the slug, so links keep working."""
    product = common.product_for_staff(by, product_id, field="id", lock=True)
    errors = common.FieldErrors()
    if seller_id not in (UNSET, None) and seller_id != product.seller_id:
        # Orders, payouts and certificates follow the seller: a product never moves.
        errors.add("seller", _("A product cannot move to another seller."), "SELLER_CANNOT_CHANGE")
    if name is not UNSET:
        common.model_field(errors, product, "name", name)
    if description is not UNSET:
        product.description = _check_description(errors, description)
    if category_id is not UNSET:
        category = _check_category(errors, category_id)
        if category is not None:
            product.category = category
    if slug is not UNSET:
        _check_slug(errors, product, slug)
    if attributes is not UNSET:
        product.attributes = _check_attributes(errors, attributes)
    errors.raise_if_any()
    if is_published not in (UNSET, None):
        _publish(product, is_published)
    _save_product(product, slug_from=None)
    common.reindex(product.pk)
    return product


@service_transaction
def product_delete(*, by, product_id: int) -> Product:
    """Delete the product with its variants, stock, pictures and certificates.

    The returned instance keeps its primary key so the caller can name what
    was deleted.
    """
    product = common.product_for_staff(by, product_id, field="id", lock=True)
    pk = product.pk
    files = []
    for image in product.images.prefetch_related("thumbnails"):
        files.append(image.image)
        files.extend(thumbnail.file for thumbnail in image.thumbnails.all())
    common.protected_delete(product, "product")
    common.delete_files_on_commit(files)
    # The outbox holds plain ids, so the deleted product is still removed from the index.
    common.reindex(pk)
    product.pk = pk
    return product
