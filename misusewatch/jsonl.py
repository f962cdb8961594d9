"""Posts in and out as JSON lines or CSV, streaming, with per-line errors that lose nothing."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from misusewatch.errors import InputError
from misusewatch.records import Post, RecordError, format_time
from misusewatch.store import Store, UpsertResult

CSV_COLUMNS = (
    "id", "source", "platform", "site", "board", "thread_id", "thread_title", "post_id",
    "author", "author_id", "created_at", "edited_at", "collected_at", "url", "reply_to",
    "content_hash", "text",
)
# Spreadsheet apps run cells starting with these as formulas; post text is hostile input.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(slots=True)
class ImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, result: UpsertResult) -> None:
        self.inserted += result.inserted
        self.updated += result.updated
        self.unchanged += result.unchanged

    def __iadd__(self, other: ImportReport) -> ImportReport:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors += other.errors
        return self


@contextmanager
def _open_text(path: str | Path, mode: str) -> Iterator[IO[str]]:
    if str(path) == "-":
        yield sys.stdin if "r" in mode else sys.stdout
        return
    try:
        handle = open(path, mode, encoding="utf-8", newline="" if "w" in mode else None)
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=path) from None
    with handle:
        yield handle


def read_json_lines(path: str | Path) -> Iterator[tuple[int, dict | InputError]]:
    """(line number, object) for each non-blank line; a bad line yields an InputError instead.

    Errors are yielded, not raised, so a caller can keep every valid line around a bad one.
    """
    with _open_text(path, "r") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, InputError(f"malformed JSON: {exc.msg}", path=path, line=number)
                    continue
                if not isinstance(obj, dict):
                    yield number, InputError("expected a JSON object", path=path, line=number)
                    continue
                yield number, obj
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason})", path=path) from None


def import_posts(store: Store, path: str | Path, *, batch_size: int = 1000) -> ImportReport:
    """Upsert every valid post line of a JSONL file in batches; collect per-line errors."""
    report = ImportReport()
    batch: list[Post] = []
    for number, obj in read_json_lines(path):
        if isinstance(obj, InputError):
            report.errors.append(str(obj))
            continue
        try:
            batch.append(Post.from_dict(obj))
        except (RecordError, TypeError, ValueError) as exc:
            report.errors.append(str(InputError(str(exc), path=path, line=number)))
            continue
        if len(batch) >= batch_size:
            report.add(store.upsert_posts(batch))
            batch = []
    if batch:
        report.add(store.upsert_posts(batch))
    return report


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def write_posts(
    posts: Iterable[Post], output: str | Path, *, fmt: str = "jsonl", include_raw: bool = False
) -> int:
    """Write posts as JSONL (round-trips through ``import``) or CSV; returns the count."""
    count = 0
    with _open_text(output, "w") as handle:
        if fmt == "csv":
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for post in posts:
                row = post.to_dict()
                row["reply_to"] = " ".join(post.reply_to)
                for name in ("created_at", "edited_at", "collected_at"):
                    row[name] = format_time(getattr(post, name))
                writer.writerow([_csv_cell(row[c]) for c in CSV_COLUMNS])
                count += 1
        elif fmt == "jsonl":
            for post in posts:
                row = post.to_dict()
                if not include_raw:
                    row.pop("raw", None)
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        else:
            raise InputError(f"unknown format {fmt!r}: expected jsonl or csv")
    return count
