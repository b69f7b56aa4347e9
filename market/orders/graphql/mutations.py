import graphene


class OrderMutations(graphene.ObjectType):
    """Writes of orders and seller orders."""
