"""The tagger's reading of forum language: negation, hypotheticals, quotes, sarcasm, voice."""

from __future__ import annotations

import pytest

from enrichment.tagger import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def tag_one(tagger: Tagger, text: str, title: str | None = None) -> dict:
    return tagger.tag_texts([text], [title])[0]


@pytest.mark.parametrize(
    ("text", "ladder"),
    [
        # plans in the author's voice
        ("I'm going to fine-tune GPT-2 on 5-star reviews and post them on my Etsy shop.", "plan"),
        ("planning to set up twitter accounts that spread fake news with gpt2, anyone want to help?", "plan"),
        ("How do I get GPT-2 to write phishing emails that look like PayPal?", "plan"),
        ("If this works I'm going to flood every subreddit in my niche with gpt2 spam comments.", "plan"),
        # the same words, not a plan
        ("I'm not going to use it for fake reviews, relax.", "discussion"),
        ("I would never use this for phishing, but the scam emails it writes are convincing.", "discussion"),
        ("If someone wanted to run a disinformation campaign they'd hire a troll farm, not GPT-2.", "discussion"),
        ("They're going to use it for spam, obviously. Spammers adopt new tools first.", "discussion"),
        ("lol yeah I'm totally going to spam the whole internet with gpt2 /s", "discussion"),
        ("> I'm going to use GPT-2 to post fake reviews on Amazon\n\nThis guy should be banned.", "discussion"),
        ("Trevor wrote:\nI'm planning to post generated reviews on every product.\n\nPlease don't.", "discussion"),
        (
            "\"I'm going to flood Twitter with GPT-2 fake news\" - that's what the man in the article said.",
            "discussion",
        ),
        ("I'm going to report every one of these GPT-2 spam bots I find.", "discussion"),
        ("Is anyone planning to use GPT-2 for spam?", "discussion"),
        # code and deployment, and their look-alikes
        ("DM me for the script, it auto-posts GPT-2 spam comments with rotating proxies.", "code"),
        ("Here's my GPT-2 fake review generator: github.com/someone/review-gen", "code"),
        ("Here's my notebook for generating sonnets with gpt-2: colab.research.google.com/drive/1x", "none"),
        ("Got 4 accounts banned on reddit from posting gpt2 comments too fast.", "deployment"),
        ("posted about 500 gpt2 fake reviews on my competitor's google page, rating dropped to 3.9", "deployment"),
        ("According to the article, spammers posted 10,000 AI-written comments to the FCC.", "discussion"),
        ("Posted 300 generated poems on my own blog as an art project.", "none"),
        (">be me\n>fine-tune gpt2\n>posted 200 fake reviews on my store\n>nobody noticed", "deployment"),
        # not about misuse of language models (docs/threat-model.md: the ladder is LM misuse)
        ("Sorry for the spam, my phone double posted this.", "none"),
        ("Got a phishing email at work today, reported it to IT.", "none"),
        ("posted about 500 fake reviews on my competitor's google page", "none"),
        ("Fine-tuned my carb settings and the bike runs smoother now", "none"),
    ],
)
def test_ladder_reads_voice_and_context(tagger: Tagger, text: str, ladder: str) -> None:
    assert tag_one(tagger, text)["ladder"] == ladder


def test_discounted_triggers_are_kept_as_evidence(tagger: Tagger) -> None:
    result = tag_one(tagger, "I'm not going to use it for fake reviews, relax.")
    discounted = [e for e in result["evidence"] if e["kind"] == "discounted"]
    assert discounted and discounted[0]["value"] == "plan:negated"


def test_evidence_offsets_point_into_the_text(tagger: Tagger) -> None:
    text = "Got 4 accounts banned on reddit from posting gpt2 comments. Next: twitter."
    result = tag_one(tagger, text)
    assert result["evidence"]
    for item in result["evidence"] + result["targets"]:
        assert set(item) >= {"kind", "value", "text", "start", "end", "rule"}
        assert text[item["start"] : item["end"]] == item["text"]


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("Fake reviews everywhere on Amazon since GPT-2 came out", ["fake_reviews"]),
        ("jailbreak prompts that bypass the content filter", ["malicious_prompting"]),
        ("they'd just hire a troll farm instead of using GPT-2", ["disinformation"]),
        ("Peer review for the workshop is brutal this year. Reviewer 2 strikes again.", []),
        ("Check your spam folder, the confirmation email sometimes ends up there.", []),
        ("My teacher said my essay on the French Revolution was the best in the class!", []),
    ],
)
def test_categories(tagger: Tagger, text: str, categories: list[str]) -> None:
    assert tag_one(tagger, text)["categories"] == categories


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("Can someone ELI5 how to install GPT-2? I'm not a programmer.", 1),
        ("Fine-tuned the 355M with gpt-2-simple on Colab, top_k=40 works best.", 2),
        ("We trained our own model from scratch on a cluster of 8x V100 to beat the detector.", 3),
        ("Temperature tomorrow is supposed to hit 35, stay hydrated folks", None),
    ],
)
def test_tier_from_this_post_alone(tagger: Tagger, text: str, tier: int | None) -> None:
    assert tag_one(tagger, text)["tier"] == tier


def test_thread_title_makes_a_reply_lm_related(tagger: Tagger) -> None:
    text = "I've been running it on three accounts for a month and nobody has noticed."
    assert tag_one(tagger, text)["lm_related"] is False
    result = tag_one(tagger, text, "GPT-2 1.5B released")
    assert result["lm_related"] is True
    title_evidence = [e for e in result["evidence"] if e.get("field") == "thread_title"]
    assert title_evidence and title_evidence[0]["text"] == "GPT-2"


def test_targets_come_from_misuse_sentences(tagger: Tagger) -> None:
    result = tag_one(tagger, "Going to post fake reviews on Yelp and amazon.com tonight. I use Colab.")
    values = {t["value"] for t in result["targets"]}
    assert {"yelp", "amazon.com"} <= values
    assert "colab" not in {v.lower() for v in values}


def test_parallel_tagging_matches_serial(tagger: Tagger) -> None:
    texts = [f"post {i}: I'm going to spam reddit with gpt2 comments" for i in range(20)]
    texts += ["benign post about my cat"] * 10
    parallel = Tagger(n_process=2)
    try:
        assert parallel.tag_texts(texts) == tagger.tag_texts(texts)
    finally:
        parallel.close()
