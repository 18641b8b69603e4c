"""Verified status lists, kept by URL and content digest until their ``validUntil``.

The pipeline verifies a status list credential's proof (an ``eddsa-rdfc-2022`` signature over
canonical RDF: the dearest step of a verification) once per content: later verifications
that fetch the same bytes find them here by ``(url, sha-256 of the canonical JSON)``. An entry
lives until the list's own ``validUntil``; then it is dropped and the next fetch is verified
afresh (a refresh by ``validUntil``).

Versions only move forward. The issuer re-signs a list on every change with a new
``validFrom``, so ``validFrom`` orders a URL's lists. A list older than the newest one already
seen for its URL (a cache or an attacker replaying last week's list, without this morning's
revocation) is never used: while the newest list seen is still valid it is used instead;
once that one expired too, the old one is refused with ``status_list_stale``.

Error codes: ``status_list_stale`` (CouldNotCheckError).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from passport.credentials.fields import parse_datetime
from passport.errors import CouldNotCheckError, MalformedError

__all__ = ["StatusListCache", "VerifiedStatusList", "content_digest"]


def content_digest(credential: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the credential's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifiedStatusList:
    """A status list credential whose proof verified, and who signed it."""

    url: str
    digest: str
    credential: Mapping[str, Any]
    signer: str
    valid_from: datetime | None
    valid_until: datetime | None

    def live(self, now: datetime, skew: timedelta) -> bool:
        return self.valid_until is None or now - skew < self.valid_until

    def older_than(self, other: VerifiedStatusList) -> bool:
        if self.valid_from is None or other.valid_from is None:
            return False
        return self.valid_from < other.valid_from


def _date(credential: Mapping[str, Any], name: str) -> datetime | None:
    value = credential.get(name)
    if value is None:
        return None
    try:
        return parse_datetime(value, name, code="status_list_malformed")
    except MalformedError:
        return None  # check_status reports it; the cache only orders by valid dates


@dataclass
class StatusListCache:
    """Verified status lists by ``(url, digest)``, and the newest seen per URL.

    Thread-safe; bounded to ``max_entries`` verified lists (least recently used go first).
    Share one instance between the verifications of a verifier (``VerifyOptions.status_cache``).
    """

    max_entries: int = 1024
    clock_skew: int = 60
    _verified: OrderedDict[tuple[str, str], VerifiedStatusList] = field(
        default_factory=OrderedDict, repr=False
    )
    _newest: dict[str, VerifiedStatusList] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: Proof verifications saved (hits) and done (misses), for benchmarks and tests.
    hits: int = 0
    misses: int = 0

    def lookup(
        self, url: str, credential: Mapping[str, Any], now: datetime
    ) -> tuple[str, VerifiedStatusList | None]:
        """The content digest of ``credential`` and its verified entry, if any and still live."""
        digest = content_digest(credential)
        skew = timedelta(seconds=self.clock_skew)
        with self._lock:
            entry = self._verified.get((url, digest))
            if entry is not None and not entry.live(now, skew):
                del self._verified[(url, digest)]  # refresh by validUntil
                entry = None
            if entry is not None:
                self._verified.move_to_end((url, digest))
                self.hits += 1
            else:
                self.misses += 1
        return digest, entry

    def admit(
        self, url: str, digest: str, credential: Mapping[str, Any], signer: str
    ) -> VerifiedStatusList:
        """Record a list whose proof the caller has just verified."""
        entry = VerifiedStatusList(
            url,
            digest,
            credential,
            signer,
            _date(credential, "validFrom"),
            _date(credential, "validUntil"),
        )
        with self._lock:
            self._verified[(url, digest)] = entry
            self._verified.move_to_end((url, digest))
            while len(self._verified) > self.max_entries:
                self._verified.popitem(last=False)
        return entry

    def current(self, entry: VerifiedStatusList, now: datetime) -> VerifiedStatusList:
        """The list to use for ``entry``'s URL: ``entry``, unless a newer one was seen.

        Raises CouldNotCheckError ``status_list_stale`` when ``entry`` is older than a list
        already seen for its URL and that newer list is no longer valid.
        """
        skew = timedelta(seconds=self.clock_skew)
        with self._lock:
            newest = self._newest.get(entry.url)
            if newest is None or not entry.older_than(newest):
                self._newest[entry.url] = entry
                return entry
        if newest.live(now, skew):
            return newest  # a replayed older list must not hide a revocation
        raise CouldNotCheckError(
            "status_list_stale",
            f"The status list {entry.url} served is older than one already seen "
            f"(validFrom {entry.credential.get('validFrom')}); fetch the current list.",
            details={"url": entry.url},
        )
