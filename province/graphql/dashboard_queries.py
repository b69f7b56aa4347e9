"""``provinceDashboard``: the province's figures, for auditors and operators only.

Thin: the caller's role is checked first (``AUTHENTICATION_REQUIRED`` signed out,
``PERMISSION_DENIED`` otherwise), the inputs are checked by ``province.selectors.inputs``
(an ``InvalidInput`` keyed by the argument at fault), then ``province.selectors.dashboard``
counts.
"""

import graphene
from graphene.utils.str_converters import to_camel_case

from market.core.errors import InvalidInput
from market.core.graphql.inputs import enum_value
from market.core.permissions import AUDITOR_OR_OPERATOR
from province import selectors
from province.graphql.dashboard_types import (
    ProvinceDashboard,
    ProvinceDashboardFilterInput,
    ProvincePeriodInput,
)


class DashboardQueries(graphene.ObjectType):
    province_dashboard = graphene.Field(
        ProvinceDashboard,
        required=True,
        period=graphene.Argument(ProvincePeriodInput, required=True),
        filters=graphene.Argument(ProvinceDashboardFilterInput),
        description=(
            "OCOP products in the registry and on sale, traceability, sales and cashless "
            "payments, sellers: for a period of days and optional filters. Requires: "
            f"{AUDITOR_OR_OPERATOR.who}."
        ),
    )

    @staticmethod
    def resolve_province_dashboard(_root, info, period, filters=None):
        AUDITOR_OR_OPERATOR.check(info.context.user)
        try:
            cleaned_period = selectors.dashboard_period(period["start"], period["end"])
        except InvalidInput as error:
            error.field = to_camel_case(error.field or "period")
            raise
        try:
            cleaned_filters = selectors.dashboard_filters(
                **{name: enum_value(value) for name, value in (filters or {}).items()}
            )
        except InvalidInput as error:
            error.field = f"filters.{to_camel_case(error.field)}"
            raise
        return selectors.dashboard(cleaned_period, cleaned_filters)
