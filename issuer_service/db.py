"""The issuer's storage: SQLAlchemy 2 typed ORM models, the engine and transactions.

SQLite (a file, or ``sqlite://`` in memory) is the default; PostgreSQL works by URL
(``postgresql+psycopg://...``). The models use only portable types: datetimes are stored as
naive UTC and read back as aware UTC (``UTCDateTime``), amounts as decimal text
(``DecimalText``: exact, and no float on SQLite), binary values as ``LargeBinary``.

Secrets are stored only as SHA-256 hashes (pre-authorized codes, tx_codes, access tokens,
nonces); ID-document numbers only as their salted hash (the value the KYC credential
carries); account numbers as a masked form plus an HMAC under the bank's data key.

Concurrency: every SQLite transaction starts with ``BEGIN IMMEDIATE`` (writers queue on the
busy timeout instead of failing on a lock upgrade), with WAL, ``synchronous=FULL`` (a
committed issuance survives a power loss), ``foreign_keys=ON`` and a busy
timeout. PostgreSQL runs READ COMMITTED with ``lock_timeout`` set to the same timeout; a row
that is read, changed and written back is read ``FOR UPDATE`` (ignored by SQLite, which
needs no row locks). Uniqueness that matters under concurrency is a database constraint
(``UNIQUE(status_group, status_index)``, code hashes), never a read-then-write check.

The audit log (``AuditEvent``) is append-only: the ORM refuses to flush a changed or deleted
event and refuses UPDATE / DELETE statements on its table (``audit_log_append_only``), and
triggers in the database refuse them too (SQLite; PostgreSQL through a plpgsql trigger that
also refuses TRUNCATE); raw SQL gets an ``IntegrityError`` naming ``audit_log_append_only``.

Error codes: ``audit_log_append_only`` (ConfigurationError); ``database_url_invalid``
(ConfigurationError); ``database_unavailable`` (CouldNotCheckError, from ``Database.transaction``
when the database is locked or unreachable).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    mapped_column,
    relationship,
    sessionmaker,
)
from sqlalchemy.pool import StaticPool

from passport.errors import ConfigurationError, CouldNotCheckError

__all__ = [
    "Account",
    "AuditEvent",
    "Base",
    "BalanceEntry",
    "ChainJob",
    "CredentialDelivery",
    "Customer",
    "Database",
    "FidoCeremony",
    "FidoRegistration",
    "IssuedCredential",
    "Nonce",
    "Offer",
    "StatusListRecord",
    "make_engine",
    "new_id",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A random UUID (hex, 32 characters) for primary keys that appear in URLs and logs."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes, stored naive UTC (portable across SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store timezone-aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals stored as text (SQLite has no decimal type)."""

    impl = String(48)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(value, "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), Decimal: DecimalText(), dict[str, Any]: JSON}


class Customer(Base):
    """A customer of the bank: what the KYC credential needs, the ID number only hashed."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2))
    id_document_type: Mapped[str] = mapped_column(String(32))
    id_document_country: Mapped[str | None] = mapped_column(String(2))
    #: ``hash_id_document_number`` of the number under ``id_number_salt`` (never the number).
    id_number_hash: Mapped[str] = mapped_column(String(80))
    id_number_salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    kyc_level: Mapped[str] = mapped_column(String(16))
    verified_on: Mapped[date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    accounts: Mapped[list[Account]] = relationship(back_populates="customer", order_by="Account.id")


class Account(Base):
    """A customer's account: masked number and an HMAC of the full number (to find
    duplicates), currency, and its balance history."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    masked_number: Mapped[str] = mapped_column(String(16))
    number_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    product: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="accounts")
    balances: Mapped[list[BalanceEntry]] = relationship(order_by="BalanceEntry.day")


class BalanceEntry(Base):
    """The end-of-day balance of an account on one date."""

    __tablename__ = "balance_entries"
    __table_args__ = (UniqueConstraint("account_pk", "day", name="uq_balance_account_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    day: Mapped[date] = mapped_column(Date)
    balance: Mapped[Decimal]


class Offer(Base):
    """An OpenID4VCI credential offer (pre-authorized code flow) and its token.

    ``state``: ``offered`` -> ``redeemed`` (token issued) -> ``issued``; or ``locked`` (too
    many wrong tx_codes). Expiry is read from ``expires_at`` / ``token_expires_at``.
    """

    __tablename__ = "offers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    account_pk: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    configuration_id: Mapped[str] = mapped_column(String(100))
    pre_auth_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="offered")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    tx_code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    redeemed_at: Mapped[datetime | None]
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    credential_pk: Mapped[str | None] = mapped_column(String(32))

    customer: Mapped[Customer] = relationship()
    account: Mapped[Account | None] = relationship()


class RefreshGrant(Base):
    """A refresh token (RFC 6749 section 6; OpenID4VCI 1.0 section 6.1) issued with the access
    token of a batch offer, stored hashed: the wallet trades it for a new access token to ask
    for a new batch of the same credential (``wallet refresh``). Single use: every use marks it
    ``used_at`` and issues a new one (rotation)."""

    __tablename__ = "refresh_grants"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    offer_pk: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CredentialDelivery(Base):
    """The credential issued for an offer, sealed (XSalsa20-Poly1305 under a key derived from
    the issuer's data key) and kept only while the offer's access token lives, so that a
    wallet whose HTTP response was lost can ask again (``issuer_service.redelivery``).
    Deleted by ``purge_expired`` once the token has expired."""

    __tablename__ = "credential_deliveries"

    offer_pk: Mapped[str] = mapped_column(ForeignKey("offers.id"), primary_key=True)
    holder_did: Mapped[str] = mapped_column(Text)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Nonce(Base):
    """A ``c_nonce`` from the nonce endpoint (hash only), single use."""

    __tablename__ = "nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    value_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class StatusListRecord(Base):
    """One published Bitstring Status List (one purpose) of a status group.

    Each credential has one index in a group and an entry in both of the group's lists
    (revocation and suspension) at that index. ``bits`` is the uncompressed bitstring;
    ``credential`` the latest signed status list credential (served over HTTP), ``version``
    its version, ``digest`` the sha-256 of its JCS bytes (what goes on chain) and
    ``published_version`` the latest version recorded on chain.
    """

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("status_group", "purpose", name="uq_status_group_purpose"),)

    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status_group: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)
    credential: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[datetime]
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class IssuedCredential(Base):
    """A credential the bank issued: who, what, where its status lives, how it is anchored.

    ``UNIQUE(status_group, status_index)`` is what keeps status indexes distinct under any
    concurrency. The copies of a batch are one row each (own index, digest, leaf), tied by
    ``batch_id``. The secured credential itself is not kept (only its SHA-256 ``digest``, the
    per-credential Merkle ``leaf_salt`` and ``leaf``), so a database leak reveals no
    credential content beyond the customer tables.
    """

    __tablename__ = "issued_credentials"
    __table_args__ = (
        UniqueConstraint("status_group", "status_index", name="uq_status_slot"),
        Index("ix_issued_unanchored", "anchor_job_pk"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    credential_id: Mapped[str] = mapped_column(String(100), unique=True)
    # The copies of one batch issuance (OpenID4VCI section 8.2 ``proofs``) share the
    # credential id of the first copy here; a status change applies to all of them.
    batch_id: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    offer_pk: Mapped[str | None] = mapped_column(ForeignKey("offers.id"))
    credential_type: Mapped[str] = mapped_column(String(64))
    configuration_id: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(32))
    holder_did: Mapped[str] = mapped_column(Text)
    status_group: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    digest: Mapped[str] = mapped_column(String(64))
    leaf_salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf: Mapped[bytes] = mapped_column(LargeBinary(32))
    anchor_job_pk: Mapped[int | None] = mapped_column(ForeignKey("chain_jobs.id"))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship()
    anchor_job: Mapped[ChainJob | None] = relationship()


class ChainJob(Base):
    """A durable chain write: ``anchor_batch`` (payload: root, leaf_count) or
    ``publish_status_list`` (payload: list_id, url, version, digest).

    ``state``: ``pending`` -> ``done``, or ``superseded`` (a later version of the same list
    was published instead). A failure leaves it ``pending`` with ``attempts``,
    ``last_error`` and ``next_try_at`` (exponential backoff): nothing is ever dropped.
    """

    __tablename__ = "chain_jobs"
    __table_args__ = (Index("ix_chain_jobs_state", "state", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    next_try_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]


class FidoCeremony(Base):
    """A WebAuthn registration in progress: the fido2 server state, single use."""

    __tablename__ = "fido_ceremonies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    offer_pk: Mapped[str | None] = mapped_column(ForeignKey("offers.id"))
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    state: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class FidoRegistration(Base):
    """An authenticator the bank registered and bound to a holder DID."""

    __tablename__ = "fido_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    holder_did: Mapped[str] = mapped_column(Text)
    authenticator_credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key_jwk: Mapped[dict[str, Any]]
    aaguid: Mapped[str] = mapped_column(String(36))
    user_verified: Mapped[bool] = mapped_column(Boolean)
    attestation_format: Mapped[str] = mapped_column(String(32))
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    credential_pk: Mapped[str | None] = mapped_column(ForeignKey("issued_credentials.id"))
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """One line of the append-only audit log: who did what to which subject, when.

    ``details`` never holds secrets (codes, tokens, nonces) or personal data beyond ids.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    details: Mapped[dict[str, Any]]


# --- append-only audit log --------------------------------------------------------------------

_APPEND_ONLY = "The audit log is append-only: events are never changed or deleted."


def _append_only() -> ConfigurationError:
    return ConfigurationError("audit_log_append_only", _APPEND_ONLY)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise _append_only()


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise _append_only()


for _op in ("UPDATE", "DELETE"):
    event.listen(
        AuditEvent.__table__,
        "after_create",
        DDL(  # type: ignore[no-untyped-call]
            f"CREATE TRIGGER audit_events_no_{_op.lower()} BEFORE {_op} ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, 'audit_log_append_only'); END"
        ).execute_if(dialect="sqlite"),
    )
# PostgreSQL: one statement per DDL (no reliance on multi-statement execution); ``OR
# REPLACE`` because the function outlives a dropped table (drop_all + create_all); SQLSTATE
# 23001 (restrict_violation) so that drivers report an IntegrityError, as SQLite's
# RAISE(ABORT) does; TRUNCATE is refused too (it fires no row triggers).
_PG_AUDIT_DDL = (
    "CREATE OR REPLACE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log_append_only' USING ERRCODE = 'restrict_violation'; "
    "END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()",
)
for _statement in _PG_AUDIT_DDL:
    event.listen(
        AuditEvent.__table__,
        "after_create",
        DDL(_statement).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
    )


# --- engine and transactions -------------------------------------------------------------------


def make_engine(url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False) -> Engine:
    """An engine for ``url``: ``sqlite:///path.db`` (file: WAL, ``foreign_keys=ON``, busy
    timeout, ``BEGIN IMMEDIATE``), ``sqlite://`` (in memory, one shared connection) or any
    other SQLAlchemy URL (PostgreSQL: ``postgresql+psycopg://user@host/db``, READ COMMITTED,
    ``lock_timeout`` = ``busy_timeout_ms``).

    Raises ConfigurationError ``database_url_invalid``.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            "database_url_invalid",
            f"Not a database URL: {exc}; use sqlite:///issuer.db or postgresql+psycopg://...",
        ) from None
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in (
        "psycopg",
        "psycopg2",
    ):
        # The busy timeout's counterpart: a lock wait longer than this fails (SQLSTATE
        # 55P03, an OperationalError: ``database_unavailable``) instead of hanging forever.
        return create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            connect_args={"options": f"-c lock_timeout={int(busy_timeout_ms)}"},
        )
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True)
    memory = parsed.database in (None, "", ":memory:")
    if memory:
        engine = create_engine(
            parsed,
            echo=echo,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        engine = create_engine(
            parsed,
            echo=echo,
            pool_size=8,
            max_overflow=8,
            pool_timeout=120,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) emit BEGIN, so that it can be BEGIN IMMEDIATE and
        # SAVEPOINTs work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")  # a commit survives power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """An engine and its session factory. ``transaction()`` is the one way the domain
    writes: everything inside commits together or not at all."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, create: bool = True, **engine_args: Any) -> Database:
        """``make_engine(url)``; with ``create`` the tables are created if missing."""
        db = cls(make_engine(url, **engine_args))
        if create:
            db.create_all()
        return db

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back (and
        nothing written) when it raises.

        Raises CouldNotCheckError ``database_unavailable`` when the database stays locked
        past the busy timeout (PostgreSQL: ``lock_timeout``, also a deadlock) or cannot be
        reached (the operation can be retried).
        """
        session = self.sessions()
        try:
            with session.begin():
                yield session
        except OperationalError as exc:
            raise CouldNotCheckError(
                "database_unavailable",
                "The database is locked or unreachable; retry shortly.",
                details={"error": type(exc.orig).__name__ if exc.orig else "OperationalError"},
            ) from exc
        finally:
            session.close()
