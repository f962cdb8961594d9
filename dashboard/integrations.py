"""Functions other packages own, imported lazily: a missing one is a clear "not available" note, never a crash."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
BASELINE = "pre-release"
# Zero-shot detectors whose [detectors.<name>] model can colour tokens GLTR-style.
LM_DETECTORS = ("gltr", "logrank", "logprob", "fast_detectgpt")


class Unavailable(RuntimeError):
    """A feature whose implementing module is not installed or not configured; str() says which."""


def optional(dotted: str) -> Callable[..., Any]:
    """``module:attribute`` or raise Unavailable naming it."""
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


def release_windows(settings: Settings) -> tuple[list[tuple[str, datetime | None, datetime | None]], str | None]:
    """(name, since, until) of the baseline and each release stage, oldest first (open bounds are
    None), and a note when they are GPT-2's defaults because threat_model.stages is missing."""
    try:
        from_config = optional("threat_model.stages:timeline_from_config")
    except Unavailable as exc:
        starts = [s for _, s in GPT2_STAGES]
        windows = [(BASELINE, None, starts[0])]
        windows += [(name, start, end) for (name, start), end in zip(GPT2_STAGES, [*starts[1:], None], strict=True)]
        return windows, f"{exc}; showing GPT-2's published stage dates."
    timeline = from_config(settings.section("stages"))
    return [(w.name, w.since, w.until) for w in timeline.windows()], None


def snooze_active(label: Any, now: datetime) -> bool:
    """Whether a snooze label still silences alerts, by the outbox's own rule (so the page never
    lists as active a timed snooze the alerting job already ignores)."""
    return optional("misusewatch.alerting.outbox:label_active")(label, now)


def render_summary(summary: Mapping[str, Any], fmt: str, settings: Settings) -> str:
    """The threat model's own rendering (md, html, json or stix, at the [assess] TLP) of a stored summary."""
    render = optional("misusewatch.assess:render_summary")
    config = optional("misusewatch.assess:assess_config")(settings)
    return render(summary, fmt, tlp=config.tlp)


def _lm_model(settings: Settings) -> str:
    from dashboard.config import dashboard_section

    model = dashboard_section(settings).get("gltr_model")
    if not model:
        detectors = settings.section("detectors")
        model = next((detectors[n]["model"] for n in LM_DETECTORS
                      if isinstance(detectors.get(n), Mapping) and detectors[n].get("model")), None)
    if not model:
        raise Unavailable("no language model configured ([dashboard] gltr_model or [detectors.gltr] model)")
    return str(model)


_scorers: dict[str, Any] = {}


def gltr_tokens(text: str, settings: Settings) -> list[tuple[str, int]]:
    """(token, rank) pairs from the configured language model, for GLTR colouring (rank 1 = top)."""
    model = _lm_model(settings)
    token_evidence = optional("enrichment.detectors.gltr:token_evidence")
    scorer_class = optional("enrichment.detectors.lm:CausalLMScorer")
    if model not in _scorers:
        try:
            _scorers[model] = scorer_class(model, device="cpu")
        except Exception as exc:  # a missing or unreadable model: say so, keep the page
            raise Unavailable(f"language model {model!r} could not be loaded: {exc}") from None
    return [(str(t["token"]), int(t["rank"])) for t in token_evidence(_scorers[model], text)]


def actor_evidence(flagged: int, posts: int, fpr: float) -> dict[str, Any]:
    """The actor-level one-sided binomial test: how surprising ``flagged`` of ``posts`` is at ``fpr``."""
    test = optional("enrichment.calibration:actor_evidence")
    return test(flagged, posts, fpr).to_dict()


def alert_settings(settings: Settings) -> Any:
    """The ``[alerts]`` rules and stakeholders, parsed by misusewatch.alerting."""
    load = optional("misusewatch.alerting.settings:load_alert_settings")
    try:
        return load(settings)
    except ValueError as exc:  # ConfigError: a bad [alerts] section is shown, not raised
        raise Unavailable(f"[alerts] settings could not be read: {exc}") from None
