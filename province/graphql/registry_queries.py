import graphene


class RegistryQueries(graphene.ObjectType):
    """The department's OCOP registry (filled by the registry work)."""
