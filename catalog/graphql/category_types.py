"""GraphQL types of the category tree."""

import graphene
from graphene_django import DjangoObjectType

from catalog import models
from catalog.graphql.dataloaders import (
    CategoryByIdLoader,
    CategoryLevelByIdLoader,
    CategoryTranslationByCategoryIdLoader,
    ChildrenByCategoryIdLoader,
)
from catalog.graphql.filters import product_list_arguments
from catalog.graphql.nodes import PrimaryKeyNodeMixin, TranslationType, translation_field
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import resolve_by_pk, resolve_related


def _product_connection():
    # catalog.graphql.types lists products and imports this module: import lazily.
    from catalog.graphql.types import ProductCountableConnection

    return ProductCountableConnection


class CategoryTranslation(TranslationType):
    class Meta:
        model = models.CategoryTranslation
        description = "A category's name and description in another language."


class Category(PrimaryKeyNodeMixin, DjangoObjectType):
    parent = graphene.Field(lambda: Category)
    children = graphene.List(
        graphene.NonNull(lambda: Category),
        required=True,
        description="Direct subcategories, by name.",
    )
    level = graphene.Int(required=True, description="Depth in the tree: 0 for top level.")
    products = graphene.Field(
        _product_connection,
        description="Visible products of this category and its descendants.",
        **product_list_arguments(),
    )
    translation = translation_field(CategoryTranslation, CategoryTranslationByCategoryIdLoader)

    class Meta:
        model = models.Category
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "slug", "description")
        description = "A category of products; categories form a tree."

    resolve_parent = resolve_related("parent", CategoryByIdLoader)
    resolve_children = resolve_by_pk(ChildrenByCategoryIdLoader)
    resolve_level = resolve_by_pk(CategoryLevelByIdLoader)

    @staticmethod
    def resolve_products(root: models.Category, info, **kwargs):
        # catalog.graphql.queries imports this module; import back at call time.
        from catalog.graphql.queries import resolve_products

        return resolve_products(info, category_id=root.pk, **kwargs)


class CategoryCountableConnection(CountableConnection):
    class Meta:
        node = Category
