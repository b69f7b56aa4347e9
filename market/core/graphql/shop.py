import graphene
from django.conf import settings


class LanguageDisplay(graphene.ObjectType):
    code = graphene.String(required=True, description="Language code, e.g. `vi`.")
    language = graphene.String(required=True, description="Name of the language.")


class Shop(graphene.ObjectType):
    name = graphene.String(required=True)
    default_currency = graphene.String(required=True)
    time_zone = graphene.String(required=True, description="Zone times are displayed in.")
    default_language = graphene.String(required=True)
    languages = graphene.List(graphene.NonNull(LanguageDisplay), required=True)

    class Meta:
        description = "Facts about the marketplace that every storefront needs."


class ShopQueries(graphene.ObjectType):
    shop = graphene.Field(Shop, required=True)

    @staticmethod
    def resolve_shop(_root, _info):
        return Shop(
            name="Chợ OCOP Ninh Thuận",
            default_currency="VND",
            time_zone=settings.TIME_ZONE,
            default_language=settings.LANGUAGE_CODE,
            languages=[
                LanguageDisplay(code=code, language=name) for code, name in settings.LANGUAGES
            ],
        )
