"""Trust on chain, as the verifier checks it: the issuer's accreditation in the trust registry
at issuance time and now, for the credential's type and an accepted jurisdiction; and status
lists whose digest is the one the issuer anchored in the status registry.

Everything read from the chain is cached (``sync`` / ``refresh()`` drops what changed), so a
warm verification makes no JSON-RPC call: a past accreditation status never changes (the
registry keeps history), today's is cached for ``ttl`` seconds, an issuer's history (for the
jurisdiction) likewise, and a status list's on-chain check by its URL and content digest.

Error codes (VerdictError unless said): ``issuer_not_accredited`` (never accredited by the
regulator, or not a did:ethr of the registry's chain), ``accreditation_type_mismatch``
(accredited, but not for this credential type), ``jurisdiction_not_accepted``,
``credential_type_not_accepted`` (the policy does not take this type),
``accreditation_suspended``, ``accreditation_revoked``, ``accreditation_expired``,
``accreditation_not_yet_valid``, ``issuer_not_accredited_at_issuance``;
``status_list_mismatch`` (the digest differs from the chain's); CouldNotCheckError
``rpc_unavailable``, ``status_list_not_anchored``, ``status_list_unavailable``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from passport.errors import CouldNotCheckError, MalformedError, VerdictError
from passport.ports import Clock, StatusFetcher, SystemClock

if TYPE_CHECKING:
    from passport.chain.registries import TrustEvent, TrustRegistryClient

__all__ = [
    "AccreditationChecker",
    "AnchoredStatus",
    "ChainCheckedStatusFetcher",
    "GuardedStatusFetcher",
    "issuance_time",
]


class AnchoredStatus(Protocol):
    """What ``ChainCheckedStatusFetcher`` needs of the ``StatusRegistryClient``."""

    def check_status_list(
        self, issuer: str, list_url: str, credential: Mapping[str, Any]
    ) -> int: ...


_STATUS_CODES = {
    "suspended": "accreditation_suspended",
    "revoked": "accreditation_revoked",
    "expired": "accreditation_expired",
    "not_yet_valid": "accreditation_not_yet_valid",
}


def issuance_time(doc: Mapping[str, Any]) -> datetime | None:
    """When the credential was issued: ``validFrom`` (VC 2.0), ``iat`` or ``nbf`` (JWT)."""
    from passport.verify import parse_datetime

    if "validFrom" in doc:
        return parse_datetime(doc["validFrom"], "validFrom")
    for claim in ("iat", "nbf"):
        value = doc.get(claim)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
    return None


def _types(doc: Mapping[str, Any], vct_types: Mapping[str, str]) -> list[str]:
    if isinstance(doc.get("vct"), str):
        from passport.credentials.types import credential_type_of_vct

        # A bank's own vct (<issuer>/vct/<type>) extends the generic one the policy names.
        name = vct_types.get(str(doc["vct"])) or credential_type_of_vct(str(doc["vct"]))
        return [name] if name else []
    types = doc.get("type")
    types = [types] if isinstance(types, str) else types
    return [
        str(t) for t in (types if isinstance(types, list) else []) if t != "VerifiableCredential"
    ]


def _issuer(doc: Mapping[str, Any]) -> str:
    issuer = doc.get("issuer", doc.get("iss"))
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise MalformedError("issuer_missing", "The credential names no issuer.")
    return issuer


@dataclass
class _Cached:
    at: datetime
    value: Any


class AccreditationChecker:
    """A ``VerifyOptions.credential_checks`` entry (``checker.as_check()``): the issuer was
    accredited for each type the credential claims, in an accepted jurisdiction, when it was
    issued and now.

    ``accepted_types`` / ``accepted_jurisdictions`` empty means any. ``vct_types`` maps an
    SD-JWT VC ``vct`` to its credential type name.
    """

    def __init__(
        self,
        trust: TrustRegistryClient,
        *,
        accepted_types: Sequence[str] = (),
        accepted_jurisdictions: Sequence[str] = (),
        vct_types: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        ttl: float = 300.0,
        past_margin: float = 120.0,
    ) -> None:
        self.trust = trust
        self.past_margin = past_margin
        self.accepted_types = tuple(accepted_types)
        self.accepted_jurisdictions = tuple(accepted_jurisdictions)
        self.vct_types = dict(vct_types or {})
        self.clock = clock or SystemClock()
        self.ttl = ttl
        self._past: dict[tuple[str, str, int], str] = {}
        self._now: dict[tuple[str, str], _Cached] = {}
        self._history: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def with_policy(
        self,
        accepted_types: Sequence[str],
        accepted_jurisdictions: Sequence[str],
        vct_types: Mapping[str, str] | None = None,
    ) -> AccreditationChecker:
        """The same caches under another policy's acceptance lists; ``vct_types`` adds the
        policy's own ``vct`` names (e.g. a bank's ``<issuer>/vct/<Type>``) to the known ones."""
        other = AccreditationChecker.__new__(AccreditationChecker)
        other.__dict__.update(self.__dict__)
        other.accepted_types = tuple(accepted_types)
        other.accepted_jurisdictions = tuple(accepted_jurisdictions)
        other.vct_types = {**self.vct_types, **(vct_types or {})}
        return other

    def refresh(self) -> None:
        """Forget today's answers and histories (``verifier sync``); one RPC round."""
        self.trust.refresh()
        with self._lock:
            self._now.clear()
            self._history.clear()

    def _address(self, issuer: str) -> str:
        from passport.did.ethr import parse_ethr_did

        try:
            parsed = parse_ethr_did(issuer)
        except MalformedError:
            parsed = None
        if parsed is not None and parsed.chain_id == self.trust.deployment.chain_id:
            return str(parsed.address)
        raise VerdictError(
            "issuer_not_accredited",
            f"The issuer {issuer} is not a did:ethr of the trust registry's chain, so no "
            "regulator accredited it.",
            details={"issuer": issuer, "status": "not_accredited"},
        )

    def _status_now(self, address: str, name: str, now: datetime) -> str:
        key = (address, name)
        with self._lock:
            hit = self._now.get(key)
        if hit is not None and (now - hit.at).total_seconds() < self.ttl:
            return str(hit.value)
        answer = self.trust.status(address, name, now)
        with self._lock:
            self._now[key] = _Cached(now, answer)
        return answer

    def _status_past(self, address: str, name: str, at: datetime, now: datetime) -> str:
        # The registry never rewrites the past (suspensions, revocations and accreditations
        # take effect from their block's time), so an answer about a moment well behind the
        # chain's clock is final; a moment within the clock skew is asked again.
        if (now - at).total_seconds() < self.past_margin:
            return self.trust.status(address, name, at)
        key = (address, name, int(at.timestamp()))
        with self._lock:
            hit = self._past.get(key)
        if hit is not None:
            return hit
        answer = self.trust.status(address, name, at)
        with self._lock:
            self._past[key] = answer
        return answer

    def _events(self, address: str, now: datetime) -> list[TrustEvent]:
        with self._lock:
            hit = self._history.get(address)
        if hit is not None and (now - hit.at).total_seconds() < self.ttl:
            return list(hit.value)
        events = self.trust.history(address)
        with self._lock:
            self._history[address] = _Cached(now, events)
        return events

    def _jurisdictions(self, address: str, name: str, at: datetime, now: datetime) -> set[str]:
        return {
            str(e.jurisdiction)
            for e in self._events(address, now)
            if e.kind == "accredited"
            and name in e.types
            and e.valid_from is not None
            and e.valid_until is not None
            and e.valid_from <= at < e.valid_until
        }

    def check(self, doc: Mapping[str, Any]) -> None:
        """Raise the first failing verdict (see the module's codes)."""
        now = self.clock.now()
        issuer = _issuer(doc)
        address = self._address(issuer)
        wanted = _types(doc, self.vct_types)
        if not wanted:
            raise VerdictError(
                "issuer_not_accredited",
                "The credential claims no type that an issuer can be accredited for.",
                details={"issuer": issuer, "status": "not_accredited"},
            )
        issued = issuance_time(doc) or now
        for name in wanted:
            if self.accepted_types and name not in self.accepted_types:
                raise VerdictError(
                    "credential_type_not_accepted",
                    f"This bank does not accept {name} credentials.",
                    details={"type": name},
                )
            status = self._status_now(address, name, now)
            if status != "accredited":
                if status == "not_accredited":
                    ever = any(e.kind == "accredited" for e in self._events(address, now))
                    if ever:
                        raise VerdictError(
                            "accreditation_type_mismatch",
                            f"The issuer {issuer} is accredited, but not for {name}.",
                            details={"issuer": issuer, "type": name},
                        )
                    raise VerdictError(
                        "issuer_not_accredited",
                        f"No regulator ever accredited the issuer {issuer}.",
                        details={"issuer": issuer, "type": name, "status": status},
                    )
                code = _STATUS_CODES.get(status, "issuer_not_accredited")
                raise VerdictError(
                    code,
                    f"The issuer {issuer}'s accreditation for {name} is "
                    f"{status.replace('_', ' ')}.",
                    details={"issuer": issuer, "type": name, "status": status},
                )
            past = self._status_past(address, name, issued, now)
            if past != "accredited":
                raise VerdictError(
                    "issuer_not_accredited_at_issuance",
                    f"The issuer {issuer} was not accredited for {name} when it issued this "
                    f"credential ({issued.isoformat()}: {past.replace('_', ' ')}).",
                    details={"issuer": issuer, "type": name, "status": past},
                )
            if self.accepted_jurisdictions:
                places = self._jurisdictions(address, name, now, now)
                if not places & set(self.accepted_jurisdictions):
                    raise VerdictError(
                        "jurisdiction_not_accepted",
                        f"The issuer {issuer} is accredited for {name} in "
                        f"{', '.join(sorted(places)) or 'no jurisdiction'}, which this bank does "
                        f"not accept ({', '.join(self.accepted_jurisdictions)}).",
                        details={"issuer": issuer, "jurisdictions": sorted(places)},
                    )

    def as_check(self) -> tuple[str, Callable[[Mapping[str, Any]], None]]:
        return "accreditation", self.check


class ChainCheckedStatusFetcher:
    """A ``StatusFetcher`` that returns a status list only when its digest is the one its
    issuer anchored on chain; lists are kept ``ttl`` seconds (``refresh()`` drops them).

    Raises VerdictError ``status_list_mismatch``; CouldNotCheckError
    ``status_list_not_anchored``, ``status_list_unavailable``, ``rpc_unavailable``.
    """

    def __init__(
        self,
        inner: StatusFetcher,
        registry: AnchoredStatus | None,
        *,
        clock: Clock | None = None,
        ttl: float = 60.0,
    ) -> None:
        self.inner = inner
        self.registry = registry
        self.clock = clock or SystemClock()
        self.ttl = ttl
        self._lists: dict[str, _Cached] = {}
        self._anchored: dict[tuple[str, bytes], _Cached] = {}
        self._digests: dict[int, tuple[Mapping[str, Any], bytes]] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            self._lists.clear()
            self._anchored.clear()

    def fetch(self, url: str) -> Mapping[str, Any]:
        now = self.clock.now()
        with self._lock:
            hit = self._lists.get(url)
        if hit is not None and (now - hit.at).total_seconds() < self.ttl:
            credential: Mapping[str, Any] = hit.value
        else:
            credential = self.inner.fetch(url)
            with self._lock:
                self._lists[url] = _Cached(now, credential)
        if self.registry is not None:
            self._check_anchor(url, credential, now)
        return credential

    def _check_anchor(self, url: str, credential: Mapping[str, Any], now: datetime) -> None:
        from passport.chain.registries import status_list_digest

        if not isinstance(credential, Mapping):
            raise MalformedError("status_list_malformed", "The status list is not a JSON object.")
        digest = self._digests.get(id(credential))
        if digest is None or digest[0] is not credential:  # a list object not seen yet
            digest = (credential, status_list_digest(credential))
            with self._lock:
                if len(self._digests) > 256:
                    self._digests.clear()
                self._digests[id(credential)] = digest
        key = (url, digest[1])
        with self._lock:
            hit = self._anchored.get(key)
        if hit is not None and (now - hit.at).total_seconds() < self.ttl:
            return
        assert self.registry is not None
        try:
            self.registry.check_status_list(_issuer(credential), url, credential)
        except VerdictError:
            with self._lock:
                self._lists.pop(url, None)  # fetch it again next time
            raise
        except CouldNotCheckError:
            raise
        with self._lock:
            self._anchored[key] = _Cached(now, True)


class GuardedStatusFetcher:
    """A ``StatusFetcher`` that connects only where the did:web policy would: a credential's
    ``statusListCredential`` is chosen by whoever signed it, so an unchecked URL would make the
    verifier open connections to its own network. https to public hosts by default; plain http
    and loopback only when the policy allows them (``DidWebPolicy.loopback()``: local demos).

    Raises CouldNotCheckError ``status_list_forbidden_host`` (never a verdict: the credential
    is not revoked because its list lives somewhere this verifier does not go).
    """

    def __init__(self, inner: StatusFetcher, policy: Any) -> None:
        self.inner = inner
        self.policy = policy

    def fetch(self, url: str) -> Mapping[str, Any]:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        host = parts.hostname or ""
        forbidden = CouldNotCheckError(
            "status_list_forbidden_host",
            f"The status list {url[:200]} is not on a public https host; this verifier does "
            "not fetch it.",
            details={"host": host[:100]},
        )
        plain_ok = self.policy.allow_loopback or self.policy.uses_http(host)
        if not host or not (parts.scheme == "https" or (parts.scheme == "http" and plain_ok)):
            raise forbidden
        try:
            self.policy.addresses(url, host, parts.port or (443 if parts.scheme == "https" else 80))
        except CouldNotCheckError as exc:
            if exc.code == "did_web_unreachable":
                raise CouldNotCheckError(
                    "status_list_unavailable", f"The status list host {host} does not resolve."
                ) from None
            raise forbidden from None
        return self.inner.fetch(url)
