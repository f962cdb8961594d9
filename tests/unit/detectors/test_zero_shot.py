"""Each zero-shot criterion against a straightforward per-position reference on a tiny GPT-2."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from enrichment.detectors import detectors  # noqa: E402
from enrichment.detectors.gltr import bucket_fractions, token_evidence  # noqa: E402
from enrichment.detectors.lm import CausalLMScorer, load_causal_lm  # noqa: E402
from tests.unit.detectors.tiny import tiny_gpt2  # noqa: E402

TEXTS = [
    "The committee met on Tuesday to discuss the budget for next year.",
    "short one",
    "A much longer text about language models, forums and the people who post on them. " * 3,
]


@pytest.fixture(scope="module")
def gpt2_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("gpt2")
    return str(tiny_gpt2(base / "scoring", seed=0)), str(tiny_gpt2(base / "sampling", seed=1))


def reference(model_dir: str, text: str, sampling_dir: str | None = None):
    """Naive loop: one position at a time, plain Python sums over the vocabulary."""
    tokenizer, model, _ = load_causal_lm(model_dir, "cpu")
    sampler = load_causal_lm(sampling_dir, "cpu")[1] if sampling_dir else model
    ids = [tokenizer.eos_token_id] + tokenizer(text.strip())["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
        sample_logits = sampler(torch.tensor([ids])).logits[0].double()
    rows = []
    for t in range(1, len(ids)):
        row = logits[t - 1]
        logq = row - torch.logsumexp(row, 0)
        p = torch.softmax(sample_logits[t - 1], 0)
        rank = 1 + sum(1 for v in row.tolist() if v > row[ids[t]].item())
        mu = sum(p[v].item() * logq[v].item() for v in range(row.numel()))
        second = sum(p[v].item() * logq[v].item() ** 2 for v in range(row.numel()))
        rows.append((logq[ids[t]].item(), rank, mu, second - mu * mu))
    return np.array(rows)


def test_token_stats_match_naive_loop(gpt2_dirs):
    scoring, sampling = gpt2_dirs
    scorer = CausalLMScorer(scoring, sampling, device="cpu", batch_tokens=64)
    for text, stats in zip(TEXTS[:2], scorer.stats(TEXTS[:2]), strict=True):
        ref = reference(scoring, text, sampling)
        np.testing.assert_allclose(stats.logprob, ref[:, 0], atol=1e-4)
        np.testing.assert_array_equal(stats.rank, ref[:, 1])
        np.testing.assert_allclose(stats.expected_logprob, ref[:, 2], atol=1e-4)
        np.testing.assert_allclose(stats.variance_logprob, ref[:, 3], atol=1e-3)


def test_batched_equals_one_at_a_time(gpt2_dirs):
    scoring, _ = gpt2_dirs
    batched = CausalLMScorer(scoring, device="cpu", batch_tokens=4096).stats(TEXTS)
    for text, stats in zip(TEXTS, batched, strict=True):
        alone = CausalLMScorer(scoring, device="cpu").stats([text])[0]
        np.testing.assert_allclose(stats.logprob, alone.logprob, atol=1e-4)


def test_long_text_is_scored_in_sections(gpt2_dirs):
    scoring, _ = gpt2_dirs
    scorer = CausalLMScorer(scoring, device="cpu", max_tokens=16)
    text = TEXTS[2]
    stats = scorer.stats([text])[0]
    n_tokens = len(scorer.tokenizer(text.strip())["input_ids"])
    assert stats.logprob.size == n_tokens  # every token scored once, across sections


def test_criteria_match_explicit_formulas(gpt2_dirs):
    scoring, sampling = gpt2_dirs
    text = TEXTS[0]
    ref = reference(scoring, text)
    logprob = detectors.create("logprob", {"model": scoring, "device": "cpu"})
    total = detectors.create("logprob", {"model": scoring, "device": "cpu", "reduce": "total"})
    logrank = detectors.create("logrank", {"model": scoring, "device": "cpu"})
    fast = detectors.create("fast_detectgpt", {"model": scoring, "device": "cpu"})
    assert logprob.raw_scores([text])[0] == pytest.approx(ref[:, 0].mean(), abs=1e-4)
    assert total.raw_scores([text])[0] == pytest.approx(ref[:, 0].sum(), abs=1e-3)
    assert logrank.raw_scores([text])[0] == pytest.approx(-np.mean(np.log(ref[:, 1])), abs=1e-6)
    expected = (ref[:, 0].sum() - ref[:, 2].sum()) / math.sqrt(ref[:, 3].sum())
    assert fast.raw_scores([text])[0] == pytest.approx(expected, abs=1e-3)
    # With a separate sampling model the mean/variance come from that model's distribution.
    ref2 = reference(scoring, text, sampling)
    fast2 = detectors.create(
        "fast_detectgpt", {"model": scoring, "sampling_model": sampling, "device": "cpu"}
    )
    expected2 = (ref2[:, 0].sum() - ref2[:, 2].sum()) / math.sqrt(ref2[:, 3].sum())
    assert fast2.raw_scores([text])[0] == pytest.approx(expected2, abs=1e-3)
    probabilities = fast.score(TEXTS)
    assert probabilities.shape == (3,) and np.all((probabilities >= 0) & (probabilities <= 1))


def test_gltr_buckets_and_token_evidence(gpt2_dirs):
    scoring, _ = gpt2_dirs
    ranks = np.array([1, 10, 11, 100, 101, 1000, 1001, 50000])
    np.testing.assert_allclose(bucket_fractions(ranks), [0.25, 0.25, 0.25, 0.25])
    gltr = detectors.create("gltr", {"model": scoring, "device": "cpu"})
    ref = reference(scoring, TEXTS[0])
    shares = np.mean(
        [[r <= 10, 10 < r <= 100, 100 < r <= 1000, r > 1000] for r in ref[:, 1]], axis=0
    )
    np.testing.assert_allclose(gltr.features([TEXTS[0]])[0], shares)
    evidence = token_evidence(gltr.lm, TEXTS[0])
    assert len(evidence) == len(ref)
    assert [e["rank"] for e in evidence] == ref[:, 1].astype(int).tolist()
    assert "".join(e["token"] for e in evidence) == TEXTS[0]
    assert {e["bucket"] for e in evidence} <= {"10", "100", "1000", "rest"}
    np.testing.assert_allclose([e["prob"] for e in evidence], np.exp(ref[:, 0]), rtol=1e-3)
