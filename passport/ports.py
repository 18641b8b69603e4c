"""The world the core library talks to, as protocols: clocks, resolvers, status fetchers.

Production wiring lives in the services' ``deps.py`` and the CLIs' ``main.py``; tests pass
their own implementations (a fixed clock, an in-memory resolver, a failing fetcher).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from passport.did.document import DidDocument

__all__ = ["Clock", "FixedClock", "Resolver", "StatusFetcher", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.current = self.current + timedelta(seconds=seconds)


@runtime_checkable
class Resolver(Protocol):
    def resolve(self, did: str) -> DidDocument:
        """Resolve ``did`` to its document.

        Raises MalformedError ``did_invalid``; CouldNotCheckError ``did_not_found``,
        ``did_method_unsupported`` or ``did_resolution_failed``.
        """
        ...


@runtime_checkable
class StatusFetcher(Protocol):
    def fetch(self, url: str) -> Mapping[str, Any]:
        """Fetch the status list credential at ``url`` (a JSON object or an enveloped form).

        Raises CouldNotCheckError ``status_list_unavailable`` when it cannot be fetched.
        """
        ...
