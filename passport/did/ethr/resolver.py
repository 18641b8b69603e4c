"""Resolve did:ethr DIDs from a chain's ERC-1056 registry: the reads, the history cache, log
polling (see the package docstring for the freshness trade-off).

Error codes: ``did_invalid``, ``did_chain_mismatch``, ``rpc_unavailable``,
``did_resolution_failed``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from eth_utils.address import to_checksum_address

from passport.did.document import DidDocument
from passport.errors import CouldNotCheckError, PassportError
from passport.ports import Clock, SystemClock

if TYPE_CHECKING:
    from passport.chain.client import Chain
    from passport.chain.deployment import Deployment
from passport.did.ethr.document import (
    _iso,
    build_document,
)
from passport.did.ethr.events import (
    EVENT_TOPICS,
    RegistryEvent,
    _as_int,
    changed_call_data,
    decode_log,
    identities_of,
)
from passport.did.ethr.identifier import (
    EthrDid,
    _invalid,
    parse_ethr_did,
)

# --- reading the registry -----------------------------------------------------------------


class RegistryReader(Protocol):
    """The four JSON-RPC reads the resolver needs (implemented over ``passport.chain``)."""

    def chain_id(self) -> int: ...

    def changed(self, registry: str, identity: str) -> int: ...

    def logs(
        self, registry: str, from_block: int, to_block: int, identity: str | None
    ) -> list[Mapping[str, Any]]: ...

    def block_number(self) -> int: ...

    def block_timestamp(self, block: int) -> int: ...



class ChainRegistryReader:
    """``RegistryReader`` over a ``passport.chain.client.Chain`` (its requests are counted and
    transport failures raise ``rpc_unavailable``)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def chain_id(self) -> int:
        return self.chain.chain_id

    def changed(self, registry: str, identity: str) -> int:
        raw = self.chain.w3.eth.call(
            {"to": to_checksum_address(registry), "data": changed_call_data(identity)}
        )
        return int.from_bytes(bytes(raw)[-32:], "big") if raw else 0

    def logs(
        self, registry: str, from_block: int, to_block: int, identity: str | None
    ) -> list[Mapping[str, Any]]:
        topics: list[Any] = [["0x" + t.hex() for t in EVENT_TOPICS]]
        if identity is not None:
            topics.append("0x" + bytes(12).hex() + identity[2:].lower())
        return list(
            self.chain.w3.eth.get_logs(
                {
                    "address": to_checksum_address(registry),
                    "fromBlock": from_block,
                    "toBlock": to_block,
                    "topics": topics,
                }
            )
        )

    def block_number(self) -> int:
        return self.chain.block_number()

    def block_timestamp(self, block: int) -> int:
        return self.chain.block_timestamp(block)


@dataclass
class _Entry:
    changed: int
    history: tuple[RegistryEvent, ...]
    stale: bool = False
    docs: dict[str, tuple[DidDocument, int | None]] = field(default_factory=dict)


def _rpc_guard(what: str) -> Callable[[Callable[[], Any]], Any]:
    def run(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except PassportError:
            raise
        except Exception as exc:  # the transport's own errors vary by provider
            raise CouldNotCheckError(
                "rpc_unavailable",
                f"Could not {what} from the chain node ({type(exc).__name__}: {exc}); "
                "check that the node is running and the RPC URL is right.",
            ) from exc

    return run


class EthrDidResolver:
    """Resolves did:ethr DIDs of one chain from its ERC-1056 registry (a ``MethodResolver``).

    ``reader`` does the JSON-RPC reads (``passport.chain`` provides one over a ``Chain``:
    ``EthrDidResolver.for_chain(chain, deployment)``); ``registry`` is the DIDRegistry
    address and ``chain_id`` the chain it lives on. ``clock`` decides which entries have
    expired; ``poll_interval`` switches to log polling (see the module docstring).
    """

    def __init__(
        self,
        reader: RegistryReader,
        registry: str,
        chain_id: int,
        *,
        clock: Clock | None = None,
        poll_interval: float | None = None,
        max_log_range: int = 50_000,
    ) -> None:
        self.reader = reader
        self.registry = to_checksum_address(registry)
        self.chain_id = chain_id
        self.clock: Clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self.max_log_range = max_log_range
        self._entries: dict[str, _Entry] = {}
        self._timestamps: dict[int, int] = {}
        self._synced_block: int | None = None
        self._last_poll: datetime | None = None
        self._lock = threading.RLock()

    @classmethod
    def for_chain(
        cls,
        chain: Chain,
        registry: str,
        *,
        chain_id: int | None = None,
        clock: Clock | None = None,
        poll_interval: float | None = None,
    ) -> EthrDidResolver:
        """A resolver reading the DIDRegistry at ``registry`` through ``chain`` (its chain id
        is the node's unless ``chain_id`` says otherwise, e.g. from a deployment file)."""
        return cls(
            ChainRegistryReader(chain),
            registry,
            chain.chain_id if chain_id is None else chain_id,
            clock=clock,
            poll_interval=poll_interval,
        )

    @classmethod
    def from_deployment(
        cls,
        chain: Chain,
        deployment: Deployment,
        *,
        clock: Clock | None = None,
        poll_interval: float | None = None,
    ) -> EthrDidResolver:
        """A resolver for the DIDs of ``deployment``'s chain, reading its DIDRegistry. The
        chain id is the deployment's (no RPC call is made here)."""
        return cls.for_chain(
            chain,
            deployment.addresses["DIDRegistry"],
            chain_id=deployment.chain_id,
            clock=clock,
            poll_interval=poll_interval,
        )

    # -- public API --

    def resolve(self, did: str) -> DidDocument:
        """Resolve ``did`` (optionally ``?versionId=<block>``) to its document.

        did:ethr spec "Read (Resolve)". Metadata: ``versionId``, ``updated``,
        ``nextVersionId``, ``nextUpdate``, ``deactivated`` as the spec says, plus ``changed``
        (the registry's last change block for the identity) and ``chainId``.
        Raises ``did_invalid``, ``did_chain_mismatch``, ``rpc_unavailable``,
        ``did_resolution_failed``.
        """
        parsed = parse_ethr_did(did)
        if parsed.chain_id != self.chain_id:
            raise CouldNotCheckError(
                "did_chain_mismatch",
                f"{parsed.did} lives on chain {hex(parsed.chain_id)}, but this resolver reads "
                f"chain {hex(self.chain_id)}; configure a deployment of that chain.",
                details={"did": parsed.did, "chainId": parsed.chain_id},
            )
        if self.poll_interval is not None:
            self._maybe_poll()
        entry = self._entry(parsed.address)
        if parsed.version_id is None:
            now = int(self.clock.now().timestamp())
            cached = entry.docs.get(parsed.did)
            if cached is not None and (cached[1] is None or now <= cached[1]):
                return cached[0]
            doc = self._document(parsed, entry, now, None)
            with self._lock:
                entry.docs[parsed.did] = (doc, self._expiry(doc))
            return doc
        try:
            now = self._timestamp(parsed.version_id)
        except CouldNotCheckError as exc:
            if type(exc.__cause__).__name__ != "BlockNotFound":
                raise
            raise _invalid(
                f"{did}: versionId {parsed.version_id} is beyond the chain's latest block.",
                parsed.did,
            ) from None
        return self._document(parsed, entry, now, parsed.version_id)

    def refresh(self) -> set[str]:
        """Poll the registry's DID events since the last block seen; invalidate what changed.

        One ``eth_blockNumber`` and one ``eth_getLogs`` (per ``max_log_range`` blocks).
        Returns the checksummed identity addresses whose cached documents were dropped. The
        first call only sets the starting block. Raises ``rpc_unavailable``.
        """
        guard = _rpc_guard("poll the DID registry")
        latest = int(guard(self.reader.block_number))
        changed: set[str] = set()
        with self._lock:
            start = self._synced_block
        if start is None:
            pass
        elif latest < start:  # the chain went back (a reset dev node): trust nothing cached
            with self._lock:
                changed = set(self._entries)
                self._entries.clear()
        else:
            frm = start + 1
            while frm <= latest:
                to = min(latest, frm + self.max_log_range - 1)
                changed |= identities_of(
                    guard(partial(self.reader.logs, self.registry, frm, to, None))
                )
                frm = to + 1
            with self._lock:
                for identity in changed:
                    entry = self._entries.get(identity)
                    if entry is not None:
                        entry.stale = True
                        entry.docs.clear()
        with self._lock:
            self._synced_block = latest
            self._last_poll = self.clock.now()
        return changed

    def invalidate(self, address: str | None = None) -> None:
        """Forget the cached history of ``address`` (all when None)."""
        with self._lock:
            if address is None:
                self._entries.clear()
            else:
                self._entries.pop(to_checksum_address(address), None)

    # -- internals --

    def _maybe_poll(self) -> None:
        assert self.poll_interval is not None
        last = self._last_poll
        if last is None or (self.clock.now() - last).total_seconds() >= self.poll_interval:
            self.refresh()

    def _entry(self, address: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(address)
        if entry is not None and self.poll_interval is not None and not entry.stale:
            return entry  # polling mode: the last refresh saw no change for this identity
        guard = _rpc_guard("read the DID registry")
        changed = int(guard(lambda: self.reader.changed(self.registry, address)))
        if entry is not None and entry.changed == changed:
            entry.stale = False
            return entry
        history = self._history(address, changed, entry)
        fresh = _Entry(changed, history)
        with self._lock:
            self._entries[address] = fresh
        return fresh

    def _history(
        self, address: str, changed: int, known: _Entry | None
    ) -> tuple[RegistryEvent, ...]:
        """did:ethr spec "Enumerating Contract Events" steps 1-4, stopping early at the block
        a cached history already reaches."""
        guard = _rpc_guard("read the DID registry's logs")
        newer: list[RegistryEvent] = []
        block = changed
        base: tuple[RegistryEvent, ...] = ()
        while block:
            if known is not None and known.changed and block == known.changed:
                base = known.history
                break
            logs: list[Mapping[str, Any]] = guard(
                partial(self.reader.logs, self.registry, block, block, address)
            )
            if not logs:
                raise CouldNotCheckError(
                    "did_resolution_failed",
                    f"The registry says {address} changed in block {block}, but the node has "
                    "no logs for it; use a node that keeps the full log history.",
                    details={"address": address, "block": block},
                )
            previous = 0
            events: list[RegistryEvent] = []
            for log in sorted(logs, key=lambda lg: _as_int(lg.get("logIndex", 0) or 0)):
                try:
                    event, pc = decode_log(log)
                except (ValueError, TypeError, KeyError) as exc:
                    raise CouldNotCheckError(
                        "did_resolution_failed",
                        f"A DID registry log in block {block} cannot be decoded: {exc}.",
                    ) from exc
                if 0 < pc < block and (previous == 0 or pc < previous):
                    previous = pc
                if event is not None:
                    events.append(event)
            newer[:0] = events
            block = previous
        return (*base, *newer)

    def _timestamp(self, block: int) -> int:
        with self._lock:
            if block in self._timestamps:
                return self._timestamps[block]
        guard = _rpc_guard("read a block")
        ts = int(guard(lambda: self.reader.block_timestamp(block)))
        with self._lock:
            self._timestamps[block] = ts
        return ts

    def _document(
        self, parsed: EthrDid, entry: _Entry, now: int, version: int | None
    ) -> DidDocument:
        built = build_document(
            parsed.did,
            parsed.address,
            entry.history,
            chain_id=self.chain_id,
            now=now,
            controller_key=parsed.public_key,
            version_block=version,
        )
        meta: dict[str, Any] = {"chainId": self.chain_id, "changed": entry.changed}
        if built.deactivated:
            meta["deactivated"] = True
        if built.version_id is not None:
            meta["versionId"] = str(built.version_id)
            meta["updated"] = _iso(self._timestamp(built.version_id))
        if built.next_version_id is not None:
            meta["nextVersionId"] = str(built.next_version_id)
            meta["nextUpdate"] = _iso(self._timestamp(built.next_version_id))
        if built.valid_until is not None:
            meta["validUntil"] = built.valid_until
        return DidDocument(built.data, meta)

    @staticmethod
    def _expiry(doc: DidDocument) -> int | None:
        value = doc.metadata.get("validUntil")
        return value if isinstance(value, int) else None
