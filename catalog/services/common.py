"""What every catalog service shares: the error collector, the field checks the models
cannot express, the lookups that check permission first, file clean-up and ``reindex``."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from catalog.models import Product, ProductVariant
from market.core import changes
from market.core.errors import DomainError, NotFound
from market.core.permissions import fetch_for_seller_staff


class _Unset:
    """An argument that was not given, as opposed to one given as ``None``."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


class FieldErrors:
    """Collects field errors so that one answer lists every problem with the input."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        key = f"{self.prefix}{field}"
        self.by_field.setdefault(key, []).append(ValidationError(message, code=code))

    def merge(self, other: "FieldErrors") -> None:
        for field, errors in other.by_field.items():
            self.by_field.setdefault(field, []).extend(errors)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------
# Checks by the model's own fields (max_length, blank, choices, the slug format)

# When a value breaks several rules, the one reported (the others are then moot).
_PREFERRED_CODES = ("blank", "null", "required", "max_length")


def model_field(errors: FieldErrors, instance, field: str, value, *, messages=None) -> str:
    """Set the text ``field`` of ``instance`` to ``value``, stripped, and check it with
    ``full_clean`` against the model field's own rules (blank, max_length, choices, a
    slug's letters), reporting at most one error in the catalog's words. ``messages``
    gives the sentence (code ``INVALID``) for some of Django's codes instead."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _("Must be text."), "INVALID")
        setattr(instance, field, "")
        return ""
    value = value.strip()
    setattr(instance, field, value)
    exclude = [f.name for f in instance._meta.fields if f.name != field]
    try:
        # Uniqueness and constraints are the database's (see the callers' IntegrityError).
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        found = {item.code: item for item in exc.error_dict.get(field, [])}
        code = next((code for code in _PREFERRED_CODES if code in found), next(iter(found), None))
        if code is not None:
            errors.add(field, *_house_error(found[code], messages or {}))
    return value


def _house_error(error: ValidationError, messages: dict) -> tuple[str, str]:
    if error.code in messages:
        return messages[error.code], "INVALID"
    if error.code in ("blank", "null", "required"):
        return _("This field is required."), "REQUIRED"
    if error.code == "max_length":
        return _too_long(error.params["limit_value"]), "INVALID"
    return str(error.message % (error.params or {})), "INVALID"


# ---------------------------------------------------------------------------
# Checks the models cannot express: limits of what a shop can mean, not of a column


def checked_text(errors: FieldErrors, field: str, value, *, max_length: int, required: bool) -> str:
    """Text kept in a ``TextField`` (no column limit) or required only by this service."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _("Must be text."), "INVALID")
        return ""
    value = value.strip()
    if required and not value:
        errors.add(field, _("This field is required."), "REQUIRED")
    elif len(value) > max_length:
        errors.add(field, _too_long(max_length), "INVALID")
    return value


def _too_long(limit: int) -> str:
    return ngettext("At most %(count)d character.", "At most %(count)d characters.", limit) % {
        "count": limit
    }


def checked_amount(
    errors: FieldErrors, field: str, value, *, negative_code: str, maximum: int, required: bool
):
    """A whole, non-negative number (VND, grams, pieces) or ``None`` when allowed.

    Hand-written: a model field would take ``True`` or ``2.5`` as a number, and its
    limits are the column's, far above what a shop can mean (``maximum``)."""
    if value is None:
        if required:
            errors.add(field, _("This field is required."), "REQUIRED")
        return None
    if not is_int(value):
        errors.add(field, _("Must be a whole number."), "INVALID")
        return None
    if value < 0:
        errors.add(field, _("Cannot be negative."), negative_code)
    elif value > maximum:
        errors.add(field, _("Cannot be more than %(maximum)d.") % {"maximum": maximum}, "INVALID")
    return value


# ---------------------------------------------------------------------------
# Lookups: permission before existence

# One whole sentence per kind of object, as translators need, keyed by ``fetch``'s label.
_DOES_NOT_EXIST = {
    "Product": gettext_lazy("Product %(id)s does not exist."),
    "Variant": gettext_lazy("Variant %(id)s does not exist."),
    "Picture": gettext_lazy("Picture %(id)s does not exist."),
    "Certificate": gettext_lazy("Certificate %(id)s does not exist."),
}


def fetch(queryset, pk, *, field: str, label: str):
    if not is_int(pk):
        raise NotFound(_DOES_NOT_EXIST[label] % {"id": repr(pk)}, field=field)
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_DOES_NOT_EXIST[label] % {"id": pk}, field=field)
    return obj


def fetch_for_staff(queryset, pk, *, by, seller_field: str, field: str, label: str):
    """The object if ``by`` may manage it (``market.core.permissions``: permission before
    existence, so nobody can probe the IDs of other sellers' drafts)."""
    return fetch_for_seller_staff(
        queryset,
        pk,
        by=by,
        seller_field=seller_field,
        not_found=NotFound(
            _DOES_NOT_EXIST[label] % {"id": repr(pk) if not is_int(pk) else pk}, field=field
        ),
    )


def product_for_staff(by, product_id, *, field: str, lock: bool = False) -> Product:
    queryset = Product.objects.select_for_update() if lock else Product.objects.all()
    return fetch_for_staff(
        queryset, product_id, by=by, seller_field="seller_id", field=field, label="Product"
    )


def variant_for_staff(by, variant_id, *, field: str, lock: bool = False) -> ProductVariant:
    queryset = ProductVariant.objects.select_related("product")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return fetch_for_staff(
        queryset,
        variant_id,
        by=by,
        seller_field="product__seller_id",
        field=field,
        label="Variant",
    )


# ---------------------------------------------------------------------------
# Search and stored files


def reindex(*product_ids: int) -> None:
    """Record the products as changed (market.core.changes), in the caller's transaction:
    search reindexes them on delivery."""
    changes.change_record(topic=changes.PRODUCT, object_ids=product_ids)


def reindex_category(category_id: int) -> None:
    """Record the category as changed: search expands it into the products under it."""
    changes.change_record(topic=changes.CATEGORY, object_ids=[category_id])


def delete_files(storage, names: list[str]) -> None:
    for name in names:
        if name:
            storage.delete(name)


def delete_files_on_commit(file_fields) -> None:
    """Remove stored files once the rows that named them are gone for good."""
    files = [f for f in file_fields if f and f.name]
    if not files:
        return
    storage = files[0].storage
    names = [f.name for f in files]
    transaction.on_commit(partial(delete_files, storage, names), robust=True)


_CANNOT_DELETE = {
    "product": gettext_lazy(
        "The product is referred to by orders or other records and cannot be deleted; "
        "unpublish it instead."
    ),
    "variant": gettext_lazy(
        "The variant is referred to by orders or other records and cannot be deleted; "
        "unpublish its product instead."
    ),
}


def protected_delete(obj, what: str) -> None:
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError):
        raise DomainError(str(_CANNOT_DELETE[what]), code="CANNOT_DELETE") from None
