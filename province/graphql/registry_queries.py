"""Queries of the department's OCOP registry, for auditors and operators only.

Anyone else is refused (``AUTHENTICATION_REQUIRED`` signed out, ``PERMISSION_DENIED``
otherwise). A page of entries costs the same queries at any size: certificates are
batched (``OcopCertificateByIdLoader``), their products through catalog's loader.
"""

import graphene

from catalog.graphql.types import OcopProductGroupEnum
from market.core.addresses import ward_named
from market.core.graphql.connection import SortKey, connection_arguments, paginate
from market.core.graphql.inputs import enum_value
from market.core.permissions import AUDITOR_OR_OPERATOR
from province.graphql.registry_types import (
    OcopRegistryEntryCountableConnection,
    OcopRegistryImportRecordCountableConnection,
    OcopRegistryMatchStatusEnum,
)
from province.models import RegistryEntry, RegistryImport


class OcopRegistryEntryFilterInput(graphene.InputObjectType):
    match_status = graphene.Argument(OcopRegistryMatchStatusEnum)
    stars = graphene.Int(description="3, 4 or 5.")
    product_group = graphene.Argument(OcopProductGroupEnum)
    ward = graphene.String(description="Entries of this ward or commune (any case).")
    former_district = graphene.String(description="Entries of this former district.")


def _narrowed(rows, data):
    data = data or {}
    for name in ("match_status", "stars", "product_group"):
        if data.get(name) is not None:
            rows = rows.filter(**{name: enum_value(data[name])})
    if data.get("ward"):
        # Stored as the ward list spells it (the import), so "cà ná" finds "Xã Cà Ná".
        rows = rows.filter(ward__iexact=ward_named(data["ward"]))
    if data.get("former_district"):
        rows = rows.filter(former_district__iexact=data["former_district"].strip())
    return rows


class RegistryQueries(graphene.ObjectType):
    ocop_registry_entries = graphene.Field(
        OcopRegistryEntryCountableConnection,
        required=True,
        filter=graphene.Argument(OcopRegistryEntryFilterInput),
        description=(
            "The department's OCOP registry, by certificate number, with each entry's match. "
            "For auditors and operators."
        ),
        **connection_arguments(),
    )
    ocop_registry_imports = graphene.Field(
        OcopRegistryImportRecordCountableConnection,
        required=True,
        description="Imports of the registry (and dry runs), newest first. For auditors and "
        "operators.",
        **connection_arguments(),
    )

    @staticmethod
    def resolve_ocop_registry_entries(_root, info, filter=None, **pagination):
        AUDITOR_OR_OPERATOR.check(info.context.user)
        return paginate(
            _narrowed(RegistryEntry.objects.all(), filter),
            connection_type=OcopRegistryEntryCountableConnection,
            sort_keys=[SortKey("certificate_number")],
            **pagination,
        )

    @staticmethod
    def resolve_ocop_registry_imports(_root, info, **pagination):
        AUDITOR_OR_OPERATOR.check(info.context.user)
        return paginate(
            RegistryImport.objects.all(),
            connection_type=OcopRegistryImportRecordCountableConnection,
            sort_keys=[SortKey("created_at", descending=True)],
            **pagination,
        )
