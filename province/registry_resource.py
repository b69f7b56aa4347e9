"""The registry's import-export resource: cells to values, and the rows applied or not.

Why django-import-export rather than tablib alone: its ``ModelResource`` already does what
the registry import must, and is well tested at it: one result per row (new, update,
unchanged, invalid) holding the entry before and after, a dry run, and the whole import
rolled back when any row is refused (``rollback_on_validation_errors``), rows written in
batches (``use_bulk``). The department's particulars stay ours, around it:
``province.importing`` reads the file and cleans its cells into a ``tablib.Dataset`` of
canonical columns, the widgets below turn each cell into a value or a typed refusal
(``CellError``, kept with its code by ``import_instance``), updates are written one UPDATE
a row (``bulk_update``, below), and ``province.services.registry`` records the import and
matches what it applied. The package's admin integration, export views and HTML diffs are
not used (nor its translations: every message here is the project's own).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from catalog.models import OcopCertificate
from market.core.addresses import former_district_of, ward_named
from market.core.folding import fold
from province.importing import normalised_certificate_number
from province.models import RegistryEntry

# The department writes dates day first, as Vietnamese does (15/01/2025, 15-01-2025,
# 15.01.2025); ISO dates (2025-01-15) are taken too.
DAY_FIRST_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
OCOP_STARS = (3, 4, 5)
BATCH_SIZE = 100


class CellError(ValueError):
    """A cell that is not a value of its column: a ``ValidationError`` with ``code``."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _required() -> CellError:
    return CellError(_("This cell is required."), "REQUIRED")


class TextWidget(widgets.Widget):
    def __init__(self, *, max_length: int, required: bool = True):
        super().__init__()
        self.max_length = max_length
        self.required = required

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))  # a number typed in a text column (a decision number)
        if not text:
            if self.required:
                raise _required()
            return ""
        if len(text) > self.max_length:
            raise CellError(
                _("At most %(limit)d characters; this cell has %(length)d.")
                % {"limit": self.max_length, "length": len(text)},
                "TOO_LONG",
            )
        return text


class CertificateNumberWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return normalised_certificate_number(super().clean(value, row, **kwargs))


class StarsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise _required()
        stars = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            stars = int(value) if float(value).is_integer() else None
        elif isinstance(value, str):
            # "4", "4 sao", "4★": the number is what counts.
            found = re.fullmatch(r"\s*([0-9]+)\s*(sao|stars?|★+)?\s*", fold(value))
            stars = int(found.group(1)) if found else None
        if stars not in OCOP_STARS:
            raise CellError(
                _("OCOP stars are 3, 4 or 5; this cell holds %(value)s.") % {"value": value},
                "INVALID_STARS",
            )
        return stars


def _group_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(text))


_GROUP_OF_KEY = {
    _group_key(str(name)): code
    for code, label in OcopCertificate.ProductGroup.choices
    for name in (code, label)
}


class ProductGroupWidget(widgets.Widget):
    """A group by its code (``food``) or its Vietnamese name (``Thực phẩm``)."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value)
        if not text.strip():
            raise _required()
        code = _GROUP_OF_KEY.get(_group_key(text))
        if code is None:
            raise CellError(
                _("“%(value)s” is not an OCOP product group; use one of: %(groups)s.")
                % {
                    "value": text,
                    "groups": ", ".join(str(label) for _code, label in self.choices()),
                },
                "INVALID_GROUP",
            )
        return code

    @staticmethod
    def choices():
        return OcopCertificate.ProductGroup.choices


class DateWidget(widgets.Widget):
    def __init__(self, *, required: bool = True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise _required()
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            found = DAY_FIRST_DATE.fullmatch(text)
            try:
                if found:
                    day, month, year = (int(part) for part in found.groups())
                    return datetime.date(year, month, day)
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass  # 31/02/2025, or no date at all
        raise CellError(
            _("“%(value)s” is not a date; write it as day/month/year, e.g. 15/01/2025.")
            % {"value": value},
            "INVALID_DATE",
        )


def _field(name: str, widget: widgets.Widget) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=widget)


class RegistryEntryResource(resources.ModelResource):
    """Columns are the canonical field names ``province.importing`` gives the dataset."""

    certificate_number = _field("certificate_number", CertificateNumberWidget(max_length=64))
    product_name = _field("product_name", TextWidget(max_length=255))
    producer_name = _field("producer_name", TextWidget(max_length=255))
    stars = _field("stars", StarsWidget())
    product_group = _field("product_group", ProductGroupWidget())
    issuing_decision = _field("issuing_decision", TextWidget(max_length=128))
    issued_on = _field("issued_on", DateWidget())
    expires_on = _field("expires_on", DateWidget(required=False))
    ward = _field("ward", TextWidget(max_length=100, required=False))
    former_district = _field("former_district", TextWidget(max_length=100, required=False))

    class Meta:
        model = RegistryEntry
        import_id_fields = ("certificate_number",)
        fields = (
            "certificate_number",
            "product_name",
            "producer_name",
            "stars",
            "product_group",
            "issuing_decision",
            "issued_on",
            "expires_on",
            "ward",
            "former_district",
        )
        # One query for every entry the file names, and rows written in batches, without a
        # savepoint per row (a thousand new rows take some 0.5 s, not 3 s); cells are checked
        # one by one before, so the database refuses none.
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = BATCH_SIZE
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        store_instance = True
        # Our widgets check each cell; the model's check constraints back them.
        clean_model_instances = False
        use_transactions = True

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Each updated entry in an UPDATE of its own: Django's ``bulk_update`` builds a CASE
        of every row for every column in Python, some 3 ms a row here, ten times this."""
        if not self.update_instances or (dry_run and not using_transactions):
            self.update_instances.clear()
            return
        columns = [*self.get_bulk_update_fields(), "updated_at"]
        try:
            for instance in self.update_instances:
                RegistryEntry.objects.filter(pk=instance.pk).update(
                    **{name: getattr(instance, name) for name in columns}
                )
        except Exception as error:  # reported as the import's own error, as the package does
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    def before_save_instance(self, instance, row, **kwargs):
        # ``bulk_update`` skips ``auto_now``.
        instance.updated_at = timezone.now()

    def import_instance(self, instance, row, **kwargs):
        """Each cell's refusal with its own code; the ward as the list spells it, and its
        former district when the file gives none; the expiry 36 months after issue when the
        file gives none; an expiry after the issue."""
        errors = {}
        for field in self.get_import_fields():
            try:
                self.import_field(field, instance, row, **kwargs)
            except CellError as error:
                errors[field.attribute] = ValidationError(error.message, code=error.code)
        if not errors.keys() & {"ward", "former_district"}:
            # One spelling per ward (the province's list), so figures group it as one.
            instance.ward = ward_named(instance.ward)
            instance.former_district = instance.former_district or former_district_of(instance.ward)
        if not row.get("expires_on") and "issued_on" not in errors:
            instance.expires_on = OcopCertificate.default_expiry(instance.issued_on)
        if (
            not errors.keys() & {"issued_on", "expires_on"}
            and instance.expires_on <= instance.issued_on
        ):
            errors["expires_on"] = ValidationError(
                _("The expiry date must come after the issue date."), code="EXPIRES_BEFORE_ISSUE"
            )
        if errors:
            raise ValidationError(errors)


IMPORTED_FIELDS = RegistryEntryResource.Meta.fields
