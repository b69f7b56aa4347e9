"""The GraphQL shapes of ``province.figures``: thin, each field the dataclass's own.

Money is ``Money`` (a BigInt of đồng): a province's sales over months pass GraphQL's
32-bit Int. A share keeps its part and whole; ``ratio`` is null when the whole is 0.
"""

import graphene

from catalog.graphql.types import OcopProductGroupEnum
from market.core.graphql.types import Money, money_of
from market.sellers.graphql.types import SellerKindEnum


class ProvinceShare(graphene.ObjectType):
    part = graphene.BigInt(required=True)
    whole = graphene.BigInt(required=True)
    ratio = graphene.Float(description="part / whole; null when the whole is 0 (no figure).")
    target = graphene.Float(description="The plan's target (0 to 1), null without one.")
    meets_target = graphene.Boolean(description="Null without a target or a ratio.")

    class Meta:
        description = "A part of a whole, as counts (or whole đồng for a share of value)."


class ProvinceKeyCount(graphene.ObjectType):
    key = graphene.String(required=True)
    count = graphene.Int(required=True)


class ProvinceOcopGroupCount(graphene.ObjectType):
    key = graphene.String(
        required=True, description="A star level (3, 4, 5) or a product group's value."
    )
    in_registry = graphene.Int(required=True)
    listed = graphene.Int(required=True)
    on_sale = graphene.Int(required=True)


class ProvinceOcopFigures(graphene.ObjectType):
    in_registry = graphene.Int(required=True, description="Registry entries current.")
    listed = graphene.Int(required=True, description="Matched to a live product.")
    on_sale = graphene.Int(required=True, description="Matched to a live product in stock.")
    on_sale_share = graphene.Field(ProvinceShare, required=True)
    by_stars = graphene.List(graphene.NonNull(ProvinceOcopGroupCount), required=True)
    by_group = graphene.List(graphene.NonNull(ProvinceOcopGroupCount), required=True)
    expiring_soon = graphene.Int(required=True, description="Expiring in the next 90 days.")
    unmatched = graphene.Int(required=True, description="Current entries not matched yet.")


class ProvinceTraceabilityFigures(graphene.ObjectType):
    agricultural_published = graphene.Int(required=True)
    origin_verified = graphene.Int(required=True)
    verified_share = graphene.Field(ProvinceShare, required=True)
    areas_by_status = graphene.List(
        graphene.NonNull(ProvinceKeyCount),
        required=True,
        description="Growing areas by status: pending, active, suspended, revoked.",
    )
    lots_with_open_violations = graphene.Int(required=True)
    areas_suspended_in_period = graphene.Int(required=True)


class ProvinceSalesByKey(graphene.ObjectType):
    key = graphene.String(required=True)
    orders = graphene.Int(required=True)
    value = graphene.Field(Money, required=True)

    resolve_value = money_of("value")


class ProvinceSalesFigures(graphene.ObjectType):
    orders = graphene.Int(required=True)
    value = graphene.Field(Money, required=True)
    by_seller_kind = graphene.List(graphene.NonNull(ProvinceSalesByKey), required=True)
    paid_orders = graphene.Int(required=True)
    paid_value = graphene.Field(Money, required=True)
    cashless_count_share = graphene.Field(ProvinceShare, required=True)
    cashless_value_share = graphene.Field(ProvinceShare, required=True)
    by_method = graphene.List(
        graphene.NonNull(ProvinceSalesByKey),
        required=True,
        description="Paid orders by method: vnpay, momo, vietqr, card, cod.",
    )
    refunds = graphene.Int(required=True)
    refunded_value = graphene.Field(Money, required=True)

    resolve_value = money_of("value")
    resolve_paid_value = money_of("paid_value")
    resolve_refunded_value = money_of("refunded_value")


class ProvinceSellerFigures(graphene.ObjectType):
    active = graphene.Int(required=True)
    active_by_kind = graphene.List(graphene.NonNull(ProvinceKeyCount), required=True)
    active_by_ward = graphene.List(
        graphene.NonNull(ProvinceKeyCount), required=True, description="Blank: no address."
    )
    without_product_on_sale = graphene.Int(required=True)


class ProvinceMonthFigures(graphene.ObjectType):
    month = graphene.Date(required=True, description="The month's first day.")
    on_sale_share = graphene.Field(ProvinceShare, description="Null for a month not recorded.")
    verified_share = graphene.Field(ProvinceShare, description="Null for a month not recorded.")
    cashless_count_share = graphene.Field(ProvinceShare, required=True)
    cashless_value_share = graphene.Field(ProvinceShare, required=True)


class ProvinceWardRow(graphene.ObjectType):
    ward = graphene.String(required=True, description="Blank: sellers without an address.")
    former_district = graphene.String(required=True)
    active_sellers = graphene.Int(required=True)
    in_registry = graphene.Int(required=True)
    on_sale = graphene.Int(required=True)
    on_sale_share = graphene.Field(ProvinceShare, required=True)
    verified_share = graphene.Field(ProvinceShare, required=True)
    paid_orders = graphene.Int(required=True)
    cashless_count_share = graphene.Field(ProvinceShare, required=True)


class ProvincePeriod(graphene.ObjectType):
    start = graphene.Date(required=True)
    end = graphene.Date(required=True)


class ProvinceFilters(graphene.ObjectType):
    ward = graphene.String(required=True)
    former_district = graphene.String(required=True)
    product_group = graphene.String(required=True)
    stars = graphene.Int()
    seller_kind = graphene.String(required=True)


class ProvinceDashboard(graphene.ObjectType):
    period = graphene.Field(ProvincePeriod, required=True)
    filters = graphene.Field(ProvinceFilters, required=True, description="As cleaned.")
    computed_at = graphene.DateTime(required=True)
    ocop = graphene.Field(ProvinceOcopFigures, required=True)
    traceability = graphene.Field(ProvinceTraceabilityFigures, required=True)
    sales = graphene.Field(ProvinceSalesFigures, required=True)
    sellers = graphene.Field(ProvinceSellerFigures, required=True)
    trend = graphene.List(graphene.NonNull(ProvinceMonthFigures), required=True)
    wards = graphene.List(graphene.NonNull(ProvinceWardRow), required=True)

    class Meta:
        description = "The province's figures for a period, from the marketplace's live data."


class ProvincePeriodInput(graphene.InputObjectType):
    start = graphene.Date(required=True, description="The first day (Vietnam time).")
    end = graphene.Date(required=True, description="The last day, included; at most 36 months.")


class ProvinceDashboardFilterInput(graphene.InputObjectType):
    ward = graphene.String(description="A ward or commune, as in addresses.")
    former_district = graphene.String(description="A district of older records.")
    product_group = OcopProductGroupEnum()
    stars = graphene.Int(description="3, 4 or 5.")
    seller_kind = SellerKindEnum()
