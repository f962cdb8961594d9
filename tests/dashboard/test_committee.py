"""Release committee page: the stage summary and its exports; committee members see aliases, not handles."""

from __future__ import annotations

from dashboard.auth import UserFile, pseudonym
from tests.dashboard.conftest import frame_with, no_exceptions, open_page


def _buttons(at):
    return {b.proto.label: b for b in at.get("download_button")}


def test_summary_and_exports_for_analyst(seeded, app_for):
    at = open_page(app_for(seeded), "committee")
    no_exceptions(at)
    stages = frame_with(at, "stage", "posts", "misuse_posts")
    assert list(stages["stage"]) == ["124M", "355M", "774M", "1.5B"]
    assert {"Markdown", "HTML", "CSV of evidence (5)"} <= set(_buttons(at))
    assert "actor1" in set(frame_with(at, "post_id", "author")["author"])  # analysts see handles


def test_committee_sees_stable_aliases(seeded, app_for):
    key = UserFile.load(seeded["users"]).pseudonym_key
    first = open_page(app_for(seeded, role="committee"), "committee")
    no_exceptions(first)
    authors = set(frame_with(first, "post_id", "author")["author"])
    assert authors == {pseudonym("actor1", key)}
    again = open_page(app_for(seeded, role="committee"), "committee")
    assert set(frame_with(again, "post_id", "author")["author"]) == authors  # same alias every time
    assert "actor1" not in "".join(c.value for c in again.code)  # nor in the export preview
