"""The statistics behind the indicators: rate ratios with CIs, Wilson intervals, binomial tests."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any, Literal

from scipy import stats as sps

RateMethod = Literal["exact", "wald"]


@dataclass(frozen=True, slots=True)
class RateRatio:
    """Rate in the current window over the rate in the previous one, with its interval.

    ``estimate`` is None when both counts are zero, ``inf`` when only the previous one is.
    ``direction`` is "up"/"down" only when the interval excludes 1, else "flat".
    """

    previous_count: int
    previous_exposure: float
    current_count: int
    current_exposure: float
    estimate: float | None
    lower: float
    upper: float
    p_value: float
    confidence: float
    method: str

    @property
    def direction(self) -> str:
        if self.lower > 1:
            return "up"
        if self.upper < 1:
            return "down"
        return "flat"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["direction"] = self.direction
        for key in ("estimate", "lower", "upper"):
            if out[key] is not None and math.isinf(out[key]):
                out[key] = None if key == "estimate" and self.current_count == 0 else "inf"
        return out


def rate_ratio(
    previous_count: int,
    previous_exposure: float,
    current_count: int,
    current_exposure: float,
    *,
    confidence: float = 0.95,
    method: RateMethod = "exact",
) -> RateRatio | None:
    """Compare two Poisson counts observed over different exposures (e.g. posts collected).

    ``exact`` (the default): conditional on the total k1+k2, the current count is binomial
    with p = e2/(e1+e2) under "no change"; a Clopper-Pearson interval for p maps to the rate
    ratio as RR = p/(1-p) * e1/e2. Exact for small counts and defined when a count is zero.
    ``wald``: log(RR) +/- z*sqrt(1/k1 + 1/k2), adding 0.5 to both counts when one is 0;
    (0, inf) when both are.
    Returns None when either exposure is zero (nothing collected: no rate to compare).
    """
    k1, k2 = int(previous_count), int(current_count)
    e1, e2 = float(previous_exposure), float(current_exposure)
    if k1 < 0 or k2 < 0:
        raise ValueError("counts must be non-negative")
    if e1 <= 0 or e2 <= 0:
        return None
    alpha = 1 - confidence
    if k1 + k2 == 0:
        estimate = None
    elif k1 == 0:
        estimate = math.inf
    else:
        estimate = (k2 / e2) / (k1 / e1)
    p_value = _conditional_p_value(k1, e1, k2, e2)
    if method == "exact":
        lower, upper = _exact_bounds(k1, e1, k2, e2, alpha)
    elif method == "wald":
        lower, upper = _wald_bounds(k1, e1, k2, e2, alpha)
    else:
        raise ValueError(f"unknown method {method!r} (exact or wald)")
    return RateRatio(k1, e1, k2, e2, estimate, lower, upper, p_value, confidence, method)


def _exact_bounds(k1: int, e1: float, k2: int, e2: float, alpha: float) -> tuple[float, float]:
    n = k1 + k2
    if n == 0:
        return 0.0, math.inf
    p_low, p_high = clopper_pearson(k2, n, alpha)
    scale = e1 / e2
    lower = p_low / (1 - p_low) * scale
    upper = math.inf if p_high >= 1 else p_high / (1 - p_high) * scale
    return lower, upper


def _wald_bounds(k1: int, e1: float, k2: int, e2: float, alpha: float) -> tuple[float, float]:
    if k1 + k2 == 0:
        # No events at all: the 0.5 correction would turn the exposure ratio alone into a
        # "direction"; like the exact method, no counts means no information.
        return 0.0, math.inf
    if k1 == 0 or k2 == 0:
        k1, k2 = k1 + 0.5, k2 + 0.5  # type: ignore[assignment]
    log_rr = math.log((k2 / e2) / (k1 / e1))
    half = z_score(1 - alpha) * math.sqrt(1 / k1 + 1 / k2)
    return math.exp(log_rr - half), math.exp(log_rr + half)


def _conditional_p_value(k1: int, e1: float, k2: int, e2: float) -> float:
    n = k1 + k2
    if n == 0:
        return 1.0
    return float(sps.binomtest(k2, n, e2 / (e1 + e2)).pvalue)


@lru_cache(maxsize=16)
def z_score(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level (1.959964 for 0.95)."""
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact two-sided interval for a binomial proportion k/n."""
    if n <= 0:
        return 0.0, 1.0
    lower = 0.0 if k == 0 else float(sps.beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(sps.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (prevalence shares in the summary)."""
    if n <= 0:
        return 0.0, 1.0
    z = z_score(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class BinomialEvidence:
    """Are k flagged posts out of n more than a detector's false-positive rate explains?"""

    k: int
    n: int
    null_rate: float
    rate: float
    p_value: float
    significant: bool
    significance: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): the one-sided binomial test every stage shares."""
    if k <= 0:
        return 1.0
    return float(sps.binom.sf(k - 1, n, p))


def binomial_evidence(
    k: int, n: int, alpha: float, *, significance: float = 0.01
) -> BinomialEvidence:
    """One-sided binomial test of k flagged out of n against the false-positive rate ``alpha``.

    Under "all of it is human-written", each post is flagged with probability ``alpha`` (the
    detector's calibrated FPR), so P(X >= k) is the chance of seeing this many flags anyway.
    ``significant`` when that p-value is below ``significance``.
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha (the false-positive rate) must be in (0, 1), got {alpha}")
    p_value = binomial_tail(k, n, alpha)
    rate = k / n if n else 0.0
    return BinomialEvidence(k, n, alpha, rate, p_value, p_value < significance, significance)


def poisson_lower_tail(count: int, expected: float) -> float:
    """P(X <= count) for X ~ Poisson(expected): how surprising a low weekly count is."""
    if expected <= 0:
        return 1.0
    return float(sps.poisson.cdf(count, expected))
