from province.graphql.registry_mutations import RegistryMutations


class ProvinceMutations(RegistryMutations):
    """The province's registry, imported and matched by auditors and operators."""
