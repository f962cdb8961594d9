"""docs/detectors.md documents every registered detector (a heading per name)."""

from __future__ import annotations

from enrichment.detectors import detectors
from enrichment.detectors.base import PROJECT_ROOT


def test_every_registered_detector_is_documented():
    text = (PROJECT_ROOT / "docs" / "detectors.md").read_text(encoding="utf-8")
    missing = [name for name in detectors.names() if f"### `{name}`" not in text]
    assert not missing, f"undocumented detectors: {missing}"
