"""Release committee page: the stage summary and its exports; committee members see aliases, not handles."""

from __future__ import annotations

import json

from dashboard.auth import UserFile, pseudonym
from misusewatch.store import open_store
from tests.dashboard.conftest import frame_with, no_exceptions, open_page

STAGES = ["pre-release", "124M", "355M", "774M", "1.5B"]


def _buttons(at):
    return {b.proto.label.split(" (")[0] for b in at.get("download_button")}


def _evidence_authors(at) -> list[tuple[str, str]]:
    """(post id, author as shown) from every evidence-thread table."""
    return [(row["id"], row["author"]) for d in at.dataframe if {"id", "step", "author"} <= set(d.value.columns)
            for _, row in d.value.iterrows()]


def test_summary_and_exports_for_analyst(seeded, app_for):
    at = open_page(app_for(seeded), "committee")
    no_exceptions(at)
    assert list(frame_with(at, "stage", "posts")["stage"]) == STAGES
    assert {"Markdown", "HTML", "CSV of evidence"} <= _buttons(at)
    shown = _evidence_authors(at)
    assert shown and all(not author.startswith("actor-") for _, author in shown)  # analysts see handles
    markdown = at.code[-1].value
    assert "1.5B" in markdown


def test_committee_sees_one_stable_alias_per_author(seeded, app_for):
    key = UserFile.load(seeded["users"]).pseudonym_key
    store = open_store(seeded["url"])
    first = open_page(app_for(seeded, role="committee"), "committee")
    no_exceptions(first)
    shown = _evidence_authors(first)
    assert shown
    for post_id, author in shown:
        post = store.get_post(post_id)
        assert author == pseudonym(post.actor_id, key) and post.author not in author
    store.close()
    again = open_page(app_for(seeded, role="committee"), "committee")
    assert _evidence_authors(again) == shown  # the same alias every time
    handles = {store_author for _, store_author in _evidence_authors(open_page(app_for(seeded), "committee"))}
    preview = again.code[-1].value
    assert not any(f" {h}," in preview for h in handles)  # nor in the export preview


def test_committee_sees_aliases_in_the_machine_written_text_table(seeded, app_for):
    """The synthetic test's ``actors`` is a list of records ({"actor": id, "flagged": n, ...}): every
    record's actor id is aliased too, in the table and in the export preview."""
    key = UserFile.load(seeded["users"]).pseudonym_key
    store = open_store(seeded["url"])
    raw = [a["actor"] for r in store.get_assessment("summary:all").data["synthetic"] for a in r["actors"]]
    store.close()
    assert raw
    at = open_page(app_for(seeded, role="committee"), "committee")
    no_exceptions(at)
    table = frame_with(at, "detector", "actors")
    shown = [a["actor"] for cell in table["actors"] for a in json.loads(cell)]
    assert shown == [pseudonym(actor, key) for actor in raw]
    page_text = table.to_csv() + at.code[-1].value
    assert not any(actor in page_text for actor in raw)
