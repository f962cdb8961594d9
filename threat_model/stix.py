"""The summary as a STIX 2.1 bundle: threat actors, indicators, attack patterns, a report, TLP."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import stix2

from misusewatch.records import parse_time
from threat_model import ladder, tiers

TLP = {
    "white": stix2.TLP_WHITE,
    "clear": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}
# Deterministic object ids: re-exporting the same findings yields the same STIX ids, so a
# consumer's TIP updates objects instead of duplicating them.
NAMESPACE = uuid.UUID("6f1c8d5e-3b1a-5e4f-9a51-6d2b7c0e8f11")
CATEGORY_NAMES = {
    "spam": "Language-model-generated spam",
    "phishing": "Language-model-written phishing",
    "disinformation": "Generated fake news and disinformation",
    "impersonation": "Impersonation with generated text",
    "fake_reviews": "Generated fake reviews",
    "extremist_propaganda": "Generated extremist propaganda",
    "harassment": "Automated harassment",
    "academic_dishonesty": "Academic dishonesty with generated text",
    "malicious_prompting": "Jailbreaks and malicious prompting",
}
STEP_INDICATOR_TYPES = {
    "plan": ["anomalous-activity"],
    "code": ["malicious-activity"],
    "deployment": ["malicious-activity", "attribution"],
    "discussion": ["anomalous-activity"],
}


# `created` of objects with no time of their own (identity, extension definition, attack
# patterns, report). STIX 2.1 forbids `created` to change between versions of an object, and
# our ids are deterministic, so it cannot be the export time; `modified` is.
STABLE_CREATED = datetime(2019, 1, 1, tzinfo=UTC)

EXTENSION_PROPERTIES = [
    "x_misusewatch_actor_id", "x_misusewatch_tier", "x_misusewatch_evidence_posts",
    "x_misusewatch_post_id", "x_misusewatch_ladder", "x_misusewatch_scope",
]


def _sid(kind: str, key: str) -> str:
    """A UUIDv4-shaped id whose random bits come from a hash: stable, and valid as v4."""
    digest = uuid.uuid5(NAMESPACE, f"{kind}|{key}").bytes
    return f"{kind}--{uuid.UUID(bytes=digest, version=4)}"


def _time(value: Any, fallback: datetime) -> datetime:
    if value in (None, ""):
        return fallback
    return parse_time(value)


def _versions(created: datetime, now: datetime) -> dict[str, datetime]:
    """``created`` from the object's own stable time; ``modified`` the export time, never
    before ``created`` (a post time later than generated_at would be invalid otherwise)."""
    return {"created": created, "modified": max(created, now)}


def _pattern_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def summary_bundle(
    summary: Mapping[str, Any],
    actors: Sequence[Mapping[str, Any]] = (),
    *,
    tlp: str = "amber",
) -> stix2.Bundle:
    """Build the bundle. ``actors``: dicts with ``id``, ``handle``, ``platform``, ``tier``,
    ``tier_confidence``, ``first_seen``, ``last_seen`` and ``evidence`` (post ids).

    Evidence posts in ``summary["evidence_threads"]`` may carry ``actor``, ``categories`` and
    ``shared_urls`` (links found in their tagger evidence); each becomes an indicator.
    """
    try:
        marking = TLP[tlp.lower()]
    except KeyError:
        raise ValueError(f"unknown TLP {tlp!r} (one of {', '.join(TLP)})") from None
    now = _time(summary.get("generated_at"), datetime.now(UTC).replace(microsecond=0))
    common: dict[str, Any] = {"object_marking_refs": [marking.id]}
    fixed = _versions(STABLE_CREATED, now)
    identity = stix2.Identity(
        id=_sid("identity", "misusewatch"), name="misusewatch", identity_class="system",
        description="Automated misuse monitoring for staged language-model releases.",
        **common, **fixed,
    )
    common["created_by_ref"] = identity.id
    # Our x_ properties are declared by an extension definition, as STIX 2.1 asks.
    extension = stix2.ExtensionDefinition(
        id=_sid("extension-definition", "misusewatch-properties"),
        name="misusewatch properties",
        description="Links STIX objects back to misusewatch posts, actors, tiers and ladder steps.",
        schema="docs/threat-model.md, section \"STIX mapping\", in the misusewatch source",
        version="1.0.0",
        extension_types=["toplevel-property-extension"],
        extension_properties=EXTENSION_PROPERTIES,
        **common, **fixed,
    )
    extended = {"extensions": {extension.id: {"extension_type": "toplevel-property-extension"}}}
    objects: list[Any] = [identity, extension]

    categories = [c for c, n in summary["numbers"]["categories"].items() if n > 0]
    patterns = {
        c: stix2.AttackPattern(
            id=_sid("attack-pattern", c), name=CATEGORY_NAMES.get(c, c),
            description=f"Misuse category '{c}' as tagged by misusewatch.",
            external_references=[{"source_name": "misusewatch", "external_id": c}],
            **common, **fixed,
        )
        for c in categories
    }
    objects += patterns.values()

    actor_objects = {}
    for actor in actors:
        tier = actor.get("tier")
        first_seen = _time(actor.get("first_seen"), STABLE_CREATED)
        actor_objects[actor["id"]] = stix2.ThreatActor(
            id=_sid("threat-actor", actor["id"]),
            name=f"{actor.get('handle') or actor['id']} ({actor.get('platform', '?')})",
            description=tiers.label(tier) + ": " + (tiers.DEFINITIONS.get(tier) or "not tiered"),
            threat_actor_types=["unknown"],
            first_seen=first_seen if actor.get("first_seen") else None,
            last_seen=_time(actor.get("last_seen"), now) if actor.get("last_seen") else None,
            confidence=_confidence(actor.get("tier_confidence")),
            x_misusewatch_actor_id=actor["id"],
            x_misusewatch_tier=tier,
            x_misusewatch_evidence_posts=list(actor.get("evidence") or [])[:50],
            allow_custom=True,
            **extended,
            **tiers.stix_attributes(tier, evidence=actor.get("stix"), confidence=actor.get("tier_confidence")),
            **common, **_versions(first_seen, now),
        )
    objects += actor_objects.values()

    relationships: dict[str, stix2.Relationship] = {}

    def relate(source: Any, kind: str, target: Any) -> None:
        key = f"{source.id}|{kind}|{target.id}"
        if key not in relationships:
            # A link exists once both ends do: the later of their (stable) creation times.
            created = max(source.created, target.created)
            relationships[key] = stix2.Relationship(
                id=_sid("relationship", key), relationship_type=kind, source_ref=source.id,
                target_ref=target.id, **common, **_versions(created, now),
            )

    for thread in summary.get("evidence_threads", []):
        for post in thread["posts"]:
            for indicator in _post_indicators(post, thread, {**common, **extended}, now):
                objects.append(indicator)
                actor = actor_objects.get(post.get("actor") or "")
                if actor is not None:
                    relate(indicator, "indicates", actor)
                for category in post.get("categories") or ():
                    if category in patterns:
                        relate(indicator, "indicates", patterns[category])
                        if actor is not None:
                            relate(actor, "uses", patterns[category])
    objects += relationships.values()

    report = stix2.Report(
        id=_sid("report", f"{summary['family']}|{summary['scope']}"),
        name=f"misusewatch threat summary: {summary['family']} {summary['scope']}",
        description="\n".join(summary["headline"]),
        published=_published(objects, summary),
        report_types=["threat-report", "threat-actor"],
        object_refs=[o.id for o in objects],
        x_misusewatch_scope=summary["scope"],
        allow_custom=True,
        **extended,
        **common, **fixed,
    )
    objects.append(report)
    return stix2.Bundle(objects=[marking, *objects], allow_custom=True)


def _published(objects: Sequence[Any], summary: Mapping[str, Any]) -> datetime:
    """When the report's content was current: its newest evidence.

    STIX 2.1 makes ``published`` the date the creator officially released the report; a
    consumer keys the report by its (deterministic) id and reads ``published`` as its release
    date, so it must not move while the content stays the same. The export time (``now``)
    moves on every export, and so does ``generated_at`` whenever the summary is computed again
    (``summary --fresh``, a store with no stored summary, a re-run of ``assess``). The objects
    the report refers to carry stable times of their own (``created``: an indicator's post
    time, an actor's first sighting, the fixed time of the rest), so their newest, never
    before the stage began, is the same for the same content and moves forward only when newer
    evidence enters the report. ``modified`` still says when it was exported.
    """
    since = (summary.get("stage") or {}).get("since")
    return max([o.created for o in objects] + ([parse_time(since)] if since else []))


def _confidence(value: Any) -> int | None:
    if value is None:
        return None
    return max(0, min(100, int(round(100 * float(value)))))


def _post_indicators(post, thread, common, now) -> list[stix2.Indicator]:
    """One indicator for the post's URL, and one per link shared in its evidence (code step)."""
    out = []
    step = post.get("step", "discussion")
    valid_from = _time(post.get("created_at"), STABLE_CREATED)
    title = thread.get("title") or thread["thread"]
    urls = [(post.get("url"), f"Forum post at the {step} step: {title}")]
    urls += [(u, f"Link shared in a {step}-step post ({post['id']})")
             for u in post.get("shared_urls") or ()]
    seen: set[str] = set()
    for url, name in urls:
        # The id is (post, url): a URL listed twice (the post's own link among its shared
        # ones) would give two objects with one id.
        if not url or url in seen:
            continue
        seen.add(url)
        out.append(stix2.Indicator(
            id=_sid("indicator", f"{post['id']}|{url}"),
            name=name[:250],
            description=f"{ladder.DEFINITIONS[step]} Post id: {post['id']}.",
            indicator_types=STEP_INDICATOR_TYPES.get(step, ["anomalous-activity"]),
            pattern=f"[url:value = '{_pattern_literal(url)}']",
            pattern_type="stix",
            valid_from=valid_from,
            x_misusewatch_post_id=post["id"],
            x_misusewatch_ladder=step,
            allow_custom=True,
            **common, **_versions(valid_from, now),
        ))
    return out


def to_stix_json(
    summary: Mapping[str, Any], actors: Sequence[Mapping[str, Any]] = (), *, tlp: str = "amber"
) -> str:
    return summary_bundle(summary, actors, tlp=tlp).serialize(pretty=True) + "\n"
