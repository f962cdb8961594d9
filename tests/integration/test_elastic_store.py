"""What the Elasticsearch backend adds beyond the contract: URLs, templates, bulk failures, concurrency."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from misusewatch.records import Enrichment, Label, Post
from misusewatch.store import PostFilter, StoreError, StoreURLError, open_store
from misusewatch.store.elastic import INDICES, ElasticStore

T0 = datetime(2019, 5, 5, 12, 0, tzinfo=UTC)


def make_post(n: int, **overrides) -> Post:
    fields = dict(id="", source="forum-a", platform="phpbb", site="forum.example.org",
                  thread_id=str(n // 10), post_id=str(n), created_at=T0 + timedelta(minutes=n),
                  text=f"post {n} on fine-tuning GPT-2 for reviews", author=f"user{n % 2}",
                  raw={"n": n})
    fields.update(overrides)
    return Post(**fields)


def drop(store: ElasticStore) -> None:
    store.client.indices.delete(index=",".join(store.index.values()), ignore_unavailable=True)
    for name in store.index.values():
        store.client.indices.delete_index_template(name=name)


# ---------------------------------------------------------------- URLs and settings


def test_http_urls_open_an_elastic_store_with_their_options():
    store = open_store("http://127.0.0.1:9/?index_prefix=mw-x.&refresh=false&chunk_size=7", init=False)
    assert isinstance(store, ElasticStore)
    assert (store.prefix, store.refresh, store.bulk.chunk_size) == ("mw-x.", False, 7)
    assert store.index["crawl-runs"] == "mw-x.crawl-runs"
    assert store.url == "http://127.0.0.1:9/?index_prefix=mw-x.&refresh=false&chunk_size=7"
    defaults = ElasticStore.from_url("https://elastic:s3cret@es.example.org:9200")
    assert defaults.index["posts"] == "misusewatch-posts" and defaults.refresh is True
    assert "s3cret" not in defaults.url and defaults.url == "https://elastic:***@es.example.org:9200"


@pytest.mark.parametrize(
    "query",
    ["?nope=1", "?index_prefix=Upper-", "?index_prefix=a*", "?refresh=maybe", "?chunk_size=many", "?chunk_size=0"],
)
def test_bad_url_options_are_named(query: str):
    with pytest.raises(StoreURLError, match=r"http://127\.0\.0\.1:9"):
        ElasticStore.from_url(f"http://127.0.0.1:9/{query}")


def test_an_unreachable_cluster_is_a_store_error():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = ElasticStore(f"http://127.0.0.1:{port}")
    with pytest.raises(StoreError, match=f"cannot reach Elasticsearch at http://127.0.0.1:{port}"):
        store.count_posts()


@pytest.mark.skipif(bool(os.environ.get("MISUSEWATCH_ES_URL")), reason="osmem-specific header check")
def test_production_clients_keep_elasticsearch_9_headers(es_url: str):
    """The plain-JSON override exists for the test server only; without it osmem refuses the
    client's versioned media type, which shows production requests are left untouched."""
    store = ElasticStore(es_url, index_prefix="mwtest-headers-")
    with pytest.raises(StoreError, match="406"):
        store.init()


# ---------------------------------------------------------------- templates and mappings


def test_init_installs_a_template_and_an_index_per_kind(elastic: ElasticStore):
    client = elastic.client
    for name in INDICES:
        index = elastic.index[name]
        assert client.indices.exists(index=index)
        template = client.indices.get_index_template(name=index)["index_templates"][0]
        assert template["index_template"]["index_patterns"] == [index]
        assert template["index_template"]["_meta"]["managed_by"] == "misusewatch"
    mapping = client.indices.get_mapping(index=elastic.index["posts"])[elastic.index["posts"]]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["categories"]["type"] == "keyword"
    assert mapping["properties"]["text"]["type"] == "text"


def test_init_again_leaves_current_templates_and_restores_what_is_missing(elastic: ElasticStore):
    client = elastic.client
    posts_index, labels_index = elastic.index["posts"], elastic.index["labels"]
    installed = client.indices.get_index_template(name=posts_index)["index_templates"][0]["index_template"]
    # Mark the current template: a re-run of init must not PUT it again (a cluster-state update).
    client.indices.put_index_template(
        name=posts_index, index_patterns=installed["index_patterns"], priority=installed["priority"],
        template=installed["template"], meta={**installed["_meta"], "seen_by": "test"},
    )
    client.indices.delete(index=labels_index)
    elastic.init()
    after = client.indices.get_index_template(name=posts_index)["index_templates"][0]["index_template"]
    assert after["_meta"]["seen_by"] == "test"
    assert client.indices.exists(index=labels_index)
    assert elastic.add_label(Label("post", "p", "tag", "x", "ann")).id is not None


def test_a_stale_template_is_replaced_and_its_index_updated(elastic: ElasticStore):
    client = elastic.client
    index = elastic.index["cursors"]
    client.indices.put_index_template(name=index, index_patterns=[index], priority=500,
                                      template={"settings": {}}, meta={"spec_sha256": "old"})
    elastic.init()
    meta = client.indices.get_index_template(name=index)["index_templates"][0]["index_template"]["_meta"]
    assert meta["spec_sha256"] != "old"
    elastic.set_cursor("s", "k", [1])
    assert elastic.get_cursor("s", "k") == [1]


def test_facets_are_plain_fields_on_the_post_document(elastic: ElasticStore):
    post = make_post(1)
    elastic.upsert_posts([post])
    elastic.write_enrichments([
        Enrichment(post.id, "tagger", "1", facets={"lm_related": True, "categories": ["fake_reviews"],
                                                  "ladder": "plan", "tier": 2}),
        Enrichment(post.id, "detector:tfidf", "3", facets={"detector_scores": {"tfidf": 0.75}}),
        Enrichment(post.id, "detector:gltr", "1", error="model missing"),
    ])
    elastic.add_label(Label("post", post.id, "status", "in_review", "ann"))
    elastic.add_label(Label("post", post.id, "tag", "campaign-x", "ann"))
    doc = elastic.client.get(index=elastic.index["posts"], id=post.id)["_source"]
    assert doc["enriched"] == ["tagger@1", "detector:tfidf@3"]  # the failed one is not marked
    assert (doc["lm_related"], doc["categories"], doc["ladder"], doc["tier"]) == (True, ["fake_reviews"], "plan", 2)
    assert doc["detector_scores"] == {"tfidf": 0.75} and doc["max_score"] == 0.75
    assert doc["labels"] == ["campaign-x", "in_review"]
    assert json.loads(doc["raw_json"]) == {"n": 1}


def test_detector_names_with_dots_do_not_clash(elastic: ElasticStore):
    a, b = make_post(1), make_post(2)
    elastic.upsert_posts([a, b])
    elastic.write_enrichments([
        Enrichment(a.id, "detector:gpt2", "1", facets={"detector_scores": {"gpt2": 0.5}}),
        Enrichment(b.id, "detector:gpt2.small", "1", facets={"detector_scores": {"gpt2.small": 0.8}}),
    ])
    assert elastic.count_posts(PostFilter(detector="gpt2.small", min_score=0.7)) == 1
    assert elastic.count_posts(PostFilter(detector="gpt2")) == 1
    assert elastic.count_posts(PostFilter(min_score=0.5)) == 2


# ---------------------------------------------------------------- bulk writes


def test_small_chunks_count_and_keep_revisions_like_one_batch(es_url: str):
    store = open_store(f"{es_url.rstrip('/')}/?index_prefix=mwtest-chunks-&chunk_size=3")
    try:
        posts = [make_post(n) for n in range(10)]
        assert store.upsert_posts(posts).inserted == 10
        edited = [p.replace(text=p.text + " (edited)") for p in posts[:4]]
        result = store.upsert_posts([*edited, *posts[4:], make_post(10), make_post(11)])
        assert (result.inserted, result.updated, result.unchanged) == (2, 4, 6)
        assert [r.text for r in store.revisions(posts[3].id)] == [posts[3].text]
        assert store.count_posts() == 12
    finally:
        drop(store)
        store.close()


def test_refused_documents_are_named_and_nothing_written_is_lost(elastic: ElasticStore):
    posts = [make_post(n) for n in range(5)]
    elastic.upsert_posts(posts[:3])
    # What a full disk does to an index (flood-stage watermark): writes are blocked.
    elastic.client.indices.put_settings(index=elastic.index["posts"], settings={"index.blocks.write": True})
    try:
        with pytest.raises(StoreError) as refused:
            elastic.upsert_posts(posts[3:])
    finally:
        elastic.client.indices.put_settings(index=elastic.index["posts"], settings={"index.blocks.write": False})
    message = str(refused.value)
    assert posts[3].id in message and posts[4].id in message
    assert "2 document(s) refused" in message and "cluster_block_exception" in message
    assert elastic.count_posts() == 3
    again = elastic.upsert_posts(posts)
    assert (again.inserted, again.unchanged) == (2, 3)


def test_an_overlong_id_is_refused_by_name_and_the_rest_written(elastic: ElasticStore):
    good, long = make_post(1), make_post(2, thread_id="t" * 600)
    with pytest.raises(StoreError, match="id longer than 512 bytes"):
        elastic.upsert_posts([good, long])
    assert elastic.get_post(good.id) == good


def test_concurrent_facet_writers_keep_each_others_work(elastic: ElasticStore):
    """A tagger and a detector job writing to the same posts at once: the if_seq_no guard
    re-reads and re-applies on conflict, so neither overwrites the other's markers."""
    posts = [make_post(n) for n in range(6)]
    elastic.upsert_posts(posts)
    versions = [str(v) for v in range(12)]
    errors: list[BaseException] = []

    def writer(enricher: str, facets: dict) -> None:
        try:
            for version in versions:
                elastic.write_enrichments([Enrichment(p.id, enricher, version, facets=facets) for p in posts])
        except BaseException as exc:  # surfaced below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=("tagger", {"ladder": "code"})),
               threading.Thread(target=writer, args=("detector:tfidf", {"detector_scores": {"tfidf": 0.9}}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for version in versions:
        assert elastic.count_pending("tagger", version) == 0
        assert elastic.count_pending("detector:tfidf", version) == 0
    assert elastic.count_posts(PostFilter(ladder="code", detector="tfidf", min_score=0.9)) == 6


# ---------------------------------------------------------------- the CLI on Elasticsearch


def test_cli_import_is_idempotent_on_elasticsearch(es_url: str, tmp_path: Path):
    url = f"{es_url.rstrip('/')}/?index_prefix=mwtest-cli-"
    lines = [json.dumps(make_post(n).to_dict()) for n in range(4)]
    (tmp_path / "posts.jsonl").write_text("\n".join(lines) + "\n")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "misusewatch.cli", "--store", url, *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, env=os.environ)

    try:
        first = run("import", "posts.jsonl")
        assert first.returncode == 0, first.stderr
        assert "4 inserted, 0 updated, 0 unchanged" in first.stdout
        assert "0 inserted, 0 updated, 4 unchanged" in run("import", "posts.jsonl").stdout
        found = run("search", '"fine-tuning GPT-2" post', "--json")
        assert found.returncode == 0, found.stderr
        assert len(found.stdout.splitlines()) == 4
    finally:
        store = ElasticStore.from_url(url)
        drop(store)
        store.close()
