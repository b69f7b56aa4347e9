import graphene


class CheckoutMutations(graphene.ObjectType):
    """Writes of checkouts and shipping methods."""
