"""Detector verbs: ``detect`` (label a JSONL file) and ``detectors list|train|evaluate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from misusewatch.errors import InputError

TRAINABLE = ("tfidf", "tfidf_char", "stacked", "roberta")


def _build(app, name: str):
    from enrichment.detectors.decision import build_detector
    from misusewatch.registry import UnknownNameError

    try:
        return build_detector(name, app.settings.section("detectors"))
    except (UnknownNameError, ValueError, OSError) as exc:
        raise InputError(f"detector {name!r}: {exc}") from None


@click.command("detect")
@click.option(
    "--detector",
    "detector_name",
    default="stacked",
    show_default=True,
    help="A registered detector, or 'ensemble' for all configured ones.",
)
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="JSONL with a 'text' field per line (posts or plain texts).",
)
@click.option(
    "--output",
    "output_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Where to write (default: stdout).",
)
@click.option("--batch-size", default=256, show_default=True)
@click.pass_obj
def detect(
    app, detector_name: str, input_path: str, output_path: str | None, batch_size: int
) -> None:
    """Add score, label (machine|human|abstain) and detector to each line of a JSONL file."""
    from tqdm import tqdm

    from enrichment.detectors.training import read_texts

    read_texts(input_path)  # validates every line before any output is written
    detector, rule = _build(app, detector_name)
    records = [
        json.loads(line)
        for line in Path(input_path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    out = open(output_path, "w", encoding="utf-8") if output_path else sys.stdout  # noqa: SIM115
    try:
        with tqdm(
            total=len(records), desc=f"detect:{detector_name}", unit="post", file=sys.stderr
        ) as bar:
            for start in range(0, len(records), batch_size):
                chunk = records[start : start + batch_size]
                decisions = rule.decide(
                    detector, [r["text"] for r in chunk], [r.get("source") for r in chunk]
                )
                for record, decision in zip(chunk, decisions, strict=True):
                    record.update(
                        score=decision["score"], label=decision["label"], detector=detector.name
                    )
                    if decision["label"] == "abstain":
                        record["reason"] = decision["reason"]
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                bar.update(len(chunk))
    finally:
        if output_path:
            out.close()


@click.group("detectors")
def detectors_group() -> None:
    """List, train and evaluate GPT-2 output detectors."""


@detectors_group.command("list")
@click.pass_obj
def list_detectors(app) -> None:
    """Registered detectors, their default config, and which are configured."""
    from enrichment.detectors import detectors
    from enrichment.detectors.decision import configured_detectors

    configured = configured_detectors(app.settings.section("detectors"))
    for entry in detectors:
        mark = "*" if entry.name in configured else " "
        click.echo(f"{mark} {entry.name:16} {entry.doc}")
        click.echo(f"  {'':16} defaults: {json.dumps(entry.defaults)}")


@detectors_group.command("train")
@click.argument("name")
@click.option(
    "--human",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="JSONL of human texts.",
)
@click.option(
    "--machine",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="JSONL of machine texts (repeat to mix sampling methods).",
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--features", default="word+band", show_default=True, help="TF-IDF feature set.")
@click.option(
    "--c", "c_value", default=30.0, show_default=True, help="TF-IDF inverse regularisation."
)
@click.option("--dropout", default=0.0, show_default=True, help="Token dropout while training.")
@click.option("--base", default="", help="RoBERTa: pretrained base (path or hub id) to fine-tune.")
@click.option(
    "--tokenizer", default="", help="RoBERTa without --base: BPE files (vocab.json, merges.txt)."
)
@click.option("--epochs", default=1, show_default=True)
@click.option("--max-tokens", default=256, show_default=True)
@click.option(
    "--model", default="", help="Zero-shot detectors: the LM (path or hub id) to calibrate."
)
@click.option(
    "--bpe",
    default="",
    help="tfidf/stacked: a BPE vocabulary dir (vocab.json, merges.txt); default: learn one "
    "from the human training texts.",
)
@click.option("--seed", default=0, show_default=True)
def train(
    name,
    human,
    machine,
    out_dir,
    features,
    c_value,
    dropout,
    base,
    tokenizer,
    epochs,
    max_tokens,
    model,
    bpe,
    seed,
) -> None:
    """Train NAME (tfidf, tfidf_char, stacked, roberta) or fit a zero-shot detector's calibration, into --out."""
    from enrichment.detectors import detectors
    from enrichment.detectors.training import fit_zero_shot, load_labelled, train_tfidf

    if name not in detectors:
        raise InputError(f"unknown detector {name!r} (known: {', '.join(detectors.names())})")
    data = load_labelled(human, machine)
    if name in ("tfidf", "tfidf_char"):
        result = train_tfidf(
            data,
            out_dir,
            features=features,
            c=c_value,
            dropout=dropout,
            seed=seed,
            name=name,
            bpe=bpe or None,
        )
        metrics = result["validation_metrics"]
    elif name == "stacked":
        from enrichment.detectors.stacked_training import train_stacked

        result = train_stacked(
            data, out_dir, c=c_value, dropout=dropout, seed=seed, bpe=bpe or None
        )
        metrics = result["validation_metrics"]
    elif name == "roberta":
        from enrichment.detectors.roberta_training import train_roberta

        result = train_roberta(
            data,
            out_dir,
            base=base,
            tokenizer=tokenizer,
            epochs=epochs,
            max_tokens=max_tokens,
            dropout=dropout or 0.05,
            seed=seed,
        )
        metrics = result["validation_metrics"]
    elif name == "ensemble":
        raise InputError("the ensemble is not trained: train its members")
    else:
        config = {"model": model} if model else {}
        metrics = fit_zero_shot(name, data, out_dir, config)["metrics_on_fit_set"]
    click.echo(f"saved {name} to {out_dir}")
    click.echo(_format_report(metrics))


def _format_report(m: dict) -> str:
    lines = [
        f"{m['detector']} on {m['dataset']}: {m['n_human']} human, {m['n_machine']} machine",
        f"  AUROC {m['auroc']:.4f}  accuracy {m['accuracy']:.4f}  "
        f"TPR@1%FPR {m['tpr_at_1pct_fpr']:.4f}  TPR@0.1%FPR {m['tpr_at_0.1pct_fpr']:.4f}",
        "  accuracy by length (words): "
        + "  ".join(
            f"{b}: {v['accuracy']:.3f} (n={v['n']})" for b, v in m["accuracy_by_length"].items()
        ),
    ]
    return "\n".join(lines)


@detectors_group.command("evaluate")
@click.option("--detector", "detector_name", required=True)
@click.option(
    "--human",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="Human JSONL; repeat together with --machine for several datasets.",
)
@click.option("--machine", multiple=True, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--name", "names", multiple=True, help="A name per dataset (default: the machine file's stem)."
)
@click.option(
    "--transfer/--no-transfer",
    default=True,
    show_default=True,
    help="With several datasets and a trainable detector: train-on-X/test-on-Y matrix.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def evaluate(app, detector_name, human, machine, names, transfer, as_json) -> None:
    """AUROC, accuracy, TPR at 1% / 0.1% FPR and accuracy by length, per dataset."""
    from enrichment.detectors.evaluation import LabelledSet, evaluate_scores, transfer_matrix
    from enrichment.detectors.training import read_texts, train_tfidf

    if len(human) != len(machine):
        raise InputError(
            f"give one --human per --machine ({len(human)} human, {len(machine)} machine)"
        )
    names = list(names) or [Path(m).stem for m in machine]
    if len(names) != len(machine):
        raise InputError("give one --name per dataset")
    sets = [
        LabelledSet(n, read_texts(h), read_texts(m))
        for n, h, m in zip(names, human, machine, strict=True)
    ]
    detector, _ = _build(app, detector_name)
    reports = [
        evaluate_scores(detector_name, s.name, s.texts, s.labels, detector.score(s.texts)).to_dict()
        for s in sets
    ]
    result: dict = {"reports": reports}
    if transfer and len(sets) > 1 and detector_name in ("tfidf", "tfidf_char"):
        import tempfile

        from enrichment.detectors.tfidf import TfidfModel

        features = detector.model.meta.get("training", {}).get("features", "word+band")

        def fit(train_set: LabelledSet):
            with tempfile.TemporaryDirectory() as tmp:
                train_tfidf(train_set, tmp, features=features, name=detector_name)
                model = TfidfModel.load(tmp)
            return model.probabilities

        splits = {s.name: s.split(0.3, seed=1) for s in sets}
        result["transfer_auroc"] = transfer_matrix(splits, fit)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for report in reports:
        click.echo(_format_report(report))
    if "transfer_auroc" in result:
        matrix = result["transfer_auroc"]
        click.echo("transfer AUROC (rows: trained on, columns: tested on)")
        click.echo(" " * 24 + "".join(f"{n[:14]:>16}" for n in matrix))
        for row, cells in matrix.items():
            click.echo(f"{row[:22]:24}" + "".join(f"{v:16.4f}" for v in cells.values()))


COMMANDS = [detect, detectors_group]
