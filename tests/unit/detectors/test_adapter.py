"""A detector as an Enricher: the ``detector:<name>`` enrichment contract of docs/development.md."""

from __future__ import annotations

from datetime import UTC, datetime

from enrichment.base import enrichers
from enrichment.detectors.evaluation import LabelledSet
from enrichment.detectors.training import train_tfidf
from misusewatch.records import Post
from tests.unit.detectors.data import synthetic


def post(i: int, text: str) -> Post:
    return Post(
        id=f"t:s:1:{i}",
        source="testbed",
        platform="discourse",
        site="s",
        thread_id="1",
        post_id=str(i),
        created_at=datetime(2019, 3, 1, tzinfo=UTC),
        text=text,
    )


def test_detector_enricher_writes_the_contract(tmp_path):
    human, machine = synthetic(40)
    train_tfidf(LabelledSet("s", human, machine), tmp_path, min_words=10, max_words=40)
    enricher = enrichers.create(
        "detector", {"detector": "tfidf", "config": {"path": str(tmp_path)}}
    )
    assert enricher.name == "detector:tfidf" and enricher.version
    posts = [post(0, human[0]), post(1, machine[0]), post(2, "hi")]
    results = enricher.enrich(posts)
    assert [r.post_id for r in results] == [p.id for p in posts]
    assert all(r.enricher == "detector:tfidf" and r.error is None for r in results)
    assert results[0].data["label"] == "human" and results[1].data["label"] == "machine"
    assert set(results[0].data) == {"score", "label", "threshold", "fpr", "reason"}
    assert results[1].facets == {"detector_scores": {"tfidf": results[1].data["score"]}}
    assert results[2].data["label"] == "abstain" and results[2].facets == {}


def test_failed_batch_marks_every_post_with_error(tmp_path):
    class Broken:
        name, version, default_threshold = "broken", "1", None

        def score(self, texts):
            raise RuntimeError("CUDA out of memory")

    from enrichment.detectors.adapter import DetectorEnricher
    from enrichment.detectors.decision import DecisionRule

    results = DetectorEnricher(Broken(), DecisionRule()).enrich(
        [post(0, "The committee met and the members of the board voted on it. " * 4)]
    )
    assert results[0].error == "RuntimeError: CUDA out of memory"
