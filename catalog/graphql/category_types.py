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
from catalog.graphql.nodes import PrimaryKeyNodeMixin, TranslationType, language_value
from market.core.graphql.connection import CountableConnection
from market.core.graphql.types import LanguageCodeEnum


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
    translation = graphene.Field(
        CategoryTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
        description="The translation into ``languageCode``; null when there is none.",
    )

    class Meta:
        model = models.Category
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "slug", "description")
        description = "A category of products; categories form a tree."

    @staticmethod
    def resolve_parent(root: models.Category, info):
        if root.parent_id is None:
            return None
        return CategoryByIdLoader(info.context).load(root.parent_id)

    @staticmethod
    def resolve_children(root: models.Category, info):
        return ChildrenByCategoryIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_level(root: models.Category, info):
        return CategoryLevelByIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_products(root: models.Category, info, **kwargs):
        # catalog.graphql.queries imports this module; import back at call time.
        from catalog.graphql.queries import resolve_products

        return resolve_products(info, category_id=root.pk, **kwargs)

    @staticmethod
    def resolve_translation(root: models.Category, info, language_code):
        loader = CategoryTranslationByCategoryIdLoader(info.context, language_value(language_code))
        return loader.load(root.pk)


class CategoryCountableConnection(CountableConnection):
    class Meta:
        node = Category
