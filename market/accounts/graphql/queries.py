import graphene

from market.accounts.graphql.types import User


class AccountQueries(graphene.ObjectType):
    me = graphene.Field(User, description="The signed-in user; null for anonymous requests.")

    @staticmethod
    def resolve_me(_root, info):
        user = info.context.user
        return user if user.is_authenticated else None
