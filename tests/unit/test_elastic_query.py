"""The Elasticsearch backend's pure parts: user text and filters -> query DSL, facet updates."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from misusewatch.records import Enrichment, Label
from misusewatch.store import PostFilter
from misusewatch.store.elastic_docs import apply_enrichments, apply_label, cursor_id
from misusewatch.store.elastic_query import filter_clauses, post_query, score_field, search_sort, text_clauses


@pytest.mark.parametrize(
    "hostile", ['"', "(", "AND OR NOT", "text:post", "-post", "{a b}", "/regex/", "~1", "post*",
                '{"query": {"match_all": {}}}', "\\", "<script>"]
)
def test_user_text_only_ever_becomes_phrase_queries(hostile: str):
    for clause in text_clauses(hostile):
        assert list(clause) == ["multi_match"]
        assert clause["multi_match"]["type"] == "phrase"
        assert clause["multi_match"]["fields"] == ["text", "thread_title"]
    # Nothing of the text reaches the DSL except as the value of a "query" key.
    dumped = json.dumps(post_query(text=hostile))
    assert "query_string" not in dumped and "simple_query_string" not in dumped


def test_words_and_phrases_are_each_required():
    clauses = text_clauses('spam "fine tune" gpt-2')
    assert [c["multi_match"]["query"] for c in clauses] == ["spam", "fine tune", "gpt-2"]
    assert post_query(text='spam "fine tune"')["bool"]["must"] == text_clauses('spam "fine tune"')


def test_filters_become_plain_filters():
    since, until = datetime(2019, 2, 14, tzinfo=UTC), datetime(2019, 5, 1, tzinfo=UTC)
    clauses = filter_clauses(PostFilter(source="s", since=since, until=until, category="spam",
                                        min_tier=2, label="escalated", min_score=0.9))
    assert {"term": {"source": "s"}} in clauses
    assert {"range": {"created_at": {"gte": "2019-02-14T00:00:00Z", "lt": "2019-05-01T00:00:00Z"}}} in clauses
    assert {"term": {"categories": "spam"}} in clauses
    assert {"range": {"tier": {"gte": 2}}} in clauses
    assert {"term": {"labels": "escalated"}} in clauses
    assert {"range": {"max_score": {"gte": 0.9}}} in clauses
    assert filter_clauses(PostFilter(ids=[])) == [{"match_none": {}}]
    assert post_query(PostFilter()) == {"match_all": {}}


def test_detector_names_are_single_fields():
    assert score_field("gpt2.small") == "detector_scores.gpt2%2Esmall"
    assert filter_clauses(PostFilter(detector="gpt2.small", min_score=0.5)) == [
        {"range": {"detector_scores.gpt2%2Esmall": {"gte": 0.5}}}
    ]


def test_relevance_without_words_means_newest():
    assert search_sort("", "relevance") == search_sort("(", "relevance") == search_sort("x", "newest")
    assert search_sort("x", "relevance")[0] == "_score"
    with pytest.raises(ValueError):
        search_sort("x", "random")


def test_enrichments_set_facets_markers_and_retry_failures():
    current = {"enriched": ["tagger@1"], "detector_scores": {"tfidf": 0.2}}
    doc = apply_enrichments(current, [
        Enrichment("p", "tagger", "2", facets={"categories": ["spam"], "ladder": "code", "tier": None}),
        Enrichment("p", "detector:gltr", "1", facets={"detector_scores": {"gltr": 0.7}}),
        Enrichment("p", "tagger", "1", error="crashed"),
    ])
    assert doc["enriched"] == ["tagger@2", "detector:gltr@1"]
    assert (doc["categories"], doc["ladder"], doc["tier"]) == (["spam"], "code", None)
    assert doc["detector_scores"] == {"tfidf": 0.2, "gltr": 0.7} and doc["max_score"] == 0.7
    assert "lm_related" not in doc  # keys an enrichment does not set are left alone


def test_status_labels_replace_and_tags_add_up():
    doc = apply_label({}, Label("post", "p", "status", "in_review", "ann"))
    doc = apply_label(doc, Label("post", "p", "tag", "campaign-x", "ann"))
    doc = apply_label(doc, Label("post", "p", "status", "escalated", "bob"))
    assert doc == {"label_status": "escalated", "label_tags": ["campaign-x"], "labels": ["campaign-x", "escalated"]}


def test_cursor_ids_cannot_collide():
    assert cursor_id("a:b", "c") != cursor_id("a", "b:c")
