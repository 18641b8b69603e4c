"""The anchor worker: Merkle-anchor issuance batches and publish status list digests on chain.

``anchor_pending`` is one pass of the background worker (and of ``issuer anchor``):

1. **Batch**: the credentials not yet in a batch (their salted leaves,
   ``passport.chain.merkle``: no personal data goes on chain) are grouped into a
   ``ChainJob`` of kind ``anchor_batch`` holding the Merkle root, committed *before* any
   chain call, so the batch is durable whatever happens next.
2. **Send**: due jobs (``next_try_at`` reached) are sent in order: ``anchor_batch`` through
   ``StatusRegistryClient.anchor_batch``, ``publish_status_list`` through
   ``publish_status_list`` (only the newest pending version of each list is sent; older
   ones become ``superseded``). No database transaction is held during a chain call.
3. **Failure**: ``rpc_unavailable`` (the node is down) leaves the job ``pending`` with
   ``attempts``, ``last_error`` and ``next_try_at`` (exponential backoff) and ends the pass,
   so nothing is lost and a later pass catches up. A job whose transaction went through
   although its answer was lost is recognised on retry (``BatchAlreadyAnchored`` with the
   root on chain, ``VersionNotIncreasing`` with our version on chain) and marked done.
   Any other error is recorded the same way and the pass goes on with the next job.

``Anchorer`` runs one pass with a lazily (re)connected chain; ``AnchorWorker`` is the daemon
thread of ``issuer serve`` that runs it every ``anchor_interval_seconds`` (both moved here from
``app.py``, which still exports them).

Error codes: none of its own; chain errors are recorded on the jobs, not raised.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select

from issuer_service.db import ChainJob, Database, IssuedCredential, StatusListRecord
from issuer_service.domain import IssuerContext, audit
from passport.chain.merkle import MerkleTree
from passport.chain.registries import BatchAnchor, StatusListAnchor
from passport.errors import CouldNotCheckError, PassportError

if TYPE_CHECKING:
    from issuer_service.deps import Runtime

__all__ = [
    "AnchorRegistry",
    "AnchorReport",
    "AnchorWorker",
    "Anchorer",
    "anchor_pending",
    "batch_unanchored",
]


class AnchorRegistry(Protocol):
    """What the worker needs of ``passport.chain.registries.StatusRegistryClient``."""

    def anchor_batch(self, issuer: str, root: bytes, leaf_count: int) -> BatchAnchor: ...

    def batch(self, root: bytes) -> BatchAnchor | None: ...

    def publish_status_list(
        self, issuer: str, list_url: str, digest: bytes, *, version: int | None = None
    ) -> Any: ...

    def status_list(self, issuer: str, list_url: str) -> StatusListAnchor | None: ...


@dataclass(frozen=True)
class AnchorReport:
    """What one pass did. ``deferred`` is True when the chain was unreachable (jobs stay
    queued); ``pending`` counts the jobs still queued after the pass."""

    batches_created: int = 0
    batches_anchored: int = 0
    leaves_anchored: int = 0
    lists_published: int = 0
    superseded: int = 0
    pending: int = 0
    deferred: bool = False
    errors: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "batches_created": self.batches_created,
            "batches_anchored": self.batches_anchored,
            "leaves_anchored": self.leaves_anchored,
            "lists_published": self.lists_published,
            "superseded": self.superseded,
            "pending": self.pending,
            "deferred": self.deferred,
            "errors": list(self.errors),
        }


def batch_unanchored(db: Database, ctx: IssuerContext, *, max_batch: int = 10_000) -> int:
    """Group every credential not yet in a batch into ``anchor_batch`` jobs of at most
    ``max_batch`` leaves (step 1); returns how many jobs were created."""
    created = 0
    while True:
        with db.transaction() as session:
            rows = session.execute(
                select(IssuedCredential.id, IssuedCredential.leaf)
                .where(IssuedCredential.anchor_job_pk.is_(None))
                .order_by(IssuedCredential.issued_at, IssuedCredential.id)
                .limit(max_batch)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return created
            tree = MerkleTree([bytes(leaf) for _, leaf in rows])
            now = ctx.now()
            job = ChainJob(
                kind="anchor_batch",
                payload={"root": tree.root.hex(), "leaf_count": len(tree)},
                state="pending",
                attempts=0,
                created_at=now,
                next_try_at=now,
            )
            session.add(job)
            session.flush()
            ids = [row_id for row_id, _ in rows]
            for start in range(0, len(ids), 500):
                for record in session.scalars(
                    select(IssuedCredential).where(
                        IssuedCredential.id.in_(ids[start : start + 500])
                    )
                ):
                    record.anchor_job_pk = job.id
            audit(
                session,
                ctx,
                "anchor_batch_created",
                f"chain-job:{job.id}",
                actor="worker",
                root=tree.root.hex(),
                leaf_count=len(tree),
            )
            created += 1


def _backoff(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    step: timedelta = base * (1 << min(max(attempts - 1, 0), 30))
    return min(step, cap)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, PassportError):
        return f"{exc.code}: {exc.message}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def _send(ctx: IssuerContext, registry: AnchorRegistry, job: ChainJob) -> dict[str, Any]:
    """Make the chain call of ``job``; returns its result, or raises."""
    payload = job.payload
    if job.kind == "anchor_batch":
        root = bytes.fromhex(payload["root"])
        try:
            anchored = registry.anchor_batch(ctx.issuer_did, root, int(payload["leaf_count"]))
        except PassportError as exc:
            if exc.details.get("error") != "BatchAlreadyAnchored":
                raise
            found = registry.batch(root)
            if found is None:
                raise
            return {"block": found.block_number, "tx_hash": None, "recovered": True}
        return {
            "block": anchored.block_number,
            "tx_hash": anchored.tx_hash,
            "gas_used": anchored.gas_used,
        }
    if job.kind == "publish_status_list":
        version = int(payload["version"])
        try:
            registry.publish_status_list(
                ctx.issuer_did, payload["url"], bytes.fromhex(payload["digest"]), version=version
            )
        except PassportError as exc:
            if exc.details.get("error") != "VersionNotIncreasing":
                raise
            current = registry.status_list(ctx.issuer_did, payload["url"])
            if current is None or current.version < version:
                raise
            return {"version": current.version, "recovered": True}
        return {"version": version}
    raise ValueError(f"unknown chain job kind {job.kind!r}")


def _due_jobs(db: Database, now: datetime, retry_now: bool) -> tuple[list[ChainJob], int]:
    """Pending jobs due now, with older versions of a list superseded by its newest."""
    with db.transaction() as session:
        query = select(ChainJob).where(ChainJob.state == "pending").order_by(ChainJob.id)
        jobs = list(session.scalars(query))
        newest: dict[str, int] = {}
        for job in jobs:
            if job.kind == "publish_status_list":
                list_id = job.payload["list_id"]
                newest[list_id] = max(newest.get(list_id, 0), int(job.payload["version"]))
        superseded = 0
        due: list[ChainJob] = []
        for job in jobs:
            if (
                job.kind == "publish_status_list"
                and int(job.payload["version"]) < newest[job.payload["list_id"]]
            ):
                job.state = "superseded"
                job.done_at = now
                superseded += 1
            elif retry_now or job.next_try_at <= now:
                due.append(job)
        return due, superseded


def anchor_pending(
    db: Database,
    ctx: IssuerContext,
    registry: AnchorRegistry,
    *,
    max_batch: int = 10_000,
    retry_now: bool = False,
    backoff_base: timedelta = timedelta(seconds=5),
    backoff_cap: timedelta = timedelta(minutes=10),
) -> AnchorReport:
    """One pass of the anchor worker (see the module docstring). ``retry_now`` ignores the
    backoff (``issuer anchor`` run by hand). Never raises for chain errors: they are kept on
    the jobs and summarised in the report."""
    created = batch_unanchored(db, ctx, max_batch=max_batch)
    now = ctx.now()
    due, superseded = _due_jobs(db, now, retry_now)
    anchored = leaves = published = 0
    deferred = False
    errors: list[str] = []
    for job in due:
        try:
            result = _send(ctx, registry, job)
        except (PassportError, ValueError) as exc:
            text = _error_text(exc)
            errors.append(f"job {job.id} ({job.kind}): {text}")
            with db.transaction() as session:
                stored = session.get(ChainJob, job.id)
                assert stored is not None
                stored.attempts += 1
                stored.last_error = text
                stored.next_try_at = ctx.now() + _backoff(
                    stored.attempts, backoff_base, backoff_cap
                )
            if isinstance(exc, CouldNotCheckError):
                deferred = True
                break  # the chain is unreachable: later jobs would fail the same way
            continue
        with db.transaction() as session:
            stored = session.get(ChainJob, job.id)
            assert stored is not None
            stored.state = "done"
            stored.attempts += 1
            stored.done_at = ctx.now()
            stored.result = result
            stored.last_error = None
            if job.kind == "anchor_batch":
                anchored += 1
                leaves += int(job.payload["leaf_count"])
                audit(
                    session,
                    ctx,
                    "batch_anchored",
                    f"chain-job:{job.id}",
                    actor="worker",
                    root=job.payload["root"],
                    leaf_count=job.payload["leaf_count"],
                    block=result.get("block"),
                    tx_hash=result.get("tx_hash"),
                )
            else:
                published += 1
                record = session.get(StatusListRecord, job.payload["list_id"], with_for_update=True)
                if record is not None:
                    record.published_version = max(
                        record.published_version, int(job.payload["version"])
                    )
                audit(
                    session,
                    ctx,
                    "status_list_published",
                    f"status-list:{job.payload['list_id']}",
                    actor="worker",
                    version=job.payload["version"],
                    digest=job.payload["digest"],
                )
    with db.transaction() as session:
        pending = len(session.scalars(select(ChainJob.id).where(ChainJob.state == "pending")).all())
    return AnchorReport(
        batches_created=created,
        batches_anchored=anchored,
        leaves_anchored=leaves,
        lists_published=published,
        superseded=superseded,
        pending=pending,
        deferred=deferred,
        errors=tuple(errors),
    )


log = logging.getLogger("issuer_service.anchor")


class Anchorer:
    """One anchoring pass with a lazily (re)connected chain: ``run_once()``.

    When the chain cannot be reached (``rpc_unavailable``) the pass still groups the new
    credentials into durable batch jobs (``batch_unanchored``) and reports ``deferred``; the
    next pass reconnects. A chain that is misconfigured (``chain_not_configured``,
    ``deployment_stale``, ``chain_mismatch``) raises. ``registry_factory`` (tests) returns the
    registry to anchor on.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        registry_factory: Callable[[], AnchorRegistry] | None = None,
    ) -> None:
        self.runtime = runtime
        self._factory = registry_factory or self._connect
        self._registry: AnchorRegistry | None = None
        self._lock = threading.Lock()

    def _connect(self) -> AnchorRegistry:
        from issuer_service.deps import chain_context

        context = chain_context(self.runtime.settings)
        return context.status_registry(sender=self.runtime.keys.owner)

    def run_once(self, *, retry_now: bool = False) -> AnchorReport:
        """One pass; never raises for chain errors (they are in the report)."""
        from issuer_service.domain import issuer_status
        from passport.errors import CouldNotCheckError

        runtime = self.runtime
        with self._lock:
            if self._registry is None:
                try:
                    self._registry = self._factory()
                except CouldNotCheckError as exc:
                    created = batch_unanchored(runtime.db, runtime.ctx)
                    pending = len(issuer_status(runtime.db)["chain_jobs_pending"])
                    return AnchorReport(
                        batches_created=created,
                        pending=pending,
                        deferred=True,
                        errors=(f"{exc.code}: {exc.message}",),
                    )
            report = anchor_pending(runtime.db, runtime.ctx, self._registry, retry_now=retry_now)
            if report.deferred:
                self._registry = None  # reconnect next time (the node may come back elsewhere)
            return report


class AnchorWorker:
    """A daemon thread that calls ``run_once`` now and then every ``interval`` seconds until
    ``stop()``; ``wake()`` runs a pass early. A failing pass is logged, never fatal."""

    def __init__(self, run_once: Callable[[], Any], interval: float) -> None:
        self.run_once = run_once
        self.interval = interval
        self.passes = 0
        self.deferred = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="anchor-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.run_once()
                deferred = bool(getattr(report, "deferred", False))
                if deferred and not self.deferred:
                    log.warning("chain unreachable; anchors stay queued: %s", report.errors)
                elif self.deferred and not deferred:
                    log.warning("chain reachable again; the anchor queue drains")
                self.deferred = deferred
            except Exception:  # noqa: BLE001 - the worker must outlive any one pass
                log.exception("anchor pass failed")
            self.passes += 1
            self._wake.wait(self.interval)
            self._wake.clear()
