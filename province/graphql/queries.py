from province.graphql.dashboard_queries import DashboardQueries
from province.graphql.registry_queries import RegistryQueries


class ProvinceQueries(RegistryQueries, DashboardQueries):
    """The province's registry and figures, for auditors and operators."""
