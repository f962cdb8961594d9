"""The STIX 2.1 bundle: valid per stix2-validator, TLP-marked, every reference resolvable."""

from __future__ import annotations

import json

import pytest
from stix2validator import ValidationOptions, validate_parsed_json, validate_string

from threat_model.indicators import WindowCounts, stage_indicators
from threat_model.stages import default_timeline
from threat_model.stix import summary_bundle, to_stix_json
from threat_model.summary import build_summary

WINDOW = default_timeline().windows()[2]
ACTORS = [
    {"id": "4chan:boards.example:planner", "handle": "planner", "platform": "4chan", "tier": 2,
     "tier_confidence": 0.8, "first_seen": "2019-05-01T00:00:00Z",
     "last_seen": "2019-06-01T00:00:00Z", "evidence": ["p:1"]},
    {"id": "discourse:forum.example:anon1", "handle": "anon1", "platform": "discourse",
     "tier": 1, "evidence": []},
    {"id": "reddit:r:x", "handle": "x", "platform": "reddit", "tier": None},
]


def summary() -> dict:
    row = stage_indicators(
        WindowCounts(WINDOW, 100, {"none": 90, "discussion": 7, "plan": 2, "code": 1},
                     categories={"phishing": 2, "spam": 5}),
        None, [], [],
    )
    evidence = {
        "code": [{"id": "p:3", "thread": "t:3", "url": "https://forum.example/t/3",
                  "actor": "discourse:forum.example:anon1", "categories": ["spam"],
                  "created_at": "2019-06-03T00:00:00Z",
                  "shared_urls": ["https://github.com/o/spam-bot's"]}],
        "plan": [{"id": "p:1", "thread": "t:1", "url": "https://boards.example/t/1",
                  "actor": "4chan:boards.example:planner", "categories": ["phishing"],
                  "created_at": "2019-06-01T00:00:00Z", "thread_title": "<b>plan</b>"}],
        "discussion": [{"id": "p:2", "thread": "t:2", "url": None}],
    }
    return build_summary("355M", row, family="GPT-2", stage_rows=[row], evidence_posts=evidence,
                         generated_at="2019-08-20T00:00:00Z")


@pytest.mark.parametrize("tlp", ["white", "green", "amber", "red"])
def test_bundle_validates(tlp):
    text = to_stix_json(summary(), ACTORS, tlp=tlp)
    result = validate_string(text, ValidationOptions(strict=True))  # warnings fail too
    assert result.is_valid, [str(e) for e in result.errors]
    parsed = json.loads(text)
    assert validate_parsed_json(parsed).is_valid
    markings = [o for o in parsed["objects"] if o["type"] == "marking-definition"]
    assert [m["definition"]["tlp"] for m in markings] == [tlp]
    others = [o for o in parsed["objects"] if o["type"] != "marking-definition"]
    assert all(o["object_marking_refs"] == [markings[0]["id"]] for o in others)


def test_bundle_contents_and_references():
    parsed = json.loads(to_stix_json(summary(), ACTORS))
    by_type: dict[str, list[dict]] = {}
    for obj in parsed["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    ids = {o["id"] for o in parsed["objects"]}
    actors = {a["x_misusewatch_actor_id"]: a for a in by_type["threat-actor"]}
    assert actors["4chan:boards.example:planner"]["sophistication"] == "intermediate"
    assert actors["4chan:boards.example:planner"]["resource_level"] == "club"
    assert actors["discourse:forum.example:anon1"]["sophistication"] == "minimal"
    assert "sophistication" not in actors["reddit:r:x"]
    patterns = sorted(i["pattern"] for i in by_type["indicator"])
    assert patterns == [
        "[url:value = 'https://boards.example/t/1']",
        "[url:value = 'https://forum.example/t/3']",
        "[url:value = 'https://github.com/o/spam-bot\\'s']",
    ]
    assert sorted(a["name"] for a in by_type["attack-pattern"]) == [
        "Language-model-generated spam", "Language-model-written phishing"]
    rels = {(r["relationship_type"], r["source_ref"].split("--")[0], r["target_ref"].split("--")[0])
            for r in by_type["relationship"]}
    assert rels == {("indicates", "indicator", "threat-actor"),
                    ("indicates", "indicator", "attack-pattern"),
                    ("uses", "threat-actor", "attack-pattern")}
    assert all(r["source_ref"] in ids and r["target_ref"] in ids for r in by_type["relationship"])
    report = by_type["report"][0]
    assert set(report["object_refs"]) <= ids
    assert report["description"].startswith("Code or tools for misuse shared")


def test_ids_are_deterministic():
    first = summary_bundle(summary(), ACTORS)
    second = summary_bundle(summary(), ACTORS)
    assert [o.id for o in first.objects] == [o.id for o in second.objects]


def export(generated_at: str, **post_changes) -> list[dict]:
    """The bundle's objects (markings left out) for summary() re-exported at ``generated_at``,
    with ``post_changes`` applied to evidence post p:3."""
    data = summary()
    data["generated_at"] = generated_at
    for thread in data["evidence_threads"]:
        for post in thread["posts"]:
            if post["id"] == "p:3":
                post.update(post_changes)
    text = to_stix_json(data, ACTORS)
    result = validate_string(text, ValidationOptions(strict=True))
    assert result.is_valid, [str(e) for e in result.errors]
    return [o for o in json.loads(text)["objects"] if o["type"] != "marking-definition"]


def test_created_is_stable_across_exports_and_modified_is_the_export_time():
    # STIX 2.1: `created` must not change between versions of an object with one id.
    first = {o["id"]: o for o in export("2019-08-20T00:00:00Z")}
    later = {o["id"]: o for o in export("2019-09-01T00:00:00Z")}
    assert first.keys() == later.keys()
    assert all(first[i]["created"] == later[i]["created"] for i in first)
    assert {o["modified"] for o in later.values()} == {"2019-09-01T00:00:00.000Z"}
    by_type = {o["type"]: o for o in first.values() if o.get("x_misusewatch_post_id") == "p:3"
               or o.get("x_misusewatch_actor_id") == "4chan:boards.example:planner"}
    assert by_type["indicator"]["created"] == "2019-06-03T00:00:00.000Z"  # the post's time
    assert by_type["threat-actor"]["created"] == "2019-05-01T00:00:00.000Z"  # first seen


def test_published_is_stable_across_exports_and_is_the_newest_evidence():
    report = [o for o in export("2019-08-20T00:00:00Z") if o["type"] == "report"]
    later = [o for o in export("2019-09-01T00:00:00Z") if o["type"] == "report"]
    assert [o["modified"] for o in later] == ["2019-09-01T00:00:00.000Z"]  # exported later
    assert [o["published"] for o in report] == [o["published"] for o in later]
    assert report[0]["published"].startswith("2019-06-03T00:00:00")  # newest post, p:3
    # Newer evidence in the report moves it forward.
    newer = [o for o in export("2019-09-01T00:00:00Z", created_at="2019-07-04T00:00:00Z")
             if o["type"] == "report"]
    assert newer[0]["published"].startswith("2019-07-04T00:00:00")


def test_published_without_evidence_is_when_the_stage_began():
    data = summary()
    data["evidence_threads"] = []
    text = to_stix_json(data, [])
    assert validate_string(text, ValidationOptions(strict=True)).is_valid
    [report] = [o for o in json.loads(text)["objects"] if o["type"] == "report"]
    assert report["published"].startswith("2019-05-03T00:00:00")  # 355M's release


def test_modified_never_precedes_created():
    # generated_at before the evidence posts' own times (a clock or fixture oddity)
    objects = export("2019-05-15T00:00:00Z")
    assert all(o["modified"] >= o["created"] for o in objects)
    post = next(o for o in objects if o.get("x_misusewatch_post_id") == "p:3")
    assert post["modified"] == post["created"] == "2019-06-03T00:00:00.000Z"


def test_a_url_listed_twice_gives_one_indicator():
    objects = export("2019-08-20T00:00:00Z", shared_urls=["https://forum.example/t/3"])
    ids = [o["id"] for o in objects]
    assert len(ids) == len(set(ids))
    p3 = [o for o in objects if o.get("x_misusewatch_post_id") == "p:3"]
    assert [o["name"] for o in p3] == ["Forum post at the code step: t:3"]


def test_unknown_tlp():
    with pytest.raises(ValueError, match="unknown TLP 'purple'"):
        summary_bundle(summary(), ACTORS, tlp="purple")
