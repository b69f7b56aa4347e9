"""Importing the department's OCOP registry and deciding its matches: auditors and
operators only (``province.services.registry``)."""

import graphene

from market.core.graphql.mutations import BaseMutation, error_codes, error_type_for, service_perform
from market.core.graphql.upload import Upload
from market.core.permissions import AUDITOR_OR_OPERATOR
from province.graphql.registry_types import (
    OcopRegistryEntry,
    OcopRegistryImportRecord,
    OcopRegistryImportRow,
)
from province.services import registry

OcopRegistryErrorCode = error_codes(
    "OcopRegistryErrorCode",
    "FILE_TOO_LARGE",
    "UNSUPPORTED_FILE",
    "CORRUPT_FILE",
    "INVALID_ENCODING",
    "EMPTY_FILE",
    "TOO_MANY_ROWS",
    "NOT_SUGGESTED",
    "CERTIFICATE_TAKEN",
)
OcopRegistryError = error_type_for("OcopRegistryError", OcopRegistryErrorCode)

ENTRY_ID = ("entry_id", "OcopRegistryEntry")


class RegistryMeta:
    error_type = OcopRegistryError
    error_code_enum = OcopRegistryErrorCode


class OcopRegistryImport(BaseMutation):
    registry_import = graphene.Field(
        OcopRegistryImportRecord,
        description="The import as recorded, with its counts and row errors.",
    )
    rows = graphene.List(
        graphene.NonNull(OcopRegistryImportRow),
        description="What was done (in a dry run: would be done) with each row.",
    )

    class Arguments:
        file = Upload(
            required=True,
            description=(
                "The registry as CSV (UTF-8) or XLSX, sent by the GraphQL multipart request "
                "spec: one row per certificate, the department's Vietnamese headings "
                "(Số giấy chứng nhận, Tên sản phẩm, Chủ thể, Hạng sao, Nhóm sản phẩm, Quyết "
                "định, Ngày cấp, Ngày hết hạn, Xã/phường, Huyện (cũ)) or English ones."
            ),
        )
        dry_run = graphene.Boolean(
            required=True, description="Only tell what would change; nothing is applied."
        )

    class Meta(RegistryMeta):
        description = (
            "Import the department's OCOP registry: entries are created or updated by "
            "certificate number, then matched to the marketplace's certificates. A file with "
            "any refused row applies nothing; every attempt is recorded."
        )
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        registry.registry_import,
        returns=lambda outcome: {"registry_import": outcome.record, "rows": outcome.rows},
    )


class OcopRegistryEntryConfirmMatch(BaseMutation):
    ocop_registry_entry = graphene.Field(OcopRegistryEntry)

    class Arguments:
        entry = graphene.ID(required=True)

    class Meta(RegistryMeta):
        description = "Confirm the certificate suggested for a registry entry as its own."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        registry.registry_entry_confirm_match,
        returns="ocop_registry_entry",
        ids={"entry": ENTRY_ID},
    )


class OcopRegistryEntryRejectMatch(BaseMutation):
    ocop_registry_entry = graphene.Field(OcopRegistryEntry)

    class Arguments:
        entry = graphene.ID(required=True)

    class Meta(RegistryMeta):
        description = (
            "Reject the certificate suggested for a registry entry; it is never suggested to "
            "that entry again."
        )
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        registry.registry_entry_reject_match,
        returns="ocop_registry_entry",
        ids={"entry": ENTRY_ID},
    )


class OcopRegistryEntryMatch(BaseMutation):
    ocop_registry_entry = graphene.Field(OcopRegistryEntry)

    class Arguments:
        entry = graphene.ID(required=True)
        certificate = graphene.ID(required=True, description="The marketplace's certificate.")

    class Meta(RegistryMeta):
        description = "Match a registry entry by hand to a chosen marketplace certificate."
        permissions = (AUDITOR_OR_OPERATOR,)

    perform = service_perform(
        registry.registry_entry_match,
        returns="ocop_registry_entry",
        ids={"entry": ENTRY_ID, "certificate": ("certificate_id", "OcopCertificate")},
    )


class RegistryMutations(graphene.ObjectType):
    """Importing and matching the department's OCOP registry."""

    ocop_registry_import = OcopRegistryImport.Field()
    ocop_registry_entry_confirm_match = OcopRegistryEntryConfirmMatch.Field()
    ocop_registry_entry_reject_match = OcopRegistryEntryRejectMatch.Field()
    ocop_registry_entry_match = OcopRegistryEntryMatch.Field()
