"""Search backends behind one interface; ``get_backend()`` picks the configured one."""

from django.conf import settings

from search.backends.base import (
    FacetValue,
    SearchBackend,
    SearchFilters,
    SearchHit,
    SearchResult,
    SearchUnavailable,
)

__all__ = [
    "FacetValue",
    "SearchBackend",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "SearchUnavailable",
    "get_backend",
]


def get_backend() -> SearchBackend:
    """Elasticsearch when ``ELASTICSEARCH_URL`` is set, the database otherwise."""
    if settings.ELASTICSEARCH_URL:
        from search.backends.elastic import ElasticsearchBackend

        return ElasticsearchBackend()
    from search.backends.database import DatabaseBackend

    return DatabaseBackend()
