import graphene

from market.sellers.graphql.types import SellerKindEnum


class SearchSortEnum(graphene.Enum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


class PriceRangeEnum(graphene.Enum):
    UNDER_50K = "under_50k"
    FROM_50K_TO_100K = "50k_100k"
    FROM_100K_TO_200K = "100k_200k"
    FROM_200K_TO_500K = "200k_500k"
    OVER_500K = "over_500k"


class SearchFilterInput(graphene.InputObjectType):
    categories = graphene.List(
        graphene.NonNull(graphene.ID), description="Categories (their subcategories included)."
    )
    sellers = graphene.List(graphene.NonNull(graphene.ID))
    seller_kinds = graphene.List(graphene.NonNull(SellerKindEnum))
    ocop_stars = graphene.List(
        graphene.NonNull(graphene.Int), description="Exact stars: 0 (none), 3, 4 or 5."
    )
    price_ranges = graphene.List(graphene.NonNull(PriceRangeEnum))
    in_stock = graphene.Boolean()
    verified_origin = graphene.Boolean(
        description="Products whose origin is (or is not) verified through traceability."
    )


class SearchProductEdge(graphene.ObjectType):
    node = graphene.Field("catalog.graphql.types.Product", required=True)
    cursor = graphene.String(required=True)
    highlighted_name = graphene.String(
        required=True, description="The name, HTML-escaped, with matched words in <em>."
    )


class CategoryFacet(graphene.ObjectType):
    category = graphene.Field("catalog.graphql.types.Category", required=True)
    count = graphene.Int(required=True)


class SellerFacet(graphene.ObjectType):
    seller = graphene.Field("market.sellers.graphql.types.Seller", required=True)
    count = graphene.Int(required=True)


class SellerKindFacet(graphene.ObjectType):
    kind = graphene.Field(SellerKindEnum, required=True)
    count = graphene.Int(required=True)


class OcopStarsFacet(graphene.ObjectType):
    stars = graphene.Int(required=True, description="0 for products without a certificate.")
    count = graphene.Int(required=True)


class PriceRangeFacet(graphene.ObjectType):
    range = graphene.Field(PriceRangeEnum, required=True)
    count = graphene.Int(required=True)


class InStockFacet(graphene.ObjectType):
    in_stock = graphene.Boolean(required=True)
    count = graphene.Int(required=True)


class VerifiedOriginFacet(graphene.ObjectType):
    verified_origin = graphene.Boolean(required=True)
    count = graphene.Int(required=True)


class SearchFacets(graphene.ObjectType):
    """Counts per value; each facet respects every filter except its own."""

    categories = graphene.List(graphene.NonNull(CategoryFacet), required=True)
    sellers = graphene.List(graphene.NonNull(SellerFacet), required=True)
    seller_kinds = graphene.List(graphene.NonNull(SellerKindFacet), required=True)
    ocop_stars = graphene.List(graphene.NonNull(OcopStarsFacet), required=True)
    price_ranges = graphene.List(graphene.NonNull(PriceRangeFacet), required=True)
    in_stock = graphene.List(graphene.NonNull(InStockFacet), required=True)
    verified_origin = graphene.List(graphene.NonNull(VerifiedOriginFacet), required=True)


class SearchResults(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    edges = graphene.List(graphene.NonNull(SearchProductEdge), required=True)
    page_info = graphene.Field(graphene.relay.PageInfo, required=True)
    facets = graphene.Field(SearchFacets, required=True)
