"""GraphQL types of the department's OCOP registry: entries, imports and their rows.

Only auditors and operators read them: the list fields refuse anyone else, and a
``node(id:)`` of these types answers null to them.
"""

import graphene
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoObjectType

from catalog.graphql.nodes import PrimaryKeyNodeMixin
from catalog.graphql.types import OcopCertificate, OcopProductGroupEnum
from catalog.models import OcopCertificate as OcopCertificateModel
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import ByKeyLoader, resolve_related
from market.core.permissions import is_auditor, is_operator
from province import models

OcopRegistryMatchStatusEnum = graphene.Enum.from_enum(
    models.RegistryEntry.MatchStatus,
    name="OcopRegistryMatchStatusEnum",
    description=(
        "Where an entry stands: not matched, a suggestion waiting for a person, matched, or "
        "its suggestion rejected."
    ),
)
OcopRegistryMatchMethodEnum = graphene.Enum.from_enum(
    models.RegistryEntry.MatchMethod,
    name="OcopRegistryMatchMethodEnum",
    description="How a match was made: by the certificate number, or by a person.",
)
OcopRegistryFileFormatEnum = graphene.Enum.from_enum(
    models.RegistryImport.Format, name="OcopRegistryFileFormatEnum"
)

ROW_ERROR_CODES = (
    "INVALID",
    "REQUIRED",
    "INVALID_TEXT",
    "FORMULA",
    "MISSING_COLUMN",
    "DUPLICATE",
    "TOO_LONG",
    "INVALID_STARS",
    "INVALID_GROUP",
    "INVALID_DATE",
    "EXPIRES_BEFORE_ISSUE",
)
OcopRegistryRowErrorCode = graphene.Enum(
    "OcopRegistryRowErrorCode", [(code, code) for code in ROW_ERROR_CODES]
)
OcopRegistryRowActionEnum = graphene.Enum(
    "OcopRegistryRowActionEnum",
    [(action.upper(), action) for action in ("created", "updated", "unchanged", "refused")],
    description="What an import did with a row (in a dry run: would do).",
)


def _insiders_only(cls, queryset, info):
    user = info.context.user
    return queryset if is_auditor(user) or is_operator(user) else queryset.none()


class OcopCertificateByIdLoader(ByKeyLoader):
    def rows(self, keys):
        return OcopCertificateModel.objects.in_bulk(keys).values()


class OcopRegistryEntry(PrimaryKeyNodeMixin, DjangoObjectType):
    product_group = graphene.Field(OcopProductGroupEnum, required=True)
    match_status = graphene.Field(OcopRegistryMatchStatusEnum, required=True)
    match_method = graphene.Field(OcopRegistryMatchMethodEnum)
    match_score = graphene.Int(description="0–100, for a suggestion.")
    certificate = graphene.Field(
        OcopCertificate,
        description="The marketplace's certificate it is matched, or suggested, to.",
    )

    class Meta:
        model = models.RegistryEntry
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "certificate_number",
            "product_name",
            "producer_name",
            "stars",
            "issuing_decision",
            "issued_on",
            "expires_on",
            "ward",
            "former_district",
            "matched_at",
            "updated_at",
        )
        convert_choices_to_enum = False
        description = "A certified OCOP product as the agriculture department lists it."

    get_queryset = classmethod(_insiders_only)

    resolve_certificate = resolve_related("certificate", OcopCertificateByIdLoader)

    @staticmethod
    def resolve_match_method(root, _info):
        return root.match_method or None


class OcopRegistryEntryCountableConnection(CountableConnection):
    class Meta:
        node = OcopRegistryEntry


class OcopRegistryRowError(graphene.ObjectType):
    """One of ``RegistryImport.row_errors`` (a dict, read by graphene's default resolver)."""

    row = graphene.Int(required=True, description="The spreadsheet's row number.")
    column = graphene.String(description="The column's heading, as the department writes it.")
    field = graphene.String(description="The entry's field the column fills.")
    code = graphene.Field(OcopRegistryRowErrorCode, required=True)
    message = graphene.String(required=True)

    @staticmethod
    def resolve_field(root, _info):
        return to_camel_case(root["field"]) if root.get("field") else None

    @staticmethod
    def resolve_code(root, _info):
        code = root.get("code")
        return code if code in ROW_ERROR_CODES else "INVALID"


class OcopRegistryImportRecord(PrimaryKeyNodeMixin, DjangoObjectType):
    file_format = graphene.Field(OcopRegistryFileFormatEnum, required=True)
    row_errors = graphene.List(
        graphene.NonNull(OcopRegistryRowError),
        required=True,
        description="Every refused cell or row; when there is any, nothing was applied.",
    )

    class Meta:
        model = models.RegistryImport
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "file_name",
            "file_sha256",
            "dry_run",
            "applied",
            "rows_total",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "rows_refused",
            "created_at",
        )
        convert_choices_to_enum = False
        description = "One import of the department's registry spreadsheet (or a dry run)."

    get_queryset = classmethod(_insiders_only)

    @staticmethod
    def resolve_row_errors(root, _info):
        return root.row_errors


class OcopRegistryImportRecordCountableConnection(CountableConnection):
    class Meta:
        node = OcopRegistryImportRecord


class OcopRegistryImportRow(graphene.ObjectType):
    row = graphene.Int(required=True, description="The spreadsheet's row number.")
    certificate_number = graphene.String(required=True)
    action = graphene.Field(OcopRegistryRowActionEnum, required=True)
    changed_fields = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="The entry's fields it sets or changes (for a new entry: those given).",
    )

    @staticmethod
    def resolve_changed_fields(root, _info):
        return [to_camel_case(name) for name in root.changed_fields]
