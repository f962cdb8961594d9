"""Index templates of the Elasticsearch backend: one JSON file per index, applied by ``init()``."""
