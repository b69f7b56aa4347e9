"""Catalog queries: product and category lists and lookups."""

import graphene
from django.core.exceptions import ValidationError

from catalog.graphql.filters import (
    CatalogInputError,
    category_filter_from_input,
    category_list_arguments,
    decode_input_id,
    product_filter_from_input,
    product_list_arguments,
)
from catalog.graphql.sorters import product_sort_keys
from catalog.graphql.types import (
    Category,
    CategoryCountableConnection,
    Product,
    ProductCountableConnection,
)
from catalog.models import Category as CategoryModel
from catalog.selectors import category_list, category_subtree_ids, product_list, visible_products
from market.core.graphql.connection import ConnectionArgumentError, SortKey, paginate

__all__ = ["CatalogQueries", "product_list_arguments", "resolve_products"]


def _paginate(queryset, *, connection_type, sort_keys, **connection_args):
    try:
        return paginate(
            queryset, connection_type=connection_type, sort_keys=sort_keys, **connection_args
        )
    except (TypeError, ValueError, ValidationError) as error:
        # A well-formed cursor whose values do not fit the sort keys' columns
        # (forged, or from another sort order) fails when the database prepares it.
        cursor = connection_args.get("after") or connection_args.get("before")
        if cursor is None:
            raise
        raise ConnectionArgumentError(f"Invalid cursor {cursor!r} for this sort order.") from error


def resolve_products(
    info, *, seller_id=None, category_id=None, filter=None, sort_by=None, **connection_args
):
    """A page of the products ``info``'s user may see.

    ``seller_id`` and ``category_id`` scope the list for ``seller.products`` and
    ``category.products``; the ``filter`` argument narrows it further.
    """
    products = product_list(info.context.user, product_filter_from_input(filter))
    if seller_id is not None:
        products = products.filter(seller_id=seller_id)
    if category_id is not None:
        products = products.filter(category_id__in=category_subtree_ids(category_id))
    return _paginate(
        products,
        connection_type=ProductCountableConnection,
        sort_keys=product_sort_keys(sort_by),
        **connection_args,
    )


def _exactly_one(id_value, slug) -> None:
    if (id_value is None) == (slug is None):
        raise CatalogInputError("Give exactly one of `id` or `slug`.", code="INVALID")


class CatalogQueries(graphene.ObjectType):
    products = graphene.Field(
        ProductCountableConnection,
        required=True,
        description=(
            "Products you may see: published products of active sellers, and every "
            "product of your own seller. By name unless `sortBy` is given."
        ),
        **product_list_arguments(),
    )
    product = graphene.Field(
        Product,
        id=graphene.ID(),
        slug=graphene.String(),
        description="One product by ID or slug (exactly one); null when you may not see it.",
    )
    categories = graphene.Field(
        CategoryCountableConnection,
        required=True,
        description="Categories by name.",
        **category_list_arguments(),
    )
    category = graphene.Field(
        Category,
        id=graphene.ID(),
        slug=graphene.String(),
        description="One category by ID or slug (exactly one).",
    )

    @staticmethod
    def resolve_products(_root, info, **kwargs):
        return resolve_products(info, **kwargs)

    @staticmethod
    def resolve_product(_root, info, id=None, slug=None):
        _exactly_one(id, slug)
        products = visible_products(info.context.user)
        if id is not None:
            return products.filter(pk=decode_input_id(id, "Product", field="id")).first()
        return products.filter(slug=slug).first()

    @staticmethod
    def resolve_categories(_root, info, filter=None, **connection_args):
        categories = category_list(category_filter_from_input(filter))
        return _paginate(
            categories,
            connection_type=CategoryCountableConnection,
            sort_keys=[SortKey("name")],
            **connection_args,
        )

    @staticmethod
    def resolve_category(_root, info, id=None, slug=None):
        _exactly_one(id, slug)
        if id is not None:
            pk = decode_input_id(id, "Category", field="id")
            return CategoryModel.objects.filter(pk=pk).first()
        return CategoryModel.objects.filter(slug=slug).first()
