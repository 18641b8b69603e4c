"""The verifier's offline QR checks (issue 11; ``docs/offline-format.md`` sections 7, 8).

``sync_offline`` (part of ``verifier sync``) takes a ``TrustSnapshot`` of the issuers it is
told of (or those of the previous snapshot) with every status list they published on chain,
and writes it beside the configuration (``offline-snapshot.json``). ``verify_qr`` (``verifier
verify-qr IMAGE`` and ``POST /offline/verify``) checks a QR with that file alone: no chain,
no HTTP. A QR accepted once is remembered in the database (``verifier_offline_seen``), so a
second showing is ``replayed`` on every worker and after a restart. Past
``offline_max_age_hours`` (24 by default) the answer is ``indeterminate``.

Error codes: ``offline_snapshot_malformed`` (no snapshot yet: run ``verifier sync
--issuer DID``), ``offline_qr_unreadable``; the snapshot's sources raise theirs
(``rpc_unavailable``, ...).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy.exc import IntegrityError

from passport.errors import MalformedError
from passport.report import VerificationReport
from verifier_service.db import Database, OfflineSeen
from verifier_service.deps import Runtime

__all__ = [
    "SNAPSHOT_FILE",
    "DbReplayStore",
    "read_qr_bytes",
    "report_view",
    "snapshot_path",
    "sync_offline",
    "verify_qr",
]

SNAPSHOT_FILE: Final = "offline-snapshot.json"
#: Largest image accepted for a QR (a phone photo).
MAX_IMAGE_BYTES: Final = 8 * 1024 * 1024


def snapshot_path(runtime: Runtime) -> Path:
    return Path(runtime.settings.config_dir) / SNAPSHOT_FILE


@dataclass
class DbReplayStore:
    """``passport.offline.ReplayStore`` in the verifier's database: the fingerprints of
    accepted QRs, each until its credential's expiry (then pruned)."""

    db: Database

    def seen(self, fingerprint: bytes) -> bool:
        with self.db.transaction() as session:
            return session.get(OfflineSeen, fingerprint.hex()) is not None

    def add(self, fingerprint: bytes, until: datetime) -> None:
        try:
            with self.db.transaction() as session:
                session.add(OfflineSeen(fingerprint=fingerprint.hex(), until=until))
        except IntegrityError:  # two workers accepted it at once: it is remembered
            pass

    def prune(self, now: datetime) -> int:
        from sqlalchemy import delete

        with self.db.transaction() as session:
            result = session.execute(delete(OfflineSeen).where(OfflineSeen.until < now))
            return int(getattr(result, "rowcount", 0) or 0)


def sync_offline(
    runtime: Runtime, issuers: Sequence[str] = (), status_lists: Sequence[str] = ()
) -> dict[str, Any] | None:
    """Take and write the offline trust snapshot: ``issuers`` (did:ethr), else those of the
    previous snapshot; their status lists found on chain plus ``status_lists``. None (and
    nothing written) when no issuer is known yet.

    Raises CouldNotCheckError ``rpc_unavailable``; what ``build_snapshot`` raises.
    """
    from passport.chain.registries import TrustRegistryClient
    from passport.offline import build_snapshot, discover_status_lists, read_snapshot
    from passport.offline import write_snapshot as write

    path = snapshot_path(runtime)
    wanted = list(dict.fromkeys(issuers))
    if not wanted and path.exists():
        wanted = [i.did for i in read_snapshot(path).issuers]
    if not wanted:
        return None
    deployment, chain = runtime.chain.connect()
    anchors = runtime.chain.status_registry()
    urls = list(status_lists)
    for did in wanted:
        urls.extend(discover_status_lists(anchors, did))
    snapshot = build_snapshot(
        resolver=runtime.resolver,
        trust=TrustRegistryClient(chain, deployment, clock=runtime.clock),
        status_fetcher=runtime.status_fetcher,
        anchors=anchors,
        issuers=wanted,
        status_lists=list(dict.fromkeys(urls)),
        now=runtime.clock.now(),
        chain_id=deployment.chain_id,
    )
    write(snapshot, path)
    pruned = DbReplayStore(runtime.db).prune(runtime.clock.now())
    return {
        "path": str(path),
        "taken_at": snapshot.taken_at.isoformat(),
        "issuers": [i.did for i in snapshot.issuers],
        "status_lists": [s.url for s in snapshot.status_lists],
        "replay_entries_pruned": pruned,
    }


def read_qr_bytes(data: bytes) -> str:
    """The text of the one QR code in an image file's bytes. Raises MalformedError
    ``offline_qr_unreadable``."""
    from PIL import Image, UnidentifiedImageError

    from passport.offline import read_qr_image

    if len(data) > MAX_IMAGE_BYTES:
        raise MalformedError(
            "offline_qr_unreadable",
            f"The image is over {MAX_IMAGE_BYTES // (1024 * 1024)} MB; send a smaller photo.",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return read_qr_image(image)
    except (OSError, UnidentifiedImageError, ValueError):
        raise MalformedError(
            "offline_qr_unreadable", "The file is not an image; photograph the citizen's QR code."
        ) from None


def report_view(report: VerificationReport) -> dict[str, Any]:
    """The answer shown for a checked QR: status, codes, disclosed claims, binding, the
    snapshot's time and age, and every check."""
    return {
        "status": report.status.value,
        "codes": list(report.codes),
        "claims": report.subject.get("claims", {}),
        "binding": report.subject.get("binding"),
        "snapshot": report.subject.get("snapshot"),
        "checks": [
            {"check": c.name, "outcome": c.outcome.value, "code": c.code, "message": c.message}
            for c in report.checks
        ],
    }


def verify_qr(
    runtime: Runtime, text: str, *, challenge: str | None = None, actor: str = "operator"
) -> VerificationReport:
    """Check a scanned ``DFP1:`` QR with the offline snapshot alone; the QR is remembered
    when it is approved. Returns the report (``verified``, ``invalid`` or ``indeterminate``,
    with ``subject.snapshot.ageSeconds``), and records it in the audit log.

    Raises MalformedError ``offline_snapshot_malformed`` (no snapshot: run ``verifier
    sync``).
    """
    from passport.offline import read_snapshot, verify_offline
    from verifier_service.domain import append_audit

    snapshot = read_snapshot(snapshot_path(runtime))
    now = runtime.clock.now()
    report = verify_offline(
        text,
        snapshot,
        now=now,
        challenge=challenge,
        seen=DbReplayStore(runtime.db),
        max_snapshot_age=timedelta(hours=runtime.settings.offline_max_age_hours),
    )
    with runtime.db.transaction() as session:
        append_audit(
            session,
            at=now,
            actor=actor,
            action="offline_verify",
            subject=str(report.subject.get("issuer", "offline-qr")),
            details={
                "status": report.status.value,
                "codes": list(report.codes),
                "snapshot_age_seconds": report.subject["snapshot"]["ageSeconds"],
            },
        )
    return report
