"""The testbed's generated community and ground truth: deterministic, covering, well-formed."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from crawlers.testbed.community import generate
from crawlers.testbed.forums import PLATFORMS, STAGE_NAMES, stage_at
from crawlers.testbed.truth import summarize, truth_records, write_truth
from crawlers.text import html_to_text
from misusewatch import ids
from misusewatch.records import CATEGORIES, LADDER_STEPS, Post, parse_time


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(truth_records(generate(seed=11, posts=3000), with_html=True))


def _digest(seed: int, posts: int) -> str:
    lines = (json.dumps(r, sort_keys=True) for r in truth_records(generate(seed=seed, posts=posts)))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_same_seed_same_community() -> None:
    assert _digest(5, 800) == _digest(5, 800)


def test_different_seed_different_community() -> None:
    assert _digest(5, 800) != _digest(6, 800)


@pytest.mark.parametrize("posts", [1, 37, 500, 2500])
def test_posts_is_exact(posts: int) -> None:
    assert sum(1 for _ in truth_records(generate(seed=3, posts=posts))) == posts


def test_thread_posts_sets_the_mean_thread_size() -> None:
    community = generate(seed=3, posts=20000, platforms="4chan,reddit,discourse,feed", thread_posts=200)
    sizes = Counter()
    for spec in community.threads:
        sizes[spec.forum] += 1
    for forum in ("4chan", "reddit", "discourse"):
        mean = sum(s.n for s in community.threads if s.forum == forum) / sizes[forum]
        assert 100 <= mean <= 300, (forum, mean)  # about 26 threads each: a loose band
        assert max(s.n for s in community.threads if s.forum == forum) <= 600
    assert {s.n for s in community.threads if s.forum == "feed"} == {1}  # entries stay single
    assert sum(1 for _ in truth_records(community)) == 20000
    with pytest.raises(ValueError, match="thread_posts"):
        generate(posts=10, thread_posts=0)


def test_every_ladder_step_category_and_tier(records: list[dict]) -> None:
    assert {r["ladder"] for r in records} == set(LADDER_STEPS)
    assert {c for r in records for c in r["categories"]} == set(CATEGORIES)
    assert {r["actor_tier"] for r in records} == {None, 1, 2, 3}
    misuse = [r for r in records if r["ladder"] != "none"]
    combos = {(c, r["ladder"]) for r in misuse for c in r["categories"]}
    assert combos >= {(c, step) for c in CATEGORIES for step in LADDER_STEPS if step != "none"}
    for step in ("discussion", "plan", "code", "deployment"):
        assert {r["actor_tier"] for r in misuse if r["ladder"] == step} >= {1, 2, 3}, step


def test_every_platform_and_stage(records: list[dict]) -> None:
    assert {r["platform"] for r in records} == set(PLATFORMS)
    counts = Counter(r["stage"] for r in records)
    assert set(counts) == set(STAGE_NAMES)
    for record in records:
        assert record["stage"] == stage_at(int(parse_time(record["created_at"]).timestamp()))


def test_timeline_follows_the_report() -> None:
    """Misuse talk peaks after the 124M release and has declined by mid-May; code comes later."""
    rows = list(truth_records(generate(seed=2, posts=30000)))

    def per_day(start: str, end: str, ladder: set[str]) -> float:
        lo, hi = parse_time(start), parse_time(end)
        hits = sum(1 for r in rows if r["ladder"] in ladder and lo <= parse_time(r["created_at"]) < hi)
        return hits / (hi - lo).days

    talk = {"discussion"}
    assert per_day("2019-02-14", "2019-04-15", talk) > 2 * per_day("2019-05-15", "2019-08-15", talk)
    assert per_day("2019-02-14", "2019-05-03", talk) > 3 * per_day("2019-01-01", "2019-02-14", talk)
    tooling = {"code", "deployment"}
    assert per_day("2019-08-20", "2020-01-31", tooling) > per_day("2019-02-14", "2019-05-03", tooling)
    share = Counter(r["ladder"] for r in rows if r["ladder"] != "none")
    assert share["discussion"] > 3 * (share["plan"] + share["code"])  # few plans, little code


def test_labels_are_consistent(records: list[dict]) -> None:
    for record in records:
        if record["ladder"] != "none":
            assert record["lm_related"] and record["categories"], record
        else:
            assert not record["categories"], record
        if record["machine_written"]:
            assert record["campaign"] and record["actor_tier"] in (2, 3)
    assert 0.02 < sum(r["machine_written"] for r in records) / len(records) < 0.15


def test_machine_written_campaigns_repeat_themselves(records: list[dict]) -> None:
    by_campaign: dict[str, list[str]] = {}
    for record in records:
        if record["machine_written"]:
            by_campaign.setdefault(record["campaign"], []).append(record["text"])
    biggest = max(by_campaign.values(), key=len)
    words = [set(text.lower().split()) for text in biggest]
    overlaps = [len(a & b) / len(a | b) for a, b in zip(words, words[1:], strict=False)]
    assert max(overlaps) > 0.5  # near-duplicates
    assert len(set(biggest)) > len(biggest) // 2  # ...but not identical copies


def test_ids_follow_the_contract(records: list[dict]) -> None:
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        # phpBB sites carry their install folder; 4chan ids carry the board (numbers are per board)
        site = f"127.0.0.1/{record['forum']}" if record["platform"] == "phpbb" else "127.0.0.1"
        expected = ids.post_id(record["platform"], site, record["thread_id"], record["post_id"], record["board"])
        assert record["id"] == expected
        if record["platform"] == "4chan":
            assert record["id"].startswith(f"4chan:127.0.0.1/{record['board']}:")
        assert record["created_at"].endswith("Z")
        post = Post.from_dict({**record, "source": "testbed", "site": site})
        assert post.id == record["id"]
        assert post.actor_id == record["actor"]
        assert post.created_at == parse_time(record["created_at"])


def test_4chan_poster_ids_and_tripcodes(records: list[dict]) -> None:
    chan = [r for r in records if r["platform"] == "4chan"]
    with_ids = [r for r in chan if r["author_id"] and "/" in r["author_id"]]
    assert with_ids and all(r["author_id"].split("/")[:2] == [r["board"], r["thread_id"]] for r in with_ids)
    assert any("!" in r["author"] for r in chan)
    assert any(r["author"] == "Anonymous" and r["author_id"] is None for r in chan)
    by_thread_poster = {}
    for r in with_ids:  # one poster id per persona within a thread
        by_thread_poster.setdefault(r["author_id"], set()).add(r["persona"])
    assert all(len(personas) == 1 for personas in by_thread_poster.values())


def test_served_html_gives_the_truth_text(records: list[dict]) -> None:
    by_platform = Counter()
    for record in records:
        assert html_to_text(record["html"]) == record["text"], (record["id"], record["html"])
        by_platform[record["platform"]] += 1
    assert set(by_platform) == set(PLATFORMS)


def test_text_has_variety(records: list[dict]) -> None:
    texts = [r["text"] for r in records if not r["machine_written"]]
    assert len(set(texts)) > 0.8 * len(texts)
    assert any("```" not in t and "import " in t for t in texts)  # shared code
    assert any("github.com/" in t or "pastebin.com/" in t for t in texts)


def test_now_hides_later_posts_and_edits() -> None:
    community = generate(seed=4, posts=2000)
    everything = {r["id"]: r for r in truth_records(community)}
    edited = [r for r in everything.values() if r["edited_at"]]
    assert edited
    cut = datetime(2019, 7, 1, tzinfo=UTC)
    community.set_now(cut)
    earlier = {r["id"]: r for r in truth_records(community)}
    assert set(earlier) < set(everything)
    assert all(parse_time(r["created_at"]) <= cut for r in earlier.values())
    pending = [r for r in edited if r["id"] in earlier and parse_time(r["edited_at"]) > cut]
    assert pending, "some posts are edited after the cut"
    for record in pending:
        assert earlier[record["id"]]["edited_at"] is None
        assert earlier[record["id"]]["text"] != record["text"]
        assert record["text"].startswith(earlier[record["id"]]["text"])


def test_summary_counts_add_up(records: list[dict]) -> None:
    summary = summarize(records)
    assert summary["posts"] == len(records)
    assert sum(sum(row.values()) for row in summary["by_stage_ladder"].values()) == len(records)
    assert sum(summary["by_platform"].values()) == len(records)
    assert sum(summary["by_tier"].values()) == len(records)
    assert summary["misuse"] == sum(1 for r in records if r["ladder"] != "none")
    assert summary["by_category"]["spam"] == sum("spam" in r["categories"] for r in records)


def test_write_truth_files(tmp_path) -> None:
    community = generate(seed=9, posts=400)
    summary = write_truth(community, tmp_path)
    lines = (tmp_path / "truth.jsonl").read_text().splitlines()
    assert len(lines) == 400 == summary["posts"]
    assert json.loads((tmp_path / "summary.json").read_text())["posts"] == 400
    actors = [json.loads(line) for line in (tmp_path / "actors.jsonl").read_text().splitlines()]
    truth_actors = {json.loads(line)["actor"] for line in lines} - {None}
    assert {a["id"] for a in actors} == truth_actors
    assert sum(a["posts"] for a in actors) == sum(1 for line in lines if json.loads(line)["actor"])
    assert {a["tier"] for a in actors} >= {None, 1, 2, 3}


def test_platform_subset() -> None:
    rows = list(truth_records(generate(seed=1, posts=600, platforms="discourse,4chan")))
    assert {r["platform"] for r in rows} == {"discourse", "4chan"}
    assert len(rows) == 600
    with pytest.raises(ValueError, match="unknown platform"):
        generate(posts=10, platforms=["myspace"])


def test_parallel_truth_is_the_same_files(tmp_path) -> None:
    community = generate(seed=12, posts=1500)
    one = write_truth(community, tmp_path / "one")
    two = write_truth(community, tmp_path / "two", workers=2)
    assert one == two
    for name in ("truth.jsonl", "actors.jsonl", "summary.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert not list((tmp_path / "two").glob("*.part*"))
