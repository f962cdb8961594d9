"""Committee exports: pseudonymised summaries, evidence CSV that spreadsheets cannot execute."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from dashboard.summary_export import evidence_csv, evidence_ids, pseudonymise, to_html, to_markdown
from misusewatch.config import Settings
from misusewatch.records import Assessment, Post

SUMMARY = {
    "headline": "Misuse moved to deployment",
    "stages": [{"stage": "774M", "posts": 10}],
    "evidence": [{"post_id": "p1", "author": "mallory"}, {"post_id": "p2", "author": "bob"}],
    "top_actors": ["mallory", "bob"],
    "clusters": [{"id": "c1", "post_ids": ["p3", "p1"]}],
}


def test_pseudonymise_replaces_every_author_field_and_nothing_else():
    out = pseudonymise(SUMMARY, lambda h: f"alias({h})")
    assert out["evidence"][0] == {"post_id": "p1", "author": "alias(mallory)"}
    assert out["top_actors"] == ["alias(mallory)", "alias(bob)"]
    assert out["headline"] == SUMMARY["headline"] and out["stages"] == SUMMARY["stages"]
    assert SUMMARY["evidence"][0]["author"] == "mallory"  # the original is untouched


def test_one_person_one_alias_whether_named_by_handle_or_actor_id():
    summary = {"evidence_threads": [{"posts": [{"id": "p1", "author": "mallory", "actor": "4chan:b:mallory"}]}],
               "stix_actors": [{"id": "4chan:b:mallory", "handle": "mallory", "tier": 2}]}
    out = pseudonymise(summary, lambda h: f"alias({h})")
    post, actor = out["evidence_threads"][0]["posts"][0], out["stix_actors"][0]
    assert post["author"] == post["actor"] == actor["id"] == actor["handle"] == "alias(4chan:b:mallory)"
    assert post["id"] == "p1" and actor["tier"] == 2


def test_evidence_ids_in_citation_order_without_duplicates():
    assert evidence_ids(SUMMARY) == ["p1", "p2", "p3"]
    threads = {"findings": [{"evidence": ["p9"]}], "evidence_threads": [{"thread": "t", "posts": [{"id": "p8"}]}]}
    assert evidence_ids(threads) == ["p9", "p8"]


def test_csv_quotes_formula_cells_and_keeps_text():
    post = Post(id="", source="s", platform="discourse", site="f.example", thread_id="1", post_id="2",
                created_at=datetime(2019, 5, 1, tzinfo=UTC), text='=HYPERLINK("http://evil","x") <script>',
                author="@admin")
    rows = list(csv.reader(io.StringIO(evidence_csv([post], lambda p: p.author, lambda p: {"ladder": "code"})
                                       .decode())))
    assert rows[0][:5] == ["post_id", "source", "platform", "created_at", "author"]
    assert rows[1][4] == "'@admin" and rows[1][-1].startswith("'=HYPERLINK")
    assert rows[1][5] == "code"


def test_fallback_renderings_carry_no_live_markup():
    assessment = Assessment("summary:all", "summary", {"headline": "<script>alert(1)</script> ![i](http://e/x.png)",
                                                       "stages": [{"stage": "1.5B", "note": "<b>x</b>"}]})
    markdown, _ = to_markdown(assessment, Settings())  # not the threat model's schema: plain rendering
    page, _ = to_html(assessment, Settings())
    assert "`<script>alert(1)</script> ![i](http://e/x.png)`" in markdown  # inside a code span: inert
    assert "<script>" not in page and "&lt;script&gt;" in page
