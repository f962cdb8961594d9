"""Gradient-boosted trees as plain arrays: exported from scikit-learn, evaluated with numpy.

scikit-learn models only save by pickle, which the project never loads. A fitted
``HistGradientBoostingClassifier`` (binary) is a baseline plus a sum of regression trees;
its trees are flattened into a few arrays saved as safetensors, and evaluated for a whole
batch at once: every (row, tree) pair walks down one level per numpy step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(slots=True)
class TreeEnsemble:
    """Node arrays of all trees (child indices are global), the root of each tree, baseline."""

    feature: np.ndarray  # int64, split feature per node
    threshold: np.ndarray  # float64, go left when x <= threshold
    missing_left: np.ndarray  # bool, where NaN goes
    left: np.ndarray  # int64
    right: np.ndarray  # int64
    leaf: np.ndarray  # bool
    value: np.ndarray  # float64, leaf value (learning rate already applied)
    roots: np.ndarray  # int64
    baseline: float
    depth: int

    @classmethod
    def from_sklearn(cls, model) -> TreeEnsemble:
        """From a fitted binary ``HistGradientBoostingClassifier`` (numeric features only)."""
        if getattr(model, "n_trees_per_iteration_", 1) != 1:
            raise ValueError("only binary classifiers can be exported")
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("f", "t", "m", "l", "r", "s", "v")}
        roots, offset, depth = [], 0, 0
        for (predictor,) in model._predictors:
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            roots.append(offset)
            parts["f"].append(nodes["feature_idx"].astype(np.int64))
            parts["t"].append(nodes["num_threshold"].astype(np.float64))
            parts["m"].append(nodes["missing_go_to_left"].astype(bool))
            parts["l"].append(nodes["left"].astype(np.int64) + offset)
            parts["r"].append(nodes["right"].astype(np.int64) + offset)
            parts["s"].append(nodes["is_leaf"].astype(bool))
            parts["v"].append(nodes["value"].astype(np.float64))
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
        joined = {k: np.concatenate(v) for k, v in parts.items()}
        return cls(
            feature=joined["f"],
            threshold=joined["t"],
            missing_left=joined["m"],
            left=joined["l"],
            right=joined["r"],
            leaf=joined["s"],
            value=joined["v"],
            roots=np.asarray(roots, dtype=np.int64),
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            depth=depth,
        )

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """Log-odds per row, as the scikit-learn model's ``decision_function``."""
        x = np.asarray(x, dtype=np.float64)
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        for _ in range(self.depth):
            values = x[rows, self.feature[node]]
            go_left = np.where(
                np.isnan(values), self.missing_left[node], values <= self.threshold[node]
            )
            node = np.where(
                self.leaf[node], node, np.where(go_left, self.left[node], self.right[node])
            )
        return self.baseline + self.value[node].sum(axis=1)

    def save(self, path: str | Path) -> None:
        from safetensors.numpy import save_file

        save_file(
            {
                "feature": self.feature,
                "threshold": self.threshold,
                "missing_left": self.missing_left.astype(np.uint8),
                "left": self.left,
                "right": self.right,
                "leaf": self.leaf.astype(np.uint8),
                "value": self.value,
                "roots": self.roots,
                "baseline": np.array([self.baseline]),
                "depth": np.array([self.depth], dtype=np.int64),
            },
            str(path),
        )

    @classmethod
    def load(cls, path: str | Path) -> TreeEnsemble:
        from safetensors.numpy import load_file

        t = load_file(str(path))
        return cls(
            feature=t["feature"],
            threshold=t["threshold"],
            missing_left=t["missing_left"].astype(bool),
            left=t["left"],
            right=t["right"],
            leaf=t["leaf"].astype(bool),
            value=t["value"],
            roots=t["roots"],
            baseline=float(t["baseline"][0]),
            depth=int(t["depth"][0]),
        )
