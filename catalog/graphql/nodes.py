"""Pieces every catalog GraphQL type shares."""

import graphene
from graphene_django import DjangoObjectType

from market.core.graphql.types import LanguageCodeEnum


class PrimaryKeyNodeMixin:
    """``node(id:)`` with a malformed primary key answers null, not a server error."""

    @classmethod
    def get_node(cls, info, id):
        try:
            primary_key = int(id)
        except (TypeError, ValueError):
            return None
        return super().get_node(info, primary_key)


def language_value(language_code) -> str:
    """The code of a ``LanguageCodeEnum`` argument (graphene passes the member)."""
    return getattr(language_code, "value", language_code)


def translation_field(translation_type, loader_class) -> graphene.Field:
    """A translated type's ``translation(languageCode:)``, batched through ``loader_class``."""

    def resolve(root, info, language_code):
        return loader_class(info.context, language_value(language_code)).load(root.pk)

    return graphene.Field(
        translation_type,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
        description="The translation into ``languageCode``; null when there is none.",
        resolver=resolve,
    )


class TranslationType(DjangoObjectType):
    """A translation table's row: a name and description in one language.

    A subclass's ``Meta`` names only its ``model`` and ``description``.
    """

    language_code = graphene.Field(LanguageCodeEnum, required=True)

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, **options):
        super().__init_subclass_with_meta__(
            interfaces=(graphene.relay.Node,), fields=("id", "name", "description"), **options
        )
