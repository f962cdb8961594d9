"""Facts the alert rules read, from a seeded SQLite store: the weekly misuse series."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alerting_support import T0, _post, _tag, seed_store

from misusewatch.alerting.facts import weekly_series
from misusewatch.store import open_store

pytestmark = pytest.mark.integration


def test_weekly_series_counts_misuse_posts_not_benign_lm_talk(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    seed_store(store)  # five posts at ladder discussion or above
    benign = _post("500", "1", "poet", T0 + timedelta(hours=1), "GPT-2 writes lovely poems.", "Poetry")
    store.upsert_posts([benign])
    store.write_enrichments([_tag(benign, "none", [], None, [])])  # LM-related, not misuse
    series = {s.scope: s for s in weekly_series(store)}
    store.close()
    assert sum(matching for _, matching, _ in series["all"].weeks) == 5
    assert sum(total for _, _, total in series["all"].weeks) == 6
    assert sum(matching for _, matching, _ in series["category:disinformation"].weeks) == 2
