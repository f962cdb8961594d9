"""Functions other packages own, imported lazily: a missing one is a clear "not available" note, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from misusewatch.config import Settings

# GPT-2's staged release (Solaiman et al., 2019): used only when threat_model.stages is absent.
GPT2_STAGES = (
    ("124M", datetime(2019, 2, 14, tzinfo=UTC)),
    ("355M", datetime(2019, 5, 3, tzinfo=UTC)),
    ("774M", datetime(2019, 8, 20, tzinfo=UTC)),
    ("1.5B", datetime(2019, 11, 5, tzinfo=UTC)),
)


class Unavailable(RuntimeError):
    """A feature whose implementing module is not installed or not configured; str() says which."""


def optional(dotted: str) -> Callable[..., Any]:
    """``module:function`` or raise Unavailable naming it."""
    module_name, _, attr = dotted.partition(":")
    try:
        module = import_module(module_name)
    except ImportError as exc:
        raise Unavailable(f"{module_name} is not available ({exc.name} missing)") from None
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise Unavailable(f"{module_name}.{attr} is not available")
    return obj


def release_stages(settings: Settings) -> tuple[list[tuple[str, datetime]], str | None]:
    """(name, start) of each release stage, oldest first, and a note when they are defaults."""
    try:
        load = optional("threat_model.stages:load_stages")
    except Unavailable as exc:
        return list(GPT2_STAGES), f"{exc}; showing GPT-2's published stage dates."
    return [(s.name, s.start) for s in load(settings)], None


def gltr_tokens(text: str, settings: Settings) -> list[tuple[str, int]]:
    """(token, rank) pairs from the configured language model, for GLTR colouring."""
    token_evidence = optional("enrichment.detectors.gltr:token_evidence")
    return [(str(t), int(r)) for t, r in token_evidence(text, settings)]


def actor_lm_test(flagged: int, tested: int, fpr: float) -> float:
    """One-sided binomial p-value that an actor's posts are flagged more often than the FPR allows."""
    test = optional("enrichment.calibration:actor_binomial_test")
    return float(test(flagged, tested, fpr))


def alert_settings(settings: Settings) -> Any:
    """The ``[alerts]`` rules and stakeholders, parsed by misusewatch.alerting."""
    load = optional("misusewatch.alerting.settings:load_alert_settings")
    try:
        return load(settings)
    except ValueError as exc:  # ConfigError: a bad [alerts] section is shown, not raised
        raise Unavailable(f"[alerts] settings could not be read: {exc}") from None
