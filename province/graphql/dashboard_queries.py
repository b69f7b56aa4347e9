import graphene


class DashboardQueries(graphene.ObjectType):
    """``provinceDashboard`` (filled by the figures work)."""
