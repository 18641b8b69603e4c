"""Status lists and status changes: random index allocation in status groups, signed list
versions queued for the chain, revoke / suspend / reinstate.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer_service.db import (
    ChainJob,
    Database,
    IssuedCredential,
    StatusListRecord,
)
from issuer_service.domain.audit_log import (
    audit,
)
from issuer_service.domain.context import (
    _MAX_INDEX_DRAWS,
    _PURPOSES,
    IssuerContext,
)
from passport.chain.registries import status_list_digest
from passport.errors import (
    CouldNotCheckError,
    VerdictError,
)
from passport.status.bitstring import Purpose, StatusList
from passport.status.signed import sign_status_list


@dataclass(frozen=True)
class StatusChange:
    credential_id: str
    action: str
    list_id: str
    version: int
    digest: str
    revoked: bool
    suspended: bool
    #: How many copies changed (a batch issuance's copies change together).
    copies: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "credential_id": self.credential_id,
            "action": self.action,
            "status_list": self.list_id,
            "version": self.version,
            "digest": self.digest,
            "revoked": self.revoked,
            "suspended": self.suspended,
            "copies": self.copies,
        }


def _list_id(group: int, purpose: str) -> str:
    return f"{group}-{purpose}"


def _list_url(ctx: IssuerContext, list_id: str) -> str:
    return f"{ctx.status_base_url}/{list_id}"


def _sign_list(
    ctx: IssuerContext, record: StatusListRecord, status_list: StatusList, now: datetime
) -> None:
    purpose: Purpose = "revocation" if record.purpose == "revocation" else "suspension"
    signed = sign_status_list(
        status_list,
        issuer=ctx.issuer_did,
        url=record.url,
        purpose=purpose,
        key=ctx.signing_key,
        verification_method=ctx.verification_method,
        now=now,
        valid_for=ctx.status_list_valid_for,
    )
    record.bits = status_list.to_bytes()
    record.credential = signed
    record.digest = status_list_digest(signed).hex()
    record.valid_until = now + ctx.status_list_valid_for
    record.updated_at = now


def _queue_publication(session: Session, record: StatusListRecord, now: datetime) -> None:
    session.add(
        ChainJob(
            kind="publish_status_list",
            payload={
                "list_id": record.list_id,
                "url": record.url,
                "version": record.version,
                "digest": record.digest,
            },
            state="pending",
            attempts=0,
            created_at=now,
            next_try_at=now,
        )
    )


def _create_group(session: Session, ctx: IssuerContext, group: int) -> None:
    now = ctx.now()
    for purpose in _PURPOSES:
        list_id = _list_id(group, purpose)
        record = StatusListRecord(
            list_id=list_id,
            status_group=group,
            purpose=purpose,
            url=_list_url(ctx, list_id),
            size=ctx.status_list_size,
            capacity=ctx.capacity,
            version=1,
            published_version=0,
        )
        _sign_list(ctx, record, StatusList(ctx.status_list_size), now)
        session.add(record)
        _queue_publication(session, record, now)
    audit(
        session,
        ctx,
        "status_group_opened",
        f"status-group:{group}",
        actor="system",
        size=ctx.status_list_size,
        capacity=ctx.capacity,
    )


def _open_group(session: Session, ctx: IssuerContext) -> tuple[int, int, int, int]:
    """(group, size, capacity, allocated) of the group new credentials go into; opens the
    next group (in a savepoint, so a concurrent opener is tolerated) when it is full.

    Each lost race means another transaction opened (and, on PostgreSQL, possibly already
    filled) a group, so the bound on rounds is generous: it is progress, not a livelock."""
    for _ in range(_MAX_INDEX_DRAWS):
        latest = session.scalar(select(func.max(StatusListRecord.status_group)))
        if latest is not None:
            head = session.get(StatusListRecord, _list_id(latest, "revocation"))
            assert head is not None
            used = (
                session.scalar(
                    select(func.count())
                    .select_from(IssuedCredential)
                    .where(IssuedCredential.status_group == latest)
                )
                or 0
            )
            # The group's own capacity, lowered by the current configuration if that is lower.
            capacity = min(head.capacity, ctx.capacity)
            if used < capacity:
                return latest, head.size, capacity, used
        try:
            with session.begin_nested():
                _create_group(session, ctx, (latest or 0) + 1)
        except IntegrityError:
            continue  # another transaction opened it first: read again
    raise CouldNotCheckError(
        "status_index_exhausted", "Could not open a new status list group; retry."
    )


def _draw_index(session: Session, ctx: IssuerContext, group: int, size: int, allocated: int) -> int:
    rng = ctx.index_rng or secrets.randbelow
    if allocated * 2 < size:
        return rng(size)
    # Dense: draw among the free indexes only (passport.status.StatusList.allocate).
    taken = session.scalars(
        select(IssuedCredential.status_index).where(IssuedCredential.status_group == group)
    )
    return StatusList(size, allocated=taken).allocate(rng)


def ensure_status_lists(db: Database, ctx: IssuerContext) -> list[str]:
    """Open the first status group (its two signed lists, queued for the chain) if there is
    none yet; returns the ids of all lists. Idempotent."""
    with db.transaction() as session:
        _open_group(session, ctx)
        return list(
            session.scalars(
                select(StatusListRecord.list_id).order_by(
                    StatusListRecord.status_group, StatusListRecord.purpose
                )
            )
        )


# --- status changes -----------------------------------------------------------------------

StatusAction = Literal["revoke", "suspend", "reinstate"]
_AUDIT_ACTIONS: Final[Mapping[str, str]] = {
    "revoke": "credential_revoked",
    "suspend": "credential_suspended",
    "reinstate": "credential_reinstated",
}


def _credential(session: Session, credential_id: str) -> IssuedCredential:
    record = session.scalar(
        select(IssuedCredential)
        .where(
            (IssuedCredential.credential_id == credential_id)
            | (IssuedCredential.id == credential_id)
        )
        .with_for_update()
    )
    if record is None:
        raise VerdictError(
            "credential_not_found",
            f"No credential {credential_id!r} was issued here (give its urn:uuid id).",
            details={"credential_id": credential_id},
        )
    return record


def _copies(session: Session, record: IssuedCredential) -> list[IssuedCredential]:
    """``record`` and the other copies of its batch, locked, in a stable order."""
    if record.batch_id is None:
        return [record]
    return list(
        session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.batch_id == record.batch_id)
            .order_by(IssuedCredential.status_group, IssuedCredential.status_index)
            .with_for_update()
        )
    )


def change_status(
    db: Database,
    ctx: IssuerContext,
    credential_id: str,
    action: StatusAction,
    *,
    actor: str = "cli",
    reason: str | None = None,
) -> StatusChange:
    """Revoke, suspend or reinstate a credential (Bitstring Status List section 3.1): flip its
    bit, sign the list credential as a new version, queue the digest for the chain and
    audit, in one transaction. The copies of a batch issuance (any copy's id names them all)
    change together: every copy's bit is flipped, and each list they are in is signed once.

    Raises VerdictError ``credential_not_found``, ``credential_already_revoked``,
    ``credential_already_suspended``, ``credential_revoked`` (a revoked credential cannot
    be suspended or reinstated), ``credential_not_suspended``.
    """
    now = ctx.now()
    with db.transaction() as session:
        record = _credential(session, credential_id)
        cid = record.credential_id
        if record.revoked:
            code = "credential_already_revoked" if action == "revoke" else "credential_revoked"
            raise VerdictError(
                code, f"{cid} is revoked; revocation is final.", details={"credential_id": cid}
            )
        if action == "suspend" and record.suspended:
            raise VerdictError(
                "credential_already_suspended",
                f"{cid} is already suspended.",
                details={"credential_id": cid},
            )
        if action == "reinstate" and not record.suspended:
            raise VerdictError(
                "credential_not_suspended",
                f"{cid} is not suspended; there is nothing to reinstate.",
                details={"credential_id": cid},
            )
        purpose = "revocation" if action == "revoke" else "suspension"
        value = 0 if action == "reinstate" else 1
        copies = _copies(session, record)
        lists: dict[int, tuple[StatusListRecord, StatusList]] = {}
        for copy in copies:
            if copy.status_group not in lists:
                lst = session.get(
                    StatusListRecord, _list_id(copy.status_group, purpose), with_for_update=True
                )
                if lst is None:  # pragma: no cover - created with the group
                    raise VerdictError(
                        "status_list_not_found", "The credential's status list is gone."
                    )
                lists[copy.status_group] = (
                    lst,
                    StatusList.from_bytes(lst.bits, min_entries=lst.size),
                )
            lists[copy.status_group][1].set(copy.status_index, value)
            if action == "revoke":
                copy.revoked = True
            else:
                copy.suspended = action == "suspend"
        for lst, bits in lists.values():
            lst.version += 1
            _sign_list(ctx, lst, bits, now)
            _queue_publication(session, lst, now)
        lst = lists[record.status_group][0]
        audit(
            session,
            ctx,
            _AUDIT_ACTIONS[action],
            f"credential:{cid}",
            actor=actor,
            reason=reason,
            status_list=lst.list_id,
            index=record.status_index,
            version=lst.version,
            copies=len(copies),
        )
        return StatusChange(
            cid,
            action,
            lst.list_id,
            lst.version,
            lst.digest,
            record.revoked,
            record.suspended,
            len(copies),
        )


class StatusOperation(Protocol):
    def __call__(
        self,
        db: Database,
        ctx: IssuerContext,
        credential_id: str,
        *,
        actor: str = "cli",
        reason: str | None = None,
    ) -> StatusChange: ...


def _status_operation(action: StatusAction) -> StatusOperation:
    """``revoke`` / ``suspend`` / ``reinstate``: ``change_status`` with the action fixed."""

    def operation(
        db: Database,
        ctx: IssuerContext,
        credential_id: str,
        *,
        actor: str = "cli",
        reason: str | None = None,
    ) -> StatusChange:
        return change_status(db, ctx, credential_id, action, actor=actor, reason=reason)

    operation.__name__ = operation.__qualname__ = action
    operation.__doc__ = f"``change_status(..., {action!r})``."
    return operation


revoke = _status_operation("revoke")
suspend = _status_operation("suspend")
reinstate = _status_operation("reinstate")


def _refresh(
    session: Session, ctx: IssuerContext, record: StatusListRecord, *, locked: bool = False
) -> bool:
    """Re-sign ``record`` as a new version if it is close to its expiry. Unless the caller
    read it ``FOR UPDATE`` (``locked``), it is re-read under the row lock first: a status
    change committed since it was read (PostgreSQL, READ COMMITTED) must not be overwritten
    with stale bits."""
    now = ctx.now()
    if now + ctx.status_list_refresh_before < record.valid_until:
        return False
    if not locked:
        session.refresh(record, with_for_update=True)
        if now + ctx.status_list_refresh_before < record.valid_until:
            return False  # a concurrent change re-signed it meanwhile
    record.version += 1
    _sign_list(ctx, record, StatusList.from_bytes(record.bits, min_entries=record.size), now)
    _queue_publication(session, record, now)
    audit(
        session,
        ctx,
        "status_list_refreshed",
        f"status-list:{record.list_id}",
        actor="system",
        version=record.version,
    )
    return True


def status_list_credential(db: Database, ctx: IssuerContext, list_id: str) -> dict[str, Any]:
    """The current signed status list credential ``list_id`` (for ``GET /status/{list_id}``).
    A list within ``ctx.status_list_refresh_before`` of its ``validUntil`` is re-signed first
    (a new version, queued for the chain).

    Raises VerdictError ``status_list_not_found``.
    """
    with db.transaction() as session:
        record = session.get(StatusListRecord, list_id)
        if record is None:
            raise VerdictError(
                "status_list_not_found",
                f"No status list {list_id!r}.",
                details={"list_id": list_id},
            )
        _refresh(session, ctx, record)
        return dict(record.credential)


def refresh_status_lists(db: Database, ctx: IssuerContext) -> list[str]:
    """Re-sign every list close to its expiry (see ``status_list_credential``); returns the
    ids refreshed. For the background worker."""
    with db.transaction() as session:
        records = session.scalars(
            select(StatusListRecord).order_by(StatusListRecord.list_id).with_for_update()
        ).all()  # locked in one order: two workers cannot deadlock
        return [r.list_id for r in records if _refresh(session, ctx, r, locked=True)]
