"""Calibration: thresholds hit their FPR, abstention, Platt scaling, actor test."""

from __future__ import annotations

import numpy as np
import pytest

from enrichment.calibration import (
    Abstention,
    PlattScaling,
    Thresholds,
    actor_evidence,
    threshold_at_fpr,
)


@pytest.mark.parametrize("fpr", [0.01, 0.001])
def test_thresholds_hit_their_fpr_on_synthetic_scores(fpr):
    rng = np.random.default_rng(0)
    reference = rng.normal(0, 1, 20_000)
    threshold = threshold_at_fpr(reference, fpr)
    assert (reference > threshold).mean() <= fpr
    assert (reference > threshold).mean() >= fpr - 1 / reference.size
    fresh = rng.normal(0, 1, 200_000)  # the rate carries over to new human posts
    assert abs((fresh > threshold).mean() - fpr) < 0.35 * fpr


def test_small_reference_flags_no_human_post():
    assert threshold_at_fpr([0.1, 0.2, 0.3], 0.01) == 0.3


def test_thresholds_per_source_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    fitted = Thresholds.fit(
        "tfidf", {"forum-a": rng.uniform(0, 0.5, 5000), "forum-b": rng.uniform(0.2, 0.9, 5000)}
    )
    path = tmp_path / "thresholds.json"
    fitted.save(path)
    loaded = Thresholds.load(path)
    assert loaded.threshold("forum-a", 0.01) == pytest.approx(0.495, abs=0.003)
    assert loaded.threshold("forum-b", 0.001) > loaded.threshold("forum-b", 0.01)
    assert loaded.threshold("unknown-forum", 0.01) == fitted.by_source["*"][0.01]
    assert loaded.reference_size == {"forum-a": 5000, "forum-b": 5000, "*": 10000}
    with pytest.raises(KeyError, match="no threshold at FPR"):
        loaded.threshold("forum-a", 0.05)


def test_platt_scaling_fits_and_round_trips(tmp_path):
    rng = np.random.default_rng(2)
    raw = np.concatenate([rng.normal(-1, 1, 2000), rng.normal(1, 1, 2000)])
    labels = [0] * 2000 + [1] * 2000
    platt = PlattScaling.fit(raw, labels)
    # Two unit-variance normals at -1/+1: the true posterior is sigmoid(2x).
    assert platt.slope == pytest.approx(2.0, rel=0.15)
    assert abs(platt.intercept) < 0.15
    platt.save(tmp_path / "p.json")
    np.testing.assert_allclose(
        PlattScaling.load(tmp_path / "p.json")([0.0, 1.0]), platt([0.0, 1.0])
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("too short to judge", "too short"),
        (
            "Der Ausschuss hat am Dienstag über den Haushalt für das nächste Jahr beraten und "
            "beschlossen, dass die Mittel für die Forschung erhöht werden sollen.",
            "not English",
        ),
        (
            "Комитет обсудил бюджет на следующий год и решил увеличить расходы "
            "в регионах страны, а также поддержать новые программы для молодых учёных.",
            "not English",
        ),
        (
            "The committee met on Tuesday to discuss the budget for next year and decided "
            "that the money "
            "for research should go up, because it is what the people in the region asked for.",
            None,
        ),
    ],
)
def test_abstention(text, reason):
    got = Abstention().reason(text)
    assert (got is None) if reason is None else got.startswith(reason)


def test_actor_evidence_binomial_values():
    from math import comb

    n, k, fpr = 200, 3, 0.001
    exact = 1 - sum(comb(n, i) * fpr**i * (1 - fpr) ** (n - i) for i in range(k))
    evidence = actor_evidence(k, n, fpr)
    assert evidence.p_value == pytest.approx(exact, rel=1e-9)
    assert evidence.expected == pytest.approx(0.2)
    assert "reasonable suspicion" in evidence.interpretation  # 1.5% flagged at 0.1% FPR
    chance = actor_evidence(2, 100, 0.01)
    assert chance.p_value == pytest.approx(1 - 0.99**100 - 100 * 0.01 * 0.99**99, rel=1e-9)
    assert "consistent with chance" in chance.interpretation
    assert actor_evidence(0, 50, 0.01).p_value == pytest.approx(1.0)
    with pytest.raises(ValueError):
        actor_evidence(5, 3, 0.01)
