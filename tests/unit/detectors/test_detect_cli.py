"""The CLI: detect, detectors train/evaluate/list on small inputs; bad input exits 2 in one line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from misusewatch.cli import cli
from tests.unit.detectors.data import synthetic, write_jsonl


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    human, machine = synthetic(60)
    model = root / "model"
    result = CliRunner().invoke(
        cli,
        [
            "detectors",
            "train",
            "tfidf",
            "--human",
            str(write_jsonl(root / "h.jsonl", human)),
            "--machine",
            str(write_jsonl(root / "m.jsonl", machine)),
            "--out",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "AUROC" in result.output
    config = root / "misusewatch.toml"
    config.write_text(f'[detectors.tfidf]\npath = "{model}"\n', encoding="utf-8")
    h2, m2 = synthetic(20, seed=3)
    return {
        "root": root,
        "config": str(config),
        "human": str(write_jsonl(root / "h2.jsonl", h2)),
        "machine": str(write_jsonl(root / "m2.jsonl", m2)),
    }


def run(files, *args):
    return CliRunner().invoke(cli, ["--config", files["config"], *args])


def test_detect_adds_score_label_detector(files):
    posts = files["root"] / "posts.jsonl"
    h, m = synthetic(3, seed=9)
    posts.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "text": t, "source": "s"}) + "\n"
            for i, t in enumerate(h + m + ["too short"])
        ),
        encoding="utf-8",
    )
    out = files["root"] / "out.jsonl"
    result = run(
        files, "detect", "--detector", "tfidf", "--input", str(posts), "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"p{i}" for i in range(7)]
    assert [r["label"] for r in rows] == ["human"] * 3 + ["machine"] * 3 + ["abstain"]
    assert all(r["detector"] == "tfidf" for r in rows)
    assert rows[-1]["score"] is None and rows[-1]["reason"].startswith("too short")


def test_detect_ensemble(files):
    result = run(files, "detect", "--detector", "ensemble", "--input", files["machine"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["detector"] for r in rows} == {"ensemble"} and len(rows) == 20


def test_evaluate_json_with_transfer_matrix(files):
    result = run(
        files,
        "detectors",
        "evaluate",
        "--detector",
        "tfidf",
        "--json",
        "--human",
        files["human"],
        "--machine",
        files["machine"],
        "--name",
        "a",
        "--human",
        files["human"],
        "--machine",
        files["machine"],
        "--name",
        "b",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    report = data["reports"][0]
    assert report["auroc"] > 0.95 and report["n_human"] == 20
    assert {"tpr_at_1pct_fpr", "tpr_at_0.1pct_fpr", "accuracy", "accuracy_by_length"} <= set(report)
    assert set(data["transfer_auroc"]) == {"a", "b"} and set(data["transfer_auroc"]["a"]) == {
        "a",
        "b",
    }


def test_list_marks_configured(files):
    result = run(files, "detectors", "list")
    assert result.exit_code == 0
    assert any(line.startswith("* tfidf") for line in result.output.splitlines())


def test_bad_input_is_one_line_exit_2(files):
    bad = files["root"] / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{not json\n', encoding="utf-8")
    result = run(
        files, "detect", "--input", str(bad), "--output", str(files["root"] / "never.jsonl")
    )
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"misusewatch: error: {bad}:2: not JSON: "
        "Expecting property name enclosed in double quotes"
    )
    assert not (files["root"] / "never.jsonl").exists()
    missing = run(files, "detect", "--detector", "nope", "--input", files["human"])
    assert missing.exit_code == 2 and "unknown detector 'nope'" in missing.output
