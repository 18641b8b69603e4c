"""The verifier's storage: sessions (with their nonce, state and decision), WebAuthn sign
counts and the hash-chained audit log; SQLAlchemy 2 on SQLite by default, PostgreSQL by URL.

Everything a flow needs is here, not in process memory, so several uvicorn workers (or
machines on one PostgreSQL) serve one onboarding session. Single use is a conditional
``UPDATE ... WHERE status = 'pending'`` (one winner under any concurrency). The audit log is
append-only (ORM guards and database triggers, as in the issuer) and hash-chained; its head
row is locked while an entry is appended so entries are numbered without gaps.

Privacy: a session keeps the claims its policy needs and the sanitized report; the raw
presentation only when ``keep_raw_presentation`` is set; the ephemeral decryption key is wiped
once the response is processed; ``purge`` deletes sessions past the retention period.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, Integer, String, Text, event
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    mapped_column,
)

from issuer_service.db import Database as IssuerDatabase
from issuer_service.db import UTCDateTime, make_engine
from passport.errors import ConfigurationError

__all__ = ["AuditHead", "AuditRecord", "Base", "Database", "Meta", "SessionRecord", "SignCount"]


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class SessionRecord(Base):
    """One onboarding session: the request it made and, once answered, the decision."""

    __tablename__ = "verifier_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # web, api, cli
    lang: Mapped[str] = mapped_column(String(8))
    policy_name: Mapped[str] = mapped_column(String(100))
    policy: Mapped[dict[str, Any]]
    client_id: Mapped[str] = mapped_column(String(300))
    response_mode: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(100), unique=True)
    dcql: Mapped[dict[str, Any]]
    request_claims: Mapped[dict[str, Any]]
    link: Mapped[str] = mapped_column(Text)
    encryption_jwk: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    holder: Mapped[str | None] = mapped_column(String(300), nullable=True)
    wallet_error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    raw_response: Mapped[str | None] = mapped_column(Text, nullable=True)
    webhook_status: Mapped[str | None] = mapped_column(String(32), nullable=True)


class SignCount(Base):
    """The highest WebAuthn signature counter seen per credential id, across sessions."""

    __tablename__ = "verifier_sign_counts"

    credential_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class Meta(Base):
    """Small shared values: ``cache_epoch`` changes on ``verifier sync`` so every worker
    drops its cached chain state and status lists before its next verification."""

    __tablename__ = "verifier_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class AuditRecord(Base):
    """One entry of the hash-chained audit log (``passport.verifier.audit``)."""

    __tablename__ = "verifier_audit"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last sequence number and hash (one row): a removed tail is detected against it."""

    __tablename__ = "verifier_audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


_APPEND_ONLY = "The audit log is append-only: entries are never changed or deleted."


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditRecord) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise ConfigurationError("audit_log_append_only", _APPEND_ONLY)


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditRecord for mapper in state.all_mappers
    ):
        raise ConfigurationError("audit_log_append_only", _APPEND_ONLY)


for _op in ("UPDATE", "DELETE"):
    event.listen(
        AuditRecord.__table__,
        "after_create",
        DDL(  # type: ignore[no-untyped-call]
            f"CREATE TRIGGER verifier_audit_no_{_op.lower()} BEFORE {_op} ON verifier_audit "
            f"BEGIN SELECT RAISE(ABORT, 'audit_log_append_only'); END"
        ).execute_if(dialect="sqlite"),
    )
for _statement in (
    "CREATE OR REPLACE FUNCTION verifier_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log_append_only' USING ERRCODE = 'restrict_violation'; "
    "END $$",
    "CREATE TRIGGER verifier_audit_append_only BEFORE UPDATE OR DELETE ON verifier_audit "
    "FOR EACH ROW EXECUTE FUNCTION verifier_audit_refuse()",
    "CREATE TRIGGER verifier_audit_no_truncate BEFORE TRUNCATE ON verifier_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION verifier_audit_refuse()",
):
    event.listen(
        AuditRecord.__table__,
        "after_create",
        DDL(_statement).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
    )


class Database(IssuerDatabase):
    """An engine and its sessions (``transaction()`` commits all or nothing and raises
    CouldNotCheckError ``database_unavailable``, as the issuer's), on the verifier's schema."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        super().__init__(make_engine(url))
        if create:
            self.create_all()

    def create_all(self) -> None:
        try:
            Base.metadata.create_all(self.engine)
        except (OperationalError, IntegrityError, ProgrammingError) as exc:
            if "already exists" not in str(exc):  # two workers creating at once
                raise
        self._ensure_audit_head()

    def _ensure_audit_head(self) -> None:
        """The audit head row exists before the first append, so concurrent writers only
        ever lock it (never race to insert it)."""
        try:
            with self.sessions.begin() as session:
                if session.get(AuditHead, 1) is None:
                    session.add(AuditHead(id=1, seq=0, hash="0" * 64))
        except IntegrityError:
            pass  # another process inserted it first
