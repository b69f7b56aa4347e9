"""The Elasticsearch connection, configured from settings on first use."""

from django.conf import settings
from elasticsearch import Elasticsearch
from elasticsearch.dsl import connections

ALIAS = "default"


def get_client() -> Elasticsearch:
    try:
        return connections.get_connection(ALIAS)
    except KeyError:
        if not settings.ELASTICSEARCH_URL:
            raise RuntimeError(
                "ELASTICSEARCH_URL is not set: the database backend is in use"
            ) from None
        return connections.create_connection(
            alias=ALIAS, hosts=[settings.ELASTICSEARCH_URL], request_timeout=10
        )


def index_name(name: str) -> str:
    """Prefix index names so that several deployments (or test runs) share a cluster."""
    return f"{settings.SEARCH_INDEX_PREFIX}-{name}"
