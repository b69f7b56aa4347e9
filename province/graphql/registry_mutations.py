import graphene


class RegistryMutations(graphene.ObjectType):
    """Importing and matching the department's OCOP registry (filled by the registry work)."""
