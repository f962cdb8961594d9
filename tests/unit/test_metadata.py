"""Metadata signals: burstiness, cadence, time of day, near-duplicate campaign clusters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from enrichment.metadata import (
    ClusterIndex,
    MinHasher,
    burstiness,
    cadence,
    clusters_by_actor,
    from_micros,
    signed_batches,
    similarity,
    time_of_day,
    to_micros,
)

T0 = datetime(2019, 5, 3, tzinfo=UTC)


def test_burstiness_of_a_metronome_is_minus_one() -> None:
    assert burstiness([T0 + timedelta(hours=i) for i in range(10)]) == -1.0


def test_burstiness_of_poisson_posting_is_near_zero() -> None:
    rng = np.random.default_rng(7)
    gaps = rng.exponential(3600, 5000)
    times = [T0 + timedelta(seconds=float(s)) for s in np.cumsum(gaps)]
    assert abs(burstiness(times)) < 0.05


def test_bursts_then_silence_are_bursty() -> None:
    times = [T0 + timedelta(days=d, seconds=s) for d in (0, 30, 60) for s in range(0, 50, 5)]
    assert burstiness(times) > 0.5


def test_burstiness_needs_three_posts() -> None:
    assert burstiness([T0, T0 + timedelta(hours=1)]) is None


def test_cadence_and_time_of_day() -> None:
    times = [T0 + timedelta(days=d, hours=3) for d in range(4)]
    c = cadence(times)
    assert c["posts"] == 4 and c["active_days"] == 4 and c["median_gap_s"] == 86400
    tod = time_of_day(times)
    assert tod["peak_hour"] == 3 and tod["entropy"] == 0.0 and tod["night_share"] == 1.0
    flat = time_of_day([T0 + timedelta(hours=h) for h in range(24)])
    assert flat["entropy"] == pytest.approx(1.0)


def test_minhash_estimates_jaccard() -> None:
    hasher = MinHasher(num_perm=256, bands=32)
    a = "the quick brown fox jumps over the lazy dog near the river bank today"
    b = "the quick brown fox jumps over the lazy dog near the river bank tonight"
    c = "completely different words about language models and staged release policy here"
    assert similarity(hasher.signature(a), hasher.signature(b)) > 0.7
    assert similarity(hasher.signature(a), hasher.signature(c)) < 0.1
    assert hasher.signature("too short") is None


def test_campaign_clusters_span_accounts() -> None:
    index = ClusterIndex()
    review = "This blender is amazing, five stars, I use it every single morning for smoothies {}"
    for i in range(4):
        index.add(f"p{i}", f"acct{i}", T0 + timedelta(hours=i), review.format(i))
    index.add("same-author-1", "solo", T0, "my own repeated post about the weather and the garden today")
    index.add("same-author-2", "solo", T0, "my own repeated post about the weather and the garden today")
    index.add("other", "acct9", T0, "an unrelated post that talks about fine-tuning the 355M model")
    clusters = index.clusters()
    assert len(clusters) == 1
    (cluster,) = clusters
    assert cluster["posts"] == ["p0", "p1", "p2", "p3"]
    assert cluster["accounts"] == 4 and cluster["id"].startswith("cluster:")
    assert clusters_by_actor(clusters)["acct2"] == [cluster["id"]]


def _campaign(index: ClusterIndex) -> None:
    template = "Honestly the best {} I have bought this year, arrived fast and works great, five stars {}"
    for i in range(30):
        product = ("kettle", "blender", "toaster")[i % 3]
        index.add(f"p{i}", f"acct{i % 7}", T0 + timedelta(minutes=i), template.format(product, i % 5))
    for i in range(30):
        text = f"ordinary post number {i} about gardens, weather and trains, nothing more {i}"
        index.add(f"q{i}", f"other{i}", T0, text)


def test_chunked_hashing_gives_the_same_signatures() -> None:
    texts = [f"word{i} " * 5 + "shared words in every text for the hasher to chew on " + str(i) for i in range(50)]
    whole = MinHasher(chunk_shingles=1 << 20).signature_matrix(texts)
    piecemeal = MinHasher(chunk_shingles=7).signature_matrix(texts)
    assert whole[1] == piecemeal[1] == list(range(50))
    assert np.array_equal(whole[0], piecemeal[0]) and whole[0].dtype == np.uint32


def test_samples_fetched_at_the_end_match_samples_kept_in_memory() -> None:
    kept, fetched = ClusterIndex(), ClusterIndex(keep_samples=False)
    _campaign(kept)
    _campaign(fetched)
    texts: dict[str, str] = {}
    template = "Honestly the best {} I have bought this year, arrived fast and works great, five stars {}"
    for i in range(30):
        texts[f"p{i}"] = template.format(("kettle", "blender", "toaster")[i % 3], i % 5)
    asked: list[list[str]] = []

    def sample_of(ids: list[str]) -> dict[str, str]:
        asked.append(ids)
        return {i: texts[i] for i in ids}

    expected = kept.clusters()
    assert expected and fetched.clusters(sample_of=sample_of) == expected
    assert len(asked) == 1 and sorted(asked[0]) == sorted(c["posts"][0] for c in expected)  # one query, samples only
    assert len(fetched) == len(kept) == 60


def test_times_are_stored_exactly() -> None:
    from datetime import timezone

    eastern = timezone(timedelta(hours=-5))
    for when in (T0, T0 + timedelta(microseconds=7), datetime(2019, 5, 3, 23, 59, tzinfo=eastern)):
        back = from_micros(to_micros(when))
        assert back == when and back.tzinfo is UTC


def test_signatures_hashed_in_worker_processes_are_the_same() -> None:
    text = "post {} says the same long thing about gardens and trains {}"
    items = [(f"p{i}", f"a{i % 3}", T0, text.format(i, i % 4)) for i in range(50)]
    batches = [items[i : i + 7] for i in range(0, len(items), 7)]
    here = list(signed_batches(MinHasher(), batches, 1))
    forked = list(signed_batches(MinHasher(), iter(batches), 2))
    assert [b for b, _ in forked] == batches
    for (_, (m1, k1)), (_, (m2, k2)) in zip(here, forked, strict=True):
        assert k1 == k2 and np.array_equal(m1, m2)
    serial, parallel = ClusterIndex(), ClusterIndex()
    for batch, signed in here:
        serial.add_many(batch, signed=signed)
    for batch in batches:
        parallel.add_many(batch)
    assert serial.clusters() == parallel.clusters() and serial.clusters()


@pytest.mark.parametrize("capacity", [0, 10, 60, 1000])
def test_capacity_fills_in_place_or_overflows_with_the_same_clusters(capacity: int) -> None:
    reference, index = ClusterIndex(), ClusterIndex(capacity=capacity)
    _campaign(reference)
    _campaign(index)
    assert index.clusters() == reference.clusters()
    assert len(index) == 60 and index._signatures().shape == (60, 64)
