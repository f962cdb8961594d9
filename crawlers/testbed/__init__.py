"""The testbed: a generated, seeded forum community served in real wire formats, with ground truth.

    from crawlers.testbed import generate, serve, write_truth
    community = generate(seed=2019, posts=3000)
    with serve(community) as base_url:
        ...  # crawl base_url + "/discourse/latest.json", "/4chan/g/catalog.json", ...

See docs/testbed.md for the URLs, fault modes and the ground-truth format.
"""

from __future__ import annotations

from pathlib import Path

from crawlers.testbed.community import Community, generate
from crawlers.testbed.faults import Fault
from crawlers.testbed.server import serve
from crawlers.testbed.truth import summarize, summary, truth_records, write_truth

GENERIC_PROFILE = Path(__file__).parent / "profiles" / "generic.toml"

__all__ = [
    "GENERIC_PROFILE",
    "Community",
    "Fault",
    "generate",
    "serve",
    "summarize",
    "summary",
    "truth_records",
    "write_truth",
]
