"""The statistics, checked against hand computations."""

from __future__ import annotations

import math

import pytest

from threat_model.stats import (
    binomial_evidence,
    clopper_pearson,
    poisson_lower_tail,
    rate_ratio,
    wilson,
)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed by hand."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_wald_rate_ratio_matches_hand_computation():
    # RR = (10/1000)/(20/1000) = 0.5; SE(log RR) = sqrt(1/20 + 1/10) = 0.387298;
    # z*SE = 1.959964*0.387298 = 0.759090; exp(-0.693147 -/+ 0.759090) = 0.234043, 1.068166.
    rr = rate_ratio(20, 1000, 10, 1000, method="wald")
    assert rr.estimate == pytest.approx(0.5)
    assert rr.lower == pytest.approx(0.234043, abs=1e-5)
    assert rr.upper == pytest.approx(1.068166, abs=1e-5)
    assert rr.direction == "flat"


def test_wald_adds_a_half_when_a_count_is_zero():
    # (0.5/100)/(4.5/100) = 0.111111; SE = sqrt(1/4.5 + 1/0.5) = 1.490712
    rr = rate_ratio(4, 100, 0, 100, method="wald")
    assert rr.estimate == 0
    z = 1.959964
    assert rr.lower == pytest.approx(math.exp(math.log(1 / 9) - z * 1.490712), rel=1e-5)
    assert rr.upper == pytest.approx(math.exp(math.log(1 / 9) + z * 1.490712), rel=1e-5)


@pytest.mark.parametrize(("e1", "e2"), [(100, 100), (100, 1000), (1000, 100)])
def test_wald_with_no_events_on_either_side_is_flat(e1, e2):
    # Unequal exposures with 0 and 0 must not yield a direction from the 0.5 correction.
    rr = rate_ratio(0, e1, 0, e2, method="wald")
    assert rr.estimate is None
    assert (rr.lower, rr.upper) == (0.0, math.inf)
    assert rr.direction == "flat"


@pytest.mark.parametrize(
    ("k1", "e1", "k2", "e2"),
    [(10, 1.0, 20, 1.0), (40, 486, 14, 634), (3, 500, 1, 700), (0, 300, 6, 300), (5, 10, 0, 20)],
)
def test_exact_rate_ratio_bounds_satisfy_their_definition(k1, e1, k2, e2):
    """At the bounds, the conditional binomial tail equals alpha/2 (Clopper-Pearson)."""
    rr = rate_ratio(k1, e1, k2, e2)
    n, scale = k1 + k2, e1 / e2
    to_p = lambda r: r / (r + scale)  # noqa: E731  inverse of RR = p/(1-p) * e1/e2
    if k2 > 0:
        assert binom_sf(k2, n, to_p(rr.lower)) == pytest.approx(0.025, abs=1e-6)
    else:
        assert rr.lower == 0
    if k2 < n:
        assert 1 - binom_sf(k2 + 1, n, to_p(rr.upper)) == pytest.approx(0.025, abs=1e-6)
    else:
        assert rr.upper == math.inf


def test_exact_rate_ratio_matches_hand_computation():
    # 20 of 30 events fall in the current window (equal exposure): Clopper-Pearson for 20/30
    # is (0.471861, 0.827134), so RR is in (0.47186/0.52814, 0.82713/0.17287) = (0.8934, 4.7849).
    rr = rate_ratio(10, 1.0, 20, 1.0)
    assert rr.estimate == 2.0
    assert rr.lower == pytest.approx(0.8934, abs=2e-4)
    assert rr.upper == pytest.approx(4.7849, abs=2e-3)
    assert rr.direction == "flat"
    assert rate_ratio(40, 486, 14, 634).direction == "down"
    assert rate_ratio(2, 220, 40, 486).direction == "up"


@pytest.mark.parametrize(
    ("k1", "e1", "k2", "e2", "estimate", "direction"),
    [
        (0, 100, 0, 100, None, "flat"),
        (0, 100, 9, 100, math.inf, "up"),
        (9, 100, 0, 100, 0.0, "down"),
    ],
)
def test_zero_counts_are_defined(k1, e1, k2, e2, estimate, direction):
    rr = rate_ratio(k1, e1, k2, e2)
    assert rr.estimate == estimate
    assert rr.direction == direction
    data = rr.to_dict()
    assert all(not (isinstance(v, float) and math.isinf(v)) for v in data.values())


def test_no_exposure_means_no_comparison():
    assert rate_ratio(5, 0, 3, 100) is None
    assert rate_ratio(5, 100, 3, 0) is None


def test_p_value_is_the_conditional_binomial_test():
    # Equal exposure, 2 vs 8: two-sided exact binomial p for 8 of 10 at p=0.5 is 0.109375.
    assert rate_ratio(2, 1.0, 8, 1.0).p_value == pytest.approx(0.109375)


def test_clopper_pearson_edges():
    assert clopper_pearson(0, 10)[0] == 0.0
    assert clopper_pearson(10, 10)[1] == 1.0
    low, high = clopper_pearson(0, 10)
    assert (1 - high) ** 10 == pytest.approx(0.025)  # P(X=0 | p=high) = alpha/2


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # p=.05, z=1.959964: centre (0.05 + z^2/200)/(1 + z^2/100) = 0.066648,
        # half z*sqrt(.0475/100 + z^2/40000)/(1 + z^2/100) = 0.045106
        (5, 100, 0.021542, 0.111754),
        (0, 20, 0.0, 0.161125),  # z^2/(n+z^2) = 3.841459/23.841459
        (20, 20, 0.838875, 1.0),
    ],
)
def test_wilson_interval_matches_hand_computation(k, n, low, high):
    assert wilson(k, n) == pytest.approx((low, high), abs=1e-5)


def test_binomial_evidence_matches_hand_computation():
    # P(X >= 3 | n=10, p=.1) = 1 - (.9^10 + 10*.1*.9^9 + 45*.01*.9^8) = 0.0701908
    result = binomial_evidence(3, 10, 0.1)
    assert result.p_value == pytest.approx(0.0701908, abs=1e-7)
    assert not result.significant
    assert binomial_evidence(44, 1004, 0.01).significant
    assert binomial_evidence(0, 50, 0.01).p_value == 1.0


@pytest.mark.parametrize(("k", "n", "alpha"), [(-1, 5, 0.1), (6, 5, 0.1), (1, 5, 0.0), (1, 5, 1.0)])
def test_binomial_evidence_rejects_impossible_input(k, n, alpha):
    with pytest.raises(ValueError):
        binomial_evidence(k, n, alpha)


def test_poisson_lower_tail():
    # P(X <= 0 | mean 7) = e^-7
    assert poisson_lower_tail(0, 7.0) == pytest.approx(math.exp(-7))
    assert poisson_lower_tail(3, 0) == 1.0
