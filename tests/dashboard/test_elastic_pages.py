"""Every page renders on the Elasticsearch backend too (a local OpenSearch-API server, or $MISUSEWATCH_ES_URL)."""

from __future__ import annotations

import pytest

from dashboard.demo_seed import seed_demo_store
from tests.dashboard.conftest import frame_with, no_exceptions, open_page
from tests.integration.conftest import elastic_store, es_url  # noqa: F401 - es_url is a fixture

PAGES = ("overview", "triage", "post", "actors", "committee", "alerts", "sources")


@pytest.fixture(scope="module")
def elastic_seeded(es_url, seeded):  # noqa: F811 - the fixture imported above
    stores = elastic_store(es_url)
    store = next(stores)
    marked = seed_demo_store(store)
    yield {**seeded, "url": store.url, "marked": marked}
    stores.close()


@pytest.mark.integration
def test_every_page_on_elasticsearch(elastic_seeded, app_for):
    for page in PAGES:
        query = {"id": elastic_seeded["marked"]["hostile"][0]} if page == "post" else {}
        at = open_page(app_for(elastic_seeded), page, **query)
        no_exceptions(at)
    at = open_page(app_for(elastic_seeded), "overview")
    assert list(frame_with(at, "stage", "misuse rate")["stage"]) == ["pre-release", "124M", "355M", "774M", "1.5B"]
