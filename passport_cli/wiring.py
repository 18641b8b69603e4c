"""Production wiring of the CLI: the one place that builds resolvers, fetchers and clocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from passport.ports import Resolver, StatusFetcher


def now() -> datetime:
    from passport.ports import SystemClock

    return SystemClock().now()


def build_resolver() -> Resolver:
    from passport.did import default_resolver

    return default_resolver()


def build_status_fetcher(local: Sequence[Mapping[str, Any]] = ()) -> StatusFetcher:
    """Status lists given on the command line first (by their id), then HTTP(S)."""
    from passport.status.fetch import LocalFirstFetcher

    return LocalFirstFetcher(local=list(local))
