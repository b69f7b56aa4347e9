import graphene


class OrderQueries(graphene.ObjectType):
    """Reads of orders and seller orders."""
