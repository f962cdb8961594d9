"""Registries, not if/elif: detectors, enrichers, rules and notifiers register by name with defaults."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """A name no one registered; the message lists the names that are."""

    def __str__(self) -> str:  # KeyError quotes its message; we want one plain line
        return str(self.args[0])


@dataclass(slots=True)
class Entry(Generic[T]):
    name: str
    factory: Callable[..., T]
    defaults: dict[str, Any] = field(default_factory=dict)
    doc: str = ""


class Registry(Generic[T]):
    """Name -> factory with a default config, like spaCy's ``@Language.factory``.

    Built-ins register exactly as a user's plugin would::

        detectors = Registry("detector")

        @detectors.register("tfidf", defaults={"path": "models/tfidf"})
        def make_tfidf(path): ...

        detectors.create("tfidf", {"path": "elsewhere"})
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def register(
        self, name: str, *, defaults: Mapping[str, Any] | None = None
    ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorator(factory: Callable[..., T]) -> Callable[..., T]:
            doc = (factory.__doc__ or "").strip().splitlines()
            self._entries[name] = Entry(name, factory, dict(defaults or {}), doc[0] if doc else "")
            return factory

        return decorator

    def get(self, name: str) -> Entry[T]:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UnknownNameError(f"unknown {self.kind} {name!r} (known: {known})") from None

    def create(self, name: str, config: Mapping[str, Any] | None = None) -> T:
        """Build ``name`` with its defaults overlaid by ``config``; unknown keys are an error."""
        entry = self.get(name)
        config = dict(config or {})
        unknown = set(config) - set(entry.defaults)
        if unknown and entry.defaults is not None:
            allowed = ", ".join(sorted(entry.defaults)) or "none"
            raise UnknownNameError(
                f"{self.kind} {name!r}: unknown setting(s) {sorted(unknown)} (allowed: {allowed})"
            )
        return entry.factory(**{**entry.defaults, **config})

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(sorted(self._entries.values(), key=lambda e: e.name))
