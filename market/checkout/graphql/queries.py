import graphene


class CheckoutQueries(graphene.ObjectType):
    """Reads of checkouts and shipping methods."""
