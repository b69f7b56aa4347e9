"""``search`` and ``searchSuggest``: the same API whichever backend answers."""

import graphene

from catalog.graphql.dataloaders import CategoryByIdLoader, load_now
from catalog.models import Product
from market.core.errors import InvalidInput, NotFound
from market.core.graphql.inputs import enum_value
from market.core.graphql.mutations import decode_id
from market.sellers.graphql.dataloaders import SellerByIdLoader
from search.backends import get_backend
from search.graphql.types import (
    CategoryFacet,
    InStockFacet,
    OcopStarsFacet,
    PriceRangeFacet,
    SearchFacets,
    SearchFilterInput,
    SearchProductEdge,
    SearchResults,
    SearchSortEnum,
    SellerFacet,
    SellerKindFacet,
    VerifiedOriginFacet,
)


def _filters_from_input(data) -> dict:
    if not data:
        return {}
    filters = {}
    try:
        if data.get("categories") is not None:
            filters["category_ids"] = [
                decode_id(value, "Category", field="categories") for value in data["categories"]
            ]
        if data.get("sellers") is not None:
            filters["seller_ids"] = [
                decode_id(value, "Seller", field="sellers") for value in data["sellers"]
            ]
    except NotFound as exc:
        raise InvalidInput(exc.message, code="INVALID_FILTER", field=exc.field) from None
    if data.get("seller_kinds") is not None:
        filters["seller_kinds"] = enum_value(data["seller_kinds"])
    if data.get("ocop_stars") is not None:
        filters["ocop_stars"] = list(data["ocop_stars"])
    if data.get("price_ranges") is not None:
        filters["price_ranges"] = enum_value(data["price_ranges"])
    if data.get("in_stock") is not None:
        filters["in_stock"] = data["in_stock"]
    if data.get("verified_origin") is not None:
        filters["verified_origin"] = data["verified_origin"]
    return filters


def _facets(raw: dict, context) -> SearchFacets:
    category_ids = [int(f.value) for f in raw.get("category", [])]
    seller_ids = [int(f.value) for f in raw.get("seller", [])]
    # Through the request's loaders: the products of the page then find their
    # category and seller (among the facets' ones) already loaded.
    categories = _loaded(CategoryByIdLoader(context), category_ids)
    sellers = _loaded(SellerByIdLoader(context), seller_ids)
    return SearchFacets(
        categories=[
            CategoryFacet(category=categories[int(f.value)], count=f.count)
            for f in raw.get("category", [])
            if int(f.value) in categories
        ],
        sellers=[
            SellerFacet(seller=sellers[int(f.value)], count=f.count)
            for f in raw.get("seller", [])
            if int(f.value) in sellers
        ],
        seller_kinds=[
            SellerKindFacet(kind=f.value, count=f.count) for f in raw.get("seller_kind", [])
        ],
        ocop_stars=[
            OcopStarsFacet(stars=f.value, count=f.count) for f in raw.get("ocop_stars", [])
        ],
        price_ranges=[
            PriceRangeFacet(range=f.value, count=f.count) for f in raw.get("price_range", [])
        ],
        in_stock=[InStockFacet(in_stock=f.value, count=f.count) for f in raw.get("in_stock", [])],
        verified_origin=[
            VerifiedOriginFacet(verified_origin=f.value, count=f.count)
            for f in raw.get("verified_origin", [])
        ],
    )


def _loaded(loader, keys: list[int]) -> dict:
    return {key: value for key, value in zip(keys, load_now(loader, keys), strict=True) if value}


class SearchQueries(graphene.ObjectType):
    search = graphene.Field(
        SearchResults,
        required=True,
        query=graphene.String(required=True),
        filter=SearchFilterInput(),
        sort_by=SearchSortEnum(default_value=SearchSortEnum.RELEVANCE.value),
        first=graphene.Int(default_value=20, description="At most 100."),
        after=graphene.String(),
        description="Published products ranked by relevance, with facets.",
    )
    search_suggest = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        prefix=graphene.String(required=True),
        first=graphene.Int(default_value=8, description="At most 20."),
        description="Product names that complete what a buyer is typing.",
    )

    @staticmethod
    def resolve_search(_root, info, query, filter=None, sort_by=None, first=20, after=None):
        result = get_backend().search(
            query=query,
            filters=_filters_from_input(filter),
            sort=enum_value(sort_by),
            first=first,
            after=after,
        )
        # The index may lag a moment behind an unpublish: the database has the last word.
        products = Product.objects.visible_to(info.context.user).in_bulk(result.ids)
        edges = [
            SearchProductEdge(
                node=products[hit.product_id],
                cursor=hit.cursor,
                highlighted_name=hit.highlighted_name,
            )
            for hit in result.hits
            if hit.product_id in products
        ]
        return SearchResults(
            total_count=result.total_count,
            edges=edges,
            page_info=graphene.relay.PageInfo(
                has_next_page=result.has_next_page,
                has_previous_page=after is not None,
                start_cursor=result.hits[0].cursor if result.hits else None,
                end_cursor=result.end_cursor,
            ),
            facets=_facets(result.facets, info.context),
        )

    @staticmethod
    def resolve_search_suggest(_root, _info, prefix, first=8):
        return get_backend().suggest(prefix=prefix, first=first)
