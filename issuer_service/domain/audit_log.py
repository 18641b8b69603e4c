"""The append-only audit log, housekeeping and the issuer's status report.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer_service.db import (
    Account,
    AuditEvent,
    ChainJob,
    CredentialDelivery,
    Customer,
    Database,
    IssuedCredential,
    Nonce,
    Offer,
    StatusListRecord,
)
from issuer_service.domain.context import (
    IssuerContext,
)


def audit(
    session: Session,
    ctx: IssuerContext,
    action: str,
    subject: str,
    *,
    actor: str,
    **details: Any,
) -> None:
    """Append one event to the audit log in ``session``'s transaction (no secrets in
    ``details``)."""
    session.add(
        AuditEvent(at=ctx.now(), actor=actor, action=action, subject=subject, details=details)
    )


# --- housekeeping and reports -------------------------------------------------------------


def purge_expired(db: Database, ctx: IssuerContext, *, keep: timedelta = timedelta(days=1)) -> int:
    """Delete nonces that expired more than ``keep`` ago, and sealed credentials kept for a
    retry whose access token has expired; returns how many nonces."""
    from sqlalchemy import delete

    with db.transaction() as session:
        result = session.execute(
            delete(Nonce)
            .where(Nonce.expires_at < ctx.now() - keep)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(CredentialDelivery)
            .where(CredentialDelivery.expires_at <= ctx.now())
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def audit_events(
    db: Database, *, subject: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The latest audit events (newest first), optionally about one ``subject``."""
    with db.transaction() as session:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(AuditEvent.subject == subject)
        return [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "details": e.details,
            }
            for e in session.scalars(query)
        ]


def issuer_status(db: Database) -> dict[str, Any]:
    """Counts and queue state for ``issuer status``: customers, offers by state, credentials
    (revoked, suspended, not yet anchored), status lists (version on record and on chain),
    pending chain jobs with their last error."""
    with db.transaction() as session:

        def count(query: Any) -> int:
            return int(session.scalar(query) or 0)

        credentials = select(func.count()).select_from(IssuedCredential)
        offers = {
            str(state): int(n)
            for state, n in session.execute(
                select(Offer.state, func.count()).group_by(Offer.state)
            ).all()
        }
        pending = session.scalars(
            select(ChainJob).where(ChainJob.state == "pending").order_by(ChainJob.id)
        ).all()
        return {
            "customers": count(select(func.count()).select_from(Customer)),
            "accounts": count(select(func.count()).select_from(Account)),
            "offers": offers,
            "credentials": {
                "issued": count(credentials),
                "revoked": count(credentials.where(IssuedCredential.revoked.is_(True))),
                "suspended": count(credentials.where(IssuedCredential.suspended.is_(True))),
                "unanchored": count(credentials.where(IssuedCredential.anchor_job_pk.is_(None))),
            },
            "status_lists": [
                {
                    "list_id": r.list_id,
                    "url": r.url,
                    "version": r.version,
                    "published_version": r.published_version,
                    "valid_until": r.valid_until.isoformat(),
                }
                for r in session.scalars(
                    select(StatusListRecord).order_by(
                        StatusListRecord.status_group, StatusListRecord.purpose
                    )
                )
            ],
            "chain_jobs_pending": [
                {
                    "id": j.id,
                    "kind": j.kind,
                    "attempts": j.attempts,
                    "last_error": j.last_error,
                    "next_try_at": j.next_try_at.isoformat(),
                }
                for j in pending
            ],
        }
