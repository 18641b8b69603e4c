"""Storage: SQLite settings, portable types, PostgreSQL DDL, append-only audit log, locks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from issuer_service.db import (
    Account,
    AuditEvent,
    BalanceEntry,
    Base,
    Customer,
    Database,
    make_engine,
)
from passport.errors import ConfigurationError, CouldNotCheckError


@pytest.fixture
def database(tmp_path: Path) -> Database:
    return Database.from_url(f"sqlite:///{tmp_path / 'test.db'}")


def _customer(customer_id: str = "C1") -> Customer:
    return Customer(
        customer_id=customer_id,
        legal_name="LIN, YU-TING",
        given_name="Yu-Ting",
        family_name="Lin",
        birth_date=date(1990, 1, 2),
        nationality="TW",
        id_document_type="national_id",
        id_document_country="TW",
        id_number_hash="uXYZ",
        id_number_salt=b"s" * 16,
        kyc_level="standard",
        verified_on=date(2024, 1, 1),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_sqlite_file_pragmas(database: Database) -> None:
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_in_memory_database_works() -> None:
    db = Database.from_url("sqlite://")
    with db.transaction() as session:
        session.add(_customer())
    with db.transaction() as session:
        assert session.scalar(select(Customer.customer_id)) == "C1"


def test_bad_url() -> None:
    with pytest.raises(ConfigurationError) as err:
        make_engine("not a url")
    assert err.value.code == "database_url_invalid"


def test_types_round_trip(database: Database) -> None:
    with database.transaction() as session:
        customer = _customer()
        session.add(customer)
        session.flush()
        account = Account(
            customer_pk=customer.id,
            masked_number="****1234",
            number_hmac="h",
            currency="TWD",
            created_at=datetime(2026, 1, 1, 8, tzinfo=UTC),
        )
        session.add(account)
        session.flush()
        session.add(
            BalanceEntry(
                account_pk=account.id, day=date(2026, 1, 31), balance=Decimal("1234567.89")
            )
        )
    with database.transaction() as session:
        entry = session.scalars(select(BalanceEntry)).one()
        assert entry.balance == Decimal("1234567.89")
        stored = session.scalars(select(Account)).one()
        assert stored.created_at == datetime(2026, 1, 1, 8, tzinfo=UTC)
        assert stored.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="timezone-aware"), database.transaction() as session:
        customer = _customer()
        customer.created_at = datetime(2026, 1, 1)
        session.add(customer)


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(
            Account(
                customer_pk=999,
                masked_number="****1",
                number_hmac="x",
                currency="TWD",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )


def test_transaction_rolls_back_everything(database: Database) -> None:
    with pytest.raises(RuntimeError), database.transaction() as session:
        session.add(_customer("C1"))
        session.flush()
        session.add(_customer("C2"))
        raise RuntimeError("boom")
    with database.transaction() as session:
        assert session.scalars(select(Customer)).all() == []


def _event(database: Database) -> int:
    with database.transaction() as session:
        event = AuditEvent(
            at=datetime(2026, 1, 1, tzinfo=UTC),
            actor="t",
            action="a",
            subject="s",
            details={"k": 1},
        )
        session.add(event)
        session.flush()
        return event.id


def test_audit_log_refuses_orm_update_and_delete(database: Database) -> None:
    event_id = _event(database)
    with pytest.raises(ConfigurationError) as err, database.transaction() as session:
        stored = session.get(AuditEvent, event_id)
        assert stored is not None
        stored.action = "rewritten"
    assert err.value.code == "audit_log_append_only"
    with pytest.raises(ConfigurationError) as err, database.transaction() as session:
        stored = session.get(AuditEvent, event_id)
        session.delete(stored)
    assert err.value.code == "audit_log_append_only"
    for statement in (update(AuditEvent).values(action="x"), delete(AuditEvent)):
        with pytest.raises(ConfigurationError) as err, database.transaction() as session:
            session.execute(statement)
        assert err.value.code == "audit_log_append_only"
    with database.transaction() as session:
        stored = session.get(AuditEvent, event_id)
        assert stored is not None and stored.action == "a"


def test_audit_log_triggers_refuse_raw_sql(database: Database, tmp_path: Path) -> None:
    _event(database)
    with pytest.raises(IntegrityError, match="audit_log_append_only"), database.engine.begin() as c:
        c.execute(text("UPDATE audit_events SET action = 'x'"))
    with pytest.raises(IntegrityError, match="audit_log_append_only"), database.engine.begin() as c:
        c.execute(text("DELETE FROM audit_events"))
    # and for any other client of the file
    raw = sqlite3.connect(tmp_path / "test.db")
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("DELETE FROM audit_events")
    raw.close()
    with database.transaction() as session:
        assert len(session.scalars(select(AuditEvent)).all()) == 1


def test_locked_database_is_database_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    database = Database.from_url(f"sqlite:///{path}", busy_timeout_ms=100)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(CouldNotCheckError) as err, database.transaction() as session:
            session.add(_customer())
        assert err.value.code == "database_unavailable"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        database.dispose()


def test_models_compile_for_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    ddl = {
        t.name: str(CreateTable(t).compile(dialect=dialect)) for t in Base.metadata.sorted_tables
    }
    assert "BYTEA" in ddl["issued_credentials"] and "JSON" in ddl["audit_events"]
    assert "UNIQUE (status_group, status_index)" in ddl["issued_credentials"]
    assert "TIMESTAMP WITHOUT TIME ZONE" in ddl["offers"]
