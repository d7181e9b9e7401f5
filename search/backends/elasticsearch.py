"""The Elasticsearch 8 backend, through elasticsearch-dsl."""

from .base import SearchBackend


class ElasticsearchBackend(SearchBackend):
    # TODO: mappings, alias swap and queries arrive with the public lookup
    # issue; until then ELASTICSEARCH_URL must stay unset.
    def __init__(self):
        raise NotImplementedError("the Elasticsearch backend is not built yet")
