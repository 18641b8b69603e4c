"""The issuer's storage and domain on a real PostgreSQL (psycopg 3): schema and DDL, types,
the sample data, the whole OpenID4VCI issuance path, single use of secrets and unique
status indexes under concurrency, status changes (also concurrent), the append-only audit
log (ORM and the plpgsql trigger), atomicity, lock timeouts and anchoring on the embedded
chain.

The unit tests in ``tests/unit/issuer`` cover the same behaviour on SQLite; their helpers
are reused (loaded by ``_unit``), not copied.
"""

from __future__ import annotations

import importlib.util
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import psycopg
import pytest
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from issuer_service import domain
from issuer_service.anchoring import anchor_pending
from issuer_service.db import (
    Account,
    AuditEvent,
    BalanceEntry,
    Base,
    ChainJob,
    Customer,
    Database,
    IssuedCredential,
    Nonce,
    Offer,
    StatusListRecord,
)
from issuer_service.importer import import_customers, load_customer_file
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.chain.ethr_controller import ethr_did
from passport.chain.merkle import MerkleTree
from passport.chain.registries import StatusRegistryClient
from passport.did.resolver import CachingResolver
from passport.errors import ConfigurationError, CouldNotCheckError, VerdictError
from passport.exchange.oid4vci import Oid4vciError, TokenRequest
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock
from passport.status.bitstring import check_status
from passport.verify import verify

pytestmark = pytest.mark.pg

KYC, STATEMENT = domain.KYC, domain.BANK_STATEMENT
T = TypeVar("T")
ISSUER_TESTS = Path(__file__).resolve().parents[1] / "unit" / "issuer"
SAMPLE_JSON = Path(__file__).resolve().parents[2] / "issuer_service/sample_data/customers.json"


def _unit(name: str) -> ModuleType:
    """``tests/unit/issuer/<name>.py`` (not a package) under a private module name; the
    helpers there are reused rather than copied. ``conftest.py`` loads the same names."""
    module_name = f"_issuer_unit_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ISSUER_TESTS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


unit_domain = _unit("test_issuer_domain")  # token_for, request_for, issue_via_protocol, ...
unit_db = _unit("test_issuer_db")  # _customer
unit_anchoring = _unit("test_anchoring")  # issue, FlakyRegistry


def in_threads(n: int, work: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    """Run ``work(i)`` for i in range(n) in n threads released together; (results, errors)."""
    barrier = threading.Barrier(n)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            out = work(i)
            with lock:
                results.append(out)
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "threads hung"
    return results, errors


def issue_kyc(
    db: Database, ctx: domain.IssuerContext, holder_did: str, customer: str = "TW-0001"
) -> domain.IssuanceResult:
    return domain.issue_to_holder(
        db, ctx, customer_id=customer, configuration_id=KYC, holder_did=holder_did, holder_jwk=None
    )


# --- schema and types ---------------------------------------------------------------------


def _audit_triggers(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal"
                )
            ).scalars()
        )


def test_schema_is_created_with_portable_types_and_triggers(pg_url: str) -> None:
    db = Database.from_url(pg_url)
    try:
        inspector = inspect(db.engine)
        assert set(inspector.get_table_names()) == set(Base.metadata.tables)
        columns = {c["name"]: c["type"] for c in inspector.get_columns("issued_credentials")}
        assert isinstance(columns["leaf"], postgresql.BYTEA)
        assert isinstance(columns["issued_at"], postgresql.TIMESTAMP)
        assert not columns["issued_at"].timezone
        assert isinstance(columns["revoked"], postgresql.BOOLEAN)
        uniques = {
            u["name"]: u["column_names"]
            for u in inspector.get_unique_constraints("issued_credentials")
        }
        assert uniques["uq_status_slot"] == ["status_group", "status_index"]
        triggers = _audit_triggers(db)
        assert {"audit_events_append_only", "audit_events_no_truncate"} <= triggers
        db.create_all()  # idempotent
        Base.metadata.drop_all(db.engine)  # and re-creatable (the function is replaced)
        db.create_all()
        assert _audit_triggers(db) == triggers
    finally:
        db.dispose()


def test_types_round_trip(pg_url: str) -> None:
    db = Database.from_url(pg_url)
    taipei = timezone(timedelta(hours=8))
    try:
        with db.transaction() as session:
            customer = unit_db._customer("C1")
            session.add(customer)
            session.flush()
            account = Account(
                customer_pk=customer.id,
                masked_number="****1234",
                number_hmac="h" * 64,
                currency="TWD",
                created_at=datetime(2026, 1, 1, 8, tzinfo=taipei),
            )
            session.add(account)
            session.flush()
            session.add_all(
                [
                    BalanceEntry(
                        account_pk=account.id, day=date(2026, 1, 31), balance=Decimal("1234567.89")
                    ),
                    BalanceEntry(
                        account_pk=account.id,
                        day=date(2026, 2, 28),
                        balance=Decimal("-12345678901234567890.123456789"),
                    ),
                ]
            )
            session.add(
                ChainJob(
                    kind="anchor_batch",
                    payload={"root": "00" * 32, "名": ["台北", 1, None, True]},
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    next_try_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        with db.transaction() as session:
            balances = session.scalars(select(BalanceEntry.balance).order_by(BalanceEntry.day))
            assert list(balances) == [
                Decimal("1234567.89"),
                Decimal("-12345678901234567890.123456789"),
            ]
            stored = session.scalars(select(Account)).one()
            assert stored.created_at == datetime(2026, 1, 1, 0, tzinfo=UTC)
            assert stored.created_at.tzinfo is UTC
            person = session.scalars(select(Customer)).one()
            assert person.birth_date == date(1990, 1, 2)
            assert person.id_number_salt == b"s" * 16 and isinstance(person.id_number_salt, bytes)
            job = session.scalars(select(ChainJob)).one()
            assert job.payload["名"] == ["台北", 1, None, True]
            assert job.state == "pending" and job.attempts == 0
            # stored as naive UTC
            raw = session.execute(text("SELECT created_at FROM accounts")).scalar_one()
            assert raw == datetime(2026, 1, 1, 0, 0)
        with pytest.raises(Exception, match="timezone-aware"), db.transaction() as session:
            late = unit_db._customer("C2")
            late.created_at = datetime(2026, 1, 1)
            session.add(late)
    finally:
        db.dispose()


def test_sample_data_import(pg_loaded: Database, ctx: domain.IssuerContext) -> None:
    records = load_customer_file(SAMPLE_JSON)
    status = domain.issuer_status(pg_loaded)
    assert status["customers"] == len(records) == 20
    assert status["accounts"] == sum(len(r.accounts) for r in records)
    balances = sum(len(set(a.balances)) for r in records for a in r.accounts)
    assert unit_domain.count(pg_loaded, BalanceEntry) == balances
    assert [s["list_id"] for s in status["status_lists"]] == ["1-revocation", "1-suspension"]
    with pytest.raises(VerdictError) as err:  # importing again writes nothing
        import_customers(pg_loaded, ctx, records)
    assert err.value.code == "import_duplicate_customer"
    assert unit_domain.count(pg_loaded, Customer) == 20


# --- issuance -------------------------------------------------------------------------------


def test_kyc_and_statement_through_offer_token_nonce_credential(
    pg_loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    holder_did: str,
    resolver: CachingResolver,
) -> None:
    kyc = unit_domain.issue_via_protocol(pg_loaded, ctx, holder, resolver)
    statement = unit_domain.issue_via_protocol(
        pg_loaded, ctx, holder, resolver, "TW-0002", STATEMENT
    )
    options = unit_domain.verify_options(pg_loaded, ctx, resolver)
    for result in (kyc, statement):
        assert result.holder_did == holder_did
        report = verify(result.credential, options)
        assert report.verified, report.to_dict()
    assert verify(kyc.credential, options).subject["credentialSubject"]["legalName"] == (
        "LIN, CHIH-HAO"
    )
    with pg_loaded.transaction() as session:
        records = {r.credential_id: r for r in session.scalars(select(IssuedCredential))}
        assert set(records) == {kyc.credential_id, statement.credential_id}
        record = records[kyc.credential_id]
        assert (record.status_group, record.status_index) == (1, kyc.status_index)
        assert len(record.leaf) == 32 and len(record.leaf_salt) == 32
        assert record.issued_at == ctx.now()
        offers = session.scalars(select(Offer)).all()
        assert {o.state for o in offers} == {"issued"}
        assert session.scalar(select(func.count()).where(Nonce.used_at.is_not(None))) == 2
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["offer_created", "token_issued", "credential_issued"]


def test_secrets_are_single_use_under_concurrency(
    pg_loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    # one pre-authorized code, redeemed by 8 requests at once: one token
    offer = domain.create_offer(pg_loaded, ctx, customer_id="TW-0003", configuration_id=KYC)
    request = TokenRequest(pre_authorized_code=offer.pre_authorized_code, tx_code=offer.tx_code)
    grants, errors = in_threads(8, lambda i: domain.redeem_token(pg_loaded, ctx, request))
    assert len(grants) == 1
    assert {e.code for e in errors if isinstance(e, Oid4vciError)} == {
        "pre_authorized_code_redeemed"
    }
    assert len(errors) == 7

    # one access token, 8 credential requests (each with its own nonce, the same holder key):
    # one credential, handed back to every retry (a lost response is not a lost offer)
    nonces = [domain.issue_nonce(pg_loaded, ctx).c_nonce for _ in range(8)]
    requests = [unit_domain.request_for(ctx, holder, n) for n in nonces]

    def spend_token(i: int) -> domain.IssuanceResult:
        return domain.issue_credential(
            pg_loaded,
            ctx,
            access_token=grants[0].access_token,
            request=requests[i],
            resolver=resolver,
        )

    issued, errors = in_threads(8, spend_token)
    assert len(issued) == 8 and not errors
    assert len({(r.record_id, str(r.credential)) for r in issued}) == 1
    assert unit_domain.count(pg_loaded, Nonce, Nonce.used_at.is_not(None)) == 8

    # one nonce, 6 access tokens: one credential
    tokens = [unit_domain.token_for(pg_loaded, ctx, "TW-0004")[1] for _ in range(6)]
    nonce = domain.issue_nonce(pg_loaded, ctx).c_nonce
    requests = [unit_domain.request_for(ctx, holder, nonce) for _ in range(6)]

    def spend_nonce(i: int) -> domain.IssuanceResult:
        return domain.issue_credential(
            pg_loaded,
            ctx,
            access_token=tokens[i].access_token,
            request=requests[i],
            resolver=resolver,
        )

    issued, errors = in_threads(6, spend_nonce)
    assert len(issued) == 1 and len(errors) == 5
    assert {getattr(e, "code", repr(e)) for e in errors} == {"proof_nonce_mismatch"}
    assert unit_domain.count(pg_loaded, IssuedCredential) == 2
    assert unit_domain.count(pg_loaded, Offer, Offer.state == "issued") == 2


def test_wrong_tx_codes_lock_the_offer(pg_loaded: Database, ctx: domain.IssuerContext) -> None:
    offer = domain.create_offer(pg_loaded, ctx, customer_id="TW-0001", configuration_id=KYC)
    wrong = TokenRequest(pre_authorized_code=offer.pre_authorized_code, tx_code="x")
    for _ in range(ctx.max_tx_code_attempts):  # the failed attempts are committed
        with pytest.raises(Oid4vciError):
            domain.redeem_token(pg_loaded, ctx, wrong)
    right = TokenRequest(pre_authorized_code=offer.pre_authorized_code, tx_code=offer.tx_code)
    with pytest.raises(Oid4vciError) as err:
        domain.redeem_token(pg_loaded, ctx, right)
    assert err.value.code == "pre_authorized_code_locked"
    assert unit_domain.count(pg_loaded, Offer, Offer.state == "locked") == 1


def test_concurrent_issuances_get_distinct_status_indexes(
    pg_loaded: Database, make_context: Callable[..., domain.IssuerContext], holder: PrivateKey
) -> None:
    """100 issuances at once, drawing from only 160 indexes so that collisions (with
    committed and with still-uncommitted rows) are frequent: every one gets its own slot."""
    ctx = make_context(index_rng=lambda n: secrets.randbelow(160))
    jwk = holder.public_key.to_jwk()

    def work(i: int) -> domain.IssuanceResult:
        return domain.issue_to_holder(
            pg_loaded,
            ctx,
            customer_id=f"TW-{i % 19 + 1:04d}",
            configuration_id=KYC if i % 2 else STATEMENT,
            holder_did=f"did:example:{i}",
            holder_jwk=jwk,
        )

    started = time.perf_counter()
    results, errors = in_threads(100, work)
    elapsed = time.perf_counter() - started
    assert errors == []
    assert len({(r.status_group, r.status_index) for r in results}) == 100
    assert all(r.status_group == 1 and r.status_index < 160 for r in results)
    with pg_loaded.transaction() as session:
        slots = session.execute(
            select(IssuedCredential.status_group, IssuedCredential.status_index)
        ).all()
        issued_events = session.scalar(
            select(func.count()).where(AuditEvent.action == "credential_issued")
        )
    assert len(slots) == 100 and len(set(slots)) == 100 and issued_events == 100
    print(f"100 concurrent issuances on PostgreSQL: {elapsed:.2f} s")


def test_concurrent_group_opening(
    pg_db: Database, make_context: Callable[..., domain.IssuerContext]
) -> None:
    """A full group makes concurrent issuances open the next one at the same time: one
    opener wins (primary key on the list), the others roll back to their savepoint."""
    ctx = make_context(status_list_capacity=1)
    import_customers(pg_db, ctx, load_customer_file(SAMPLE_JSON))
    issue_kyc(pg_db, ctx, "did:example:first")  # group 1 is now full
    results, errors = in_threads(12, lambda i: issue_kyc(pg_db, ctx, f"did:example:{i}"))
    assert errors == []
    slots = {(r.status_group, r.status_index) for r in results}
    assert len(slots) == 12 and all(group >= 2 for group, _ in slots)
    groups = {group for group, _ in slots}
    with pg_db.transaction() as session:
        lists = set(session.scalars(select(StatusListRecord.list_id)))
        opened = session.scalar(
            select(func.count()).where(AuditEvent.action == "status_group_opened")
        )
    assert {f"{g}-revocation" for g in groups} <= lists
    assert opened == len(lists) // 2


# --- status changes -------------------------------------------------------------------------


def test_revoke_suspend_reinstate(
    pg_loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    options = unit_domain.verify_options(pg_loaded, ctx, resolver)
    first = unit_domain.issue_via_protocol(pg_loaded, ctx, holder, resolver)
    second = unit_domain.issue_via_protocol(pg_loaded, ctx, holder, resolver, "TW-0005")

    with pytest.raises(VerdictError) as err:
        domain.reinstate(pg_loaded, ctx, second.credential_id)
    assert err.value.code == "credential_not_suspended"
    assert domain.suspend(pg_loaded, ctx, second.record_id).suspended
    assert "suspended" in verify(second.credential, options).codes
    change = domain.reinstate(pg_loaded, ctx, second.credential_id)
    assert (change.list_id, change.version, change.suspended) == ("1-suspension", 3, False)
    assert verify(second.credential, options).verified

    change = domain.revoke(pg_loaded, ctx, first.credential_id, reason="lost phone")
    assert (change.list_id, change.version, change.revoked) == ("1-revocation", 2, True)
    listed = domain.status_list_credential(pg_loaded, ctx, "1-revocation")
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(first.status_index),
        "statusListCredential": listed["id"],
    }
    assert check_status(entry, listed).revoked
    report = verify(first.credential, options)
    assert not report.verified and "revoked" in report.codes
    for action, code in (
        (domain.revoke, "credential_already_revoked"),
        (domain.suspend, "credential_revoked"),
        (domain.reinstate, "credential_revoked"),
    ):
        with pytest.raises(VerdictError) as err:
            action(pg_loaded, ctx, first.credential_id)
        assert err.value.code == code
    with pytest.raises(VerdictError) as err:
        domain.revoke(pg_loaded, ctx, "urn:uuid:00000000-0000-0000-0000-000000000000")
    assert err.value.code == "credential_not_found"
    with pg_loaded.transaction() as session:
        job = session.scalars(select(ChainJob).order_by(ChainJob.id.desc())).first()
        assert job is not None and job.payload == {
            "list_id": "1-revocation",
            "url": listed["id"],
            "version": 2,
            "digest": change.digest,
        }
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.action == "credential_revoked"
        assert event.details["reason"] == "lost phone"


def test_concurrent_revocations_lose_no_bit(
    pg_loaded: Database, ctx: domain.IssuerContext, holder_did: str
) -> None:
    """20 revocations in one list at once: the list row lock serialises them, so every bit
    is set and every version is distinct (no lost update)."""
    issued = [issue_kyc(pg_loaded, ctx, holder_did, f"TW-{i % 19 + 1:04d}") for i in range(20)]
    changes, errors = in_threads(
        20, lambda i: domain.revoke(pg_loaded, ctx, issued[i].credential_id)
    )
    assert errors == []
    assert sorted(c.version for c in changes) == list(range(2, 22))
    listed = domain.status_list_credential(pg_loaded, ctx, "1-revocation")
    for result in issued:
        entry = {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(result.status_index),
            "statusListCredential": listed["id"],
        }
        assert check_status(entry, listed).revoked
    with pg_loaded.transaction() as session:
        versions = [
            j.payload["version"]
            for j in session.scalars(select(ChainJob).where(ChainJob.kind == "publish_status_list"))
            if j.payload["list_id"] == "1-revocation"
        ]
    assert sorted(versions) == list(range(1, 22))


def test_refresh_does_not_overwrite_a_concurrent_revocation(
    pg_loaded: Database,
    ctx: domain.IssuerContext,
    clock: FixedClock,
    holder_did: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A status list served close to its expiry is re-signed; a revocation committed between
    the list being read and being re-signed must survive (the refresh re-reads the row under
    its lock)."""
    result = issue_kyc(pg_loaded, ctx, holder_did)
    clock.advance((ctx.status_list_valid_for - ctx.status_list_refresh_before).total_seconds())
    read, revoked = threading.Event(), threading.Event()
    original = domain._refresh

    def slow_refresh(session: Any, context: Any, record: Any) -> bool:
        if threading.current_thread().name == "server":
            read.set()
            assert revoked.wait(10)
        return original(session, context, record)

    monkeypatch.setattr(domain, "_refresh", slow_refresh)
    served: list[dict[str, Any]] = []
    server = threading.Thread(
        target=lambda: served.append(domain.status_list_credential(pg_loaded, ctx, "1-revocation")),
        name="server",
    )
    server.start()
    assert read.wait(10)
    domain.revoke(pg_loaded, ctx, result.credential_id)
    revoked.set()
    server.join(10)
    assert served, "the status list request failed"
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(result.status_index),
        "statusListCredential": served[0]["id"],
    }
    assert check_status(entry, served[0]).revoked
    monkeypatch.undo()
    stored = domain.status_list_credential(pg_loaded, ctx, "1-revocation")
    assert check_status({**entry}, stored).revoked
    assert unit_domain._list_versions(pg_loaded)["1-revocation"] == 2


# --- audit log ------------------------------------------------------------------------------


def _event(db: Database) -> int:
    with db.transaction() as session:
        event = AuditEvent(
            at=datetime(2026, 1, 1, tzinfo=UTC), actor="t", action="a", subject="s", details={}
        )
        session.add(event)
        session.flush()
        return event.id


def test_audit_log_refuses_orm_changes(pg_db: Database) -> None:
    event_id = _event(pg_db)
    with pytest.raises(ConfigurationError) as err, pg_db.transaction() as session:
        stored = session.get(AuditEvent, event_id)
        assert stored is not None
        stored.action = "rewritten"
    assert err.value.code == "audit_log_append_only"
    with pytest.raises(ConfigurationError) as err, pg_db.transaction() as session:
        session.delete(session.get(AuditEvent, event_id))
    assert err.value.code == "audit_log_append_only"
    for statement in (update(AuditEvent).values(action="x"), delete(AuditEvent)):
        with pytest.raises(ConfigurationError) as err, pg_db.transaction() as session:
            session.execute(statement)
        assert err.value.code == "audit_log_append_only"
    with pg_db.transaction() as session:
        stored = session.get(AuditEvent, event_id)
        assert stored is not None and stored.action == "a"


def test_audit_log_trigger_refuses_raw_sql(pg_db: Database, pg_url: str) -> None:
    _event(pg_db)
    before = unit_domain.count(pg_db, AuditEvent)
    for sql in (
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        with (
            pytest.raises(IntegrityError, match="audit_log_append_only"),
            pg_db.engine.begin() as conn,
        ):
            conn.execute(text(sql))
    # any other client of the database too
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as raw:
        with pytest.raises(psycopg.errors.IntegrityError, match="audit_log_append_only"):
            raw.execute("DELETE FROM audit_events WHERE id > 0")
        raw.rollback()
        raw.execute(  # appending still works
            "INSERT INTO audit_events (at, actor, action, subject, details) "
            "VALUES (now(), 'sql', 'a', 's', '{}')"
        )
        raw.commit()
    assert unit_domain.count(pg_db, AuditEvent) == before + 1


# --- atomicity and availability -------------------------------------------------------------


def test_failure_mid_issuance_leaves_no_rows(
    pg_loaded: Database,
    make_context: Callable[..., domain.IssuerContext],
    holder: PrivateKey,
    resolver: CachingResolver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # capacity 1: the failing issuance also opens group 2, which must disappear too
    ctx = make_context(status_list_capacity=1)
    issue_kyc(pg_loaded, ctx, "did:example:first")
    _, grant = unit_domain.token_for(pg_loaded, ctx)
    nonce = domain.issue_nonce(pg_loaded, ctx).c_nonce
    before = unit_domain.snapshot(pg_loaded)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("HSM unavailable")

    monkeypatch.setattr(domain, "_secure", broken)
    with pytest.raises(RuntimeError):
        domain.issue_credential(
            pg_loaded,
            ctx,
            access_token=grant.access_token,
            request=unit_domain.request_for(ctx, holder, nonce),
            resolver=resolver,
        )
    assert unit_domain.snapshot(pg_loaded) == before
    assert set(unit_domain._list_versions(pg_loaded)) == {"1-revocation", "1-suspension"}
    monkeypatch.undo()
    result = domain.issue_credential(  # the token and the nonce were not used up
        pg_loaded,
        ctx,
        access_token=grant.access_token,
        request=unit_domain.request_for(ctx, holder, nonce),
        resolver=resolver,
    )
    assert result.status_group == 2


def test_failure_mid_revocation_changes_nothing(
    pg_loaded: Database,
    ctx: domain.IssuerContext,
    holder_did: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = issue_kyc(pg_loaded, ctx, holder_did)
    before = unit_domain.snapshot(pg_loaded)
    listed = domain.status_list_credential(pg_loaded, ctx, "1-revocation")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("signer down")

    monkeypatch.setattr(domain, "sign_status_list", broken)
    with pytest.raises(RuntimeError):
        domain.revoke(pg_loaded, ctx, result.credential_id)
    assert unit_domain.snapshot(pg_loaded) == before
    assert domain.status_list_credential(pg_loaded, ctx, "1-revocation") == listed


def test_held_lock_is_database_unavailable(pg_url: str) -> None:
    db = Database.from_url(pg_url, busy_timeout_ms=200)
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn) as holder:
            holder.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
            started = time.perf_counter()
            with pytest.raises(CouldNotCheckError) as err, db.transaction() as session:
                session.add(unit_db._customer())
            assert err.value.code == "database_unavailable"
            assert time.perf_counter() - started < 5
            holder.rollback()
        with db.transaction() as session:  # the lock is gone: it works
            session.add(unit_db._customer())
    finally:
        db.dispose()


def test_unreachable_server_is_database_unavailable() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = int(s.getsockname()[1])
    db = Database.from_url(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed}/passport", create=False
    )
    try:
        with pytest.raises(CouldNotCheckError) as err, db.transaction() as session:
            session.scalar(select(func.count()).select_from(Customer))
        assert err.value.code == "database_unavailable"
    finally:
        db.dispose()


# --- anchoring ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployed() -> tuple[Chain, Deployment]:
    chain = Chain.embedded()
    return chain, deploy(chain, chain.accounts[0])


@pytest.fixture
def bank(
    pg_loaded: Database,
    make_context: Callable[..., domain.IssuerContext],
    deployed: tuple[Chain, Deployment],
) -> Iterator[tuple[Database, domain.IssuerContext, StatusRegistryClient]]:
    chain, deployment = deployed
    snapshot = chain.snapshot()
    key = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(key.eth_address(), 10 * 10**18)
    did = ethr_did(key.eth_address(), deployment.chain_id)
    ctx = make_context(issuer_did=did, verification_method=f"{did}#delegate-1")
    yield pg_loaded, ctx, StatusRegistryClient(chain, deployment, sender=key)
    chain.revert(snapshot)


def test_anchoring_on_the_embedded_chain(
    bank: tuple[Database, domain.IssuerContext, StatusRegistryClient], clock: FixedClock
) -> None:
    db, ctx, registry = bank
    domain.ensure_status_lists(db, ctx)
    results = unit_anchoring.issue(db, ctx, 5)
    flaky = unit_anchoring.FlakyRegistry(registry, down=True)
    report = anchor_pending(db, ctx, flaky)  # chain down: the batch is queued durably
    assert report.deferred and report.batches_created == 1 and report.batches_anchored == 0
    domain.revoke(db, ctx, results[0].credential_id)
    flaky.down = False
    clock.advance(3600)
    report = anchor_pending(db, ctx, flaky)
    assert not report.deferred and report.pending == 0, report
    assert (report.batches_anchored, report.leaves_anchored) == (1, 5)
    assert report.superseded == 1  # revocation list v1 superseded by v2
    with db.transaction() as session:
        records = list(
            session.scalars(
                select(IssuedCredential).order_by(IssuedCredential.issued_at, IssuedCredential.id)
            )
        )
        job = session.get(ChainJob, records[0].anchor_job_pk)
        assert job is not None and job.state == "done"
        root = bytes.fromhex(job.payload["root"])
        lists = {r.list_id: r for r in session.scalars(select(StatusListRecord))}
    tree = MerkleTree([bytes(r.leaf) for r in records])
    assert tree.root == root
    for i, record in enumerate(records):
        assert registry.verify_anchored(ctx.issuer_did, root, record.leaf, tree.proof(i))
    assert lists["1-revocation"].published_version == 2
    for listed in lists.values():
        assert registry.check_status_list(ctx.issuer_did, listed.url, listed.credential) == (
            listed.version
        )
    again = anchor_pending(db, ctx, registry)
    assert (again.batches_created, again.batches_anchored, again.lists_published) == (0, 0, 0)
