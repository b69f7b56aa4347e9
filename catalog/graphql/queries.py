"""Catalog queries: product and category lists and lookups."""

import graphene
from graphql.execution.values import get_argument_values

from catalog.graphql.category_types import Category, CategoryCountableConnection
from catalog.graphql.dataloaders import prime_listing_columns
from catalog.graphql.filters import (
    category_filter_from_input,
    category_list_arguments,
    product_filter_from_input,
    product_list_arguments,
)
from catalog.graphql.sorters import product_sort_keys
from catalog.graphql.types import MAX_THUMBNAIL_SIZE, Product, ProductCountableConnection
from catalog.models import Category as CategoryModel
from catalog.models import Product as ProductModel
from catalog.selectors import (
    category_list,
    product_list,
    with_current_ocop_stars,
    with_price_range,
    with_primary_image,
)
from market.core.graphql.connection import (
    SortKey,
    paginate,
    selected_node_fields,
    selected_subfield_names,
)
from market.core.graphql.lookup import id_or_slug_field, require_id_or_slug
from market.core.graphql.mutations import decode_id

__all__ = ["CatalogQueries", "product_list_arguments", "resolve_products"]


def resolve_products(
    info, *, seller_id=None, category_id=None, filter=None, sort_by=None, **connection_args
):
    """A page of the products ``info``'s user may see.

    ``seller_id`` and ``category_id`` scope the list for ``seller.products`` and
    ``category.products``; the ``filter`` argument narrows it further.
    """
    sort_keys = product_sort_keys(sort_by)
    products = product_list(
        info.context.user,
        product_filter_from_input(filter),
        sort_keys=[key.field for key in sort_keys],
    )
    if seller_id is not None:
        products = products.filter(seller_id=seller_id)
    if category_id is not None:
        products = products.filter(category_id__in=CategoryModel.objects.subtree_ids([category_id]))
    products, thumbnail_sizes = with_listing_columns(products, info)
    page = paginate(
        products, connection_type=ProductCountableConnection, sort_keys=sort_keys, **connection_args
    )
    prime_listing_columns(info.context, [edge.node for edge in page.edges], thumbnail_sizes)
    return page


def with_listing_columns(products, info) -> tuple:
    """The columns of ``catalog.selectors``' listing section, and the seller and
    category rows, that the selected product fields read, with the thumbnail sizes
    asked for: the page's query computes them, ``prime_listing_columns`` hands them
    to the loaders ``Product``'s resolvers read, and a storefront grid then costs no
    query per table for them."""
    selection = selected_node_fields(info)
    if selection is None:
        return products, []
    node_type, field_nodes = selection
    names = {node.name.value for node in field_nodes}
    # Joined rather than loaded after the page; the seller's address (the Seller
    # type loads it when missing) only when asked, as its rows cost more to build
    # than the join saves.
    related = [field for field in ("category", "seller") if field in names]
    if "address" in selected_subfield_names(info, node_type, field_nodes, "seller"):
        related[related.index("seller")] = "seller__address"
    if related:
        products = products.select_related(*related)
    if "pricing" in names:
        products = with_price_range(products)
    if "ocopStars" in names:
        products = with_current_ocop_stars(products)
    sizes = set()
    for node in field_nodes:
        if node.name.value == "thumbnail":
            size = get_argument_values(
                node_type.fields["thumbnail"], node, info.variable_values
            ).get("size")
            # A missing or refused size is the resolver's to answer, through the loaders.
            if isinstance(size, int) and 0 < size <= MAX_THUMBNAIL_SIZE:
                sizes.add(size)
    if sizes:
        products = with_primary_image(products, sizes)
    return products, sorted(sizes)


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
    product = id_or_slug_field(
        Product,
        description="One product by ID or slug (exactly one); null when you may not see it.",
    )
    categories = graphene.Field(
        CategoryCountableConnection,
        required=True,
        description="Categories by name.",
        **category_list_arguments(),
    )
    category = id_or_slug_field(
        Category,
        description="One category by ID or slug (exactly one).",
    )

    @staticmethod
    def resolve_products(_root, info, **kwargs):
        return resolve_products(info, **kwargs)

    @staticmethod
    def resolve_product(_root, info, id=None, slug=None):
        require_id_or_slug(id, slug)
        products = ProductModel.objects.visible_to(info.context.user)
        if id is not None:
            return products.filter(pk=decode_id(id, "Product", field="id")).first()
        return products.filter(slug=slug).first()

    @staticmethod
    def resolve_categories(_root, info, filter=None, **connection_args):
        categories = category_list(category_filter_from_input(filter))
        return paginate(
            categories,
            connection_type=CategoryCountableConnection,
            sort_keys=[SortKey("name")],
            **connection_args,
        )

    @staticmethod
    def resolve_category(_root, info, id=None, slug=None):
        require_id_or_slug(id, slug)
        if id is not None:
            pk = decode_id(id, "Category", field="id")
            return CategoryModel.objects.filter(pk=pk).first()
        return CategoryModel.objects.filter(slug=slug).first()
