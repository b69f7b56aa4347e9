"""Filter inputs of the catalog's lists and their translation into selector filters."""

import graphene
from django.utils.translation import gettext as _

from catalog.graphql.sorters import ProductSortingInput
from catalog.selectors import CategoryFilter, ProductFilter
from market.core.errors import InvalidInput
from market.core.graphql.connection import connection_arguments
from market.core.graphql.mutations import decode_id


class PriceRangeInput(graphene.InputObjectType):
    gte = graphene.Int(description="Lowest price in VND, inclusive.")
    lte = graphene.Int(description="Highest price in VND, inclusive.")


class ProductFilterInput(graphene.InputObjectType):
    seller = graphene.ID(description="Products of this seller.")
    sellers = graphene.List(graphene.NonNull(graphene.ID), description="Products of any of these.")
    category = graphene.ID(description="Products of this category or any of its descendants.")
    ocop_stars_min = graphene.Int(
        description="At least this many stars on a verified, unexpired OCOP certificate."
    )
    price = graphene.Field(
        PriceRangeInput, description="Products with at least one variant priced in the range."
    )
    in_stock = graphene.Boolean(description="Products with (or without) a variant for sale.")
    is_published = graphene.Boolean(
        description="Drafts are only ever listed to the seller's staff, auditors and operators."
    )
    search = graphene.String(description="Words of the name; accents and case do not matter.")
    verified_origin = graphene.Boolean(
        description="Products whose origin is (or is not) verified through traceability."
    )


class CategoryFilterInput(graphene.InputObjectType):
    search = graphene.String(description="Words of the name; accents and case do not matter.")
    level = graphene.Int(description="Depth in the tree: 0 for top-level categories.")
    parent = graphene.ID(description="Direct children of this category.")


def product_list_arguments() -> dict:
    """Arguments of every product list (``products``, ``category.products``,
    ``seller.products``), so that they all filter and sort alike."""
    return {
        **connection_arguments(),
        "filter": graphene.Argument(ProductFilterInput),
        "sort_by": graphene.Argument(ProductSortingInput),
    }


def category_list_arguments() -> dict:
    return {**connection_arguments(), "filter": graphene.Argument(CategoryFilterInput)}


def product_filter_from_input(data) -> ProductFilter:
    if not data:
        return ProductFilter()
    seller_ids = None
    if data.get("seller") is not None:
        seller_ids = {decode_id(data["seller"], "Seller", field="filter.seller")}
    if data.get("sellers") is not None:
        listed = {
            decode_id(global_id, "Seller", field="filter.sellers") for global_id in data["sellers"]
        }
        # Both given: a product must satisfy both, like every other filter.
        seller_ids = listed if seller_ids is None else seller_ids & listed
    category_id = None
    if data.get("category") is not None:
        category_id = decode_id(data["category"], "Category", field="filter.category")
    price = data.get("price") or {}
    gte, lte = price.get("gte"), price.get("lte")
    if gte is not None and lte is not None and gte > lte:
        raise InvalidInput(_("The lowest price is above the highest."), field="filter.price")
    return ProductFilter(
        seller_ids=None if seller_ids is None else tuple(sorted(seller_ids)),
        category_id=category_id,
        ocop_stars_min=data.get("ocop_stars_min"),
        price_gte=gte,
        price_lte=lte,
        in_stock=data.get("in_stock"),
        is_published=data.get("is_published"),
        search=(data.get("search") or "").strip() or None,
        verified_origin=data.get("verified_origin"),
    )


def category_filter_from_input(data) -> CategoryFilter:
    if not data:
        return CategoryFilter()
    parent_id = None
    if data.get("parent") is not None:
        parent_id = decode_id(data["parent"], "Category", field="filter.parent")
    level = data.get("level")
    if level is not None and level < 0:
        raise InvalidInput(_("The level cannot be negative."), field="filter.level")
    return CategoryFilter(
        search=(data.get("search") or "").strip() or None, level=level, parent_id=parent_id
    )
