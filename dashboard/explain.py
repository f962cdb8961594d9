"""Plain-language readings of enrichment results: what a detector score means at its calibrated FPR."""

from __future__ import annotations

from typing import Any

from misusewatch.records import Assessment, Enrichment


def detector_meaning(e: Enrichment) -> str:
    """One sentence an analyst can act on, from a ``detector:<name>`` enrichment."""
    if e.error:
        return f"failed: {e.error} (will be retried)"
    d = e.data
    label, score, threshold, fpr = d.get("label"), d.get("score"), d.get("threshold"), d.get("fpr")
    if label == "abstain" or score is None:
        return f"abstained: {d.get('reason') or 'no reason given'}"
    at = ""
    if isinstance(threshold, int | float) and isinstance(fpr, int | float):
        at = f" the threshold {threshold:.2f}, calibrated so {fpr:.1%} of human-written posts score above it"
    elif isinstance(threshold, int | float):
        at = f" the threshold {threshold:.2f} (no calibrated false-positive rate recorded)"
    if label == "machine":
        return f"flagged as machine-written: score {score:.2f} is at or above{at}" if at else \
            f"flagged as machine-written (score {score:.2f})"
    return f"not flagged: score {score:.2f} is below{at}" if at else f"not flagged (score {score:.2f})"


def detector_rows(enrichments: list[Enrichment]) -> list[dict[str, Any]]:
    rows = []
    for e in enrichments:
        if not e.enricher.startswith("detector:"):
            continue
        score = e.data.get("score")
        rows.append({
            "detector": e.enricher.removeprefix("detector:"), "version": e.version,
            "score": score if isinstance(score, int | float) else None,
            "label": "error" if e.error else e.data.get("label", ""),
            "threshold": e.data.get("threshold"), "FPR": e.data.get("fpr"), "meaning": detector_meaning(e),
        })
    return rows


def gltr_tokens(enrichments: list[Enrichment]) -> list[tuple[str, int]] | None:
    """Per-token ranks a detector stored with its result, if any: ``tokens`` as
    ``{token, rank}`` objects (enrichment.detectors.gltr.token_evidence) or [token, rank] pairs."""
    for e in enrichments:
        tokens = e.data.get("tokens") if e.enricher.startswith("detector:") and not e.error else None
        if isinstance(tokens, list) and tokens:
            try:
                return [(str(t["token"]), int(t["rank"])) if isinstance(t, dict) else (str(t[0]), int(t[1]))
                        for t in tokens]
            except (TypeError, ValueError, IndexError, KeyError):
                return None
    return None


def cluster_of(post_id: str, assessments: list[Assessment]) -> tuple[str, list[str], dict] | None:
    """The campaign cluster holding this post: (cluster id, other post ids, cluster data)."""
    for assessment in assessments:
        clusters = assessment.data.get("clusters")
        if not isinstance(clusters, list):
            clusters = [assessment.data]  # one assessment per cluster
        for cluster in clusters:
            members = [str(m) for m in cluster.get("post_ids") or cluster.get("posts") or []]
            if post_id in members:
                cid = str(cluster.get("id") or assessment.id)
                return cid, [m for m in members if m != post_id], cluster
    return None


def detector_tally(enrichment_lists: list[list[Enrichment]]) -> dict[str, dict[str, Any]]:
    """Per detector, across one actor's posts: how many it scored, how many it flagged machine-written,
    and the FPR its thresholds were calibrated to (abstentions and failures are not scored)."""
    tally: dict[str, dict[str, Any]] = {}
    for enrichments in enrichment_lists:
        for e in enrichments:
            label = e.data.get("label")
            if not e.enricher.startswith("detector:") or e.error or label not in ("machine", "human"):
                continue
            row = tally.setdefault(e.enricher.removeprefix("detector:"), {"flagged": 0, "posts": 0, "fpr": None})
            row["posts"] += 1
            row["flagged"] += label == "machine"
            if isinstance(e.data.get("fpr"), int | float):
                row["fpr"] = float(e.data["fpr"])
    return tally
