"""The anchor worker on the embedded chain: Merkle batches of salted leaves, status list
digests, and an outage during which nothing is lost and after which everything catches up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from issuer_service import domain
from issuer_service.anchoring import anchor_pending
from issuer_service.db import AuditEvent, ChainJob, Database, IssuedCredential, StatusListRecord
from issuer_service.importer import import_customers, load_customer_file
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.chain.merkle import MerkleTree, leaf_from_digest
from passport.chain.registries import BatchAnchor, StatusRegistryClient
from passport.did.ethr.controller import ethr_did
from passport.errors import CouldNotCheckError
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock

SAMPLE_JSON = Path(__file__).resolve().parents[3] / "issuer_service/sample_data/customers.json"


@pytest.fixture(scope="module")
def deployed() -> tuple[Chain, Deployment]:
    chain = Chain.embedded()
    return chain, deploy(chain, chain.accounts[0])


@pytest.fixture
def chain(deployed: tuple[Chain, Deployment]) -> Iterator[Chain]:
    shared = deployed[0]
    snapshot = shared.snapshot()
    yield shared
    shared.revert(snapshot)


@pytest.fixture
def bank_key(chain: Chain) -> PrivateKey:
    key = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(key.eth_address(), 10 * 10**18)
    return key


@pytest.fixture
def registry(
    chain: Chain, deployed: tuple[Chain, Deployment], bank_key: PrivateKey
) -> StatusRegistryClient:
    return StatusRegistryClient(chain, deployed[1], sender=bank_key)


@pytest.fixture
def bank(
    db_path: Path,
    make_context: Callable[..., domain.IssuerContext],
    deployed: tuple[Chain, Deployment],
    bank_key: PrivateKey,
) -> Iterator[tuple[Database, domain.IssuerContext]]:
    did = ethr_did(bank_key.eth_address(), deployed[1].chain_id)
    ctx = make_context(issuer_did=did, verification_method=f"{did}#delegate-1")
    db = Database.from_url(f"sqlite:///{db_path}")
    domain.ensure_status_lists(db, ctx)
    import_customers(db, ctx, load_customer_file(SAMPLE_JSON))
    yield db, ctx
    db.dispose()


def issue(db: Database, ctx: domain.IssuerContext, n: int) -> list[domain.IssuanceResult]:
    holder = PrivateKey.generate(KeyType.ED25519)
    from passport.did.key import did_key_from_public_key

    did = did_key_from_public_key(holder.public_key)
    return [
        domain.issue_to_holder(
            db,
            ctx,
            customer_id=f"TW-{i % 19 + 1:04d}",
            configuration_id=domain.KYC,
            holder_did=did,
            holder_jwk=holder.public_key.to_jwk(),
        )
        for i in range(n)
    ]


def jobs(db: Database) -> list[ChainJob]:
    with db.transaction() as session:
        return list(session.scalars(select(ChainJob).order_by(ChainJob.id)))


def test_batches_are_anchored_with_inclusion_proofs(
    bank: tuple[Database, domain.IssuerContext], registry: StatusRegistryClient
) -> None:
    db, ctx = bank
    results = issue(db, ctx, 5)
    report = anchor_pending(db, ctx, registry)
    assert (report.batches_created, report.batches_anchored, report.leaves_anchored) == (1, 1, 5)
    assert report.lists_published == 2 and report.pending == 0 and not report.deferred
    with db.transaction() as session:
        records = list(
            session.scalars(
                select(IssuedCredential).order_by(IssuedCredential.issued_at, IssuedCredential.id)
            )
        )
        job = session.get(ChainJob, records[0].anchor_job_pk)
        assert job is not None and job.state == "done" and job.result is not None
        root = bytes.fromhex(job.payload["root"])
        leaves = [bytes(r.leaf) for r in records]
        lists = {r.list_id: r for r in session.scalars(select(StatusListRecord))}
    by_id = {r.credential_id: r for r in results}
    for record in records:  # the leaf commits to the issued digest and the kept salt
        assert record.leaf == leaf_from_digest(
            bytes.fromhex(by_id[record.credential_id].digest), record.leaf_salt
        )
    tree = MerkleTree(leaves)
    assert tree.root == root
    for i, leaf in enumerate(leaves):
        assert registry.verify_anchored(ctx.issuer_did, root, leaf, tree.proof(i))
    for listed in lists.values():  # the anchored digest is the served credential's
        assert listed.published_version == 1
        assert registry.check_status_list(ctx.issuer_did, listed.url, listed.credential) == 1
    # a second pass has nothing to do
    again = anchor_pending(db, ctx, registry)
    assert (again.batches_created, again.batches_anchored, again.lists_published) == (0, 0, 0)


def test_revocation_digest_reaches_the_chain(
    bank: tuple[Database, domain.IssuerContext], registry: StatusRegistryClient
) -> None:
    db, ctx = bank
    (result,) = issue(db, ctx, 1)
    anchor_pending(db, ctx, registry)
    domain.revoke(db, ctx, result.credential_id)
    domain.revoke(db, ctx, issue(db, ctx, 1)[0].credential_id)  # v3 supersedes v2
    report = anchor_pending(db, ctx, registry)
    assert report.lists_published == 1 and report.superseded == 1
    served = domain.status_list_credential(db, ctx, "1-revocation")
    url = served["id"]
    assert registry.check_status_list(ctx.issuer_did, url, served) == 3


@dataclass
class FlakyRegistry:
    """The real registry behind a switch: while ``down``, every call fails as an unreachable
    node does (``rpc_unavailable``); ``lose_answers`` makes the call go through but lose the
    answer (a timeout after the transaction was sent)."""

    inner: StatusRegistryClient
    down: bool = False
    lose_answers: bool = False
    calls: list[str] = field(default_factory=list)

    def _gate(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise CouldNotCheckError("rpc_unavailable", "connection refused (simulated)")

    def _after(self) -> None:
        if self.lose_answers:
            raise CouldNotCheckError("rpc_unavailable", "timed out (simulated)")

    def anchor_batch(self, issuer: str, root: bytes, leaf_count: int) -> BatchAnchor:
        self._gate("anchor_batch")
        out = self.inner.anchor_batch(issuer, root, leaf_count)
        self._after()
        return out

    def batch(self, root: bytes) -> BatchAnchor | None:
        self._gate("batch")
        return self.inner.batch(root)

    def publish_status_list(
        self, issuer: str, list_url: str, digest: bytes, *, version: int | None = None
    ) -> Any:
        self._gate("publish_status_list")
        out = self.inner.publish_status_list(issuer, list_url, digest, version=version)
        self._after()
        return out

    def status_list(self, issuer: str, list_url: str) -> Any:
        self._gate("status_list")
        return self.inner.status_list(issuer, list_url)


def test_outage_keeps_everything_queued_and_catches_up(
    bank: tuple[Database, domain.IssuerContext],
    registry: StatusRegistryClient,
    clock: FixedClock,
) -> None:
    db, ctx = bank
    flaky = FlakyRegistry(registry, down=True)
    first = issue(db, ctx, 3)
    report = anchor_pending(db, ctx, flaky)
    assert report.deferred and report.batches_created == 1 and report.batches_anchored == 0
    assert report.pending == 3 and "rpc_unavailable" in report.errors[0]
    assert flaky.calls == ["publish_status_list"]  # the pass stopped at the first failure
    failed = [j for j in jobs(db) if j.attempts]
    assert len(failed) == 1 and failed[0].last_error is not None
    assert failed[0].next_try_at == clock.now() + timedelta(seconds=5)

    # the service keeps issuing and revoking while the chain is down
    more = issue(db, ctx, 4)
    domain.revoke(db, ctx, first[0].credential_id)
    clock.advance(1)
    flaky.calls.clear()
    report = anchor_pending(db, ctx, flaky)  # backoff: the failed job is not due yet
    assert report.batches_created == 1 and report.deferred
    clock.advance(60)
    report = anchor_pending(db, ctx, flaky)
    assert report.deferred and report.pending >= 4
    assert max(j.attempts for j in jobs(db)) == 2

    # the node is back: one pass anchors both batches and the latest list versions
    flaky.down = False
    clock.advance(3600)
    report = anchor_pending(db, ctx, flaky)
    assert not report.deferred and report.pending == 0, report
    assert report.batches_anchored == 2 and report.leaves_anchored == 7
    with db.transaction() as session:
        assert session.scalars(select(IssuedCredential.anchor_job_pk)).all().count(None) == 0
        states = {j.state for j in session.scalars(select(ChainJob))}
        assert states <= {"done", "superseded"}
        served = {r.list_id: r for r in session.scalars(select(StatusListRecord))}
        assert served["1-revocation"].published_version == 2
        anchored_events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "batch_anchored")
        ).all()
        assert len(anchored_events) == 2
    for record in served.values():
        assert registry.check_status_list(ctx.issuer_did, record.url, record.credential) == (
            record.version
        )
    assert len(first + more) == 7


def test_lost_answers_are_recognised_on_retry(
    bank: tuple[Database, domain.IssuerContext],
    registry: StatusRegistryClient,
    clock: FixedClock,
) -> None:
    db, ctx = bank
    issue(db, ctx, 2)
    flaky = FlakyRegistry(registry, lose_answers=True)
    report = anchor_pending(db, ctx, flaky)
    assert report.deferred and report.pending == 3  # sent, but no answer came back
    flaky.lose_answers = False
    report = anchor_pending(db, ctx, flaky, retry_now=True)
    assert report.pending == 0 and not report.deferred
    done = [j for j in jobs(db) if j.state == "done"]
    assert any(j.result and j.result.get("recovered") for j in done)


def test_other_errors_are_recorded_and_the_pass_goes_on(
    bank: tuple[Database, domain.IssuerContext],
    chain: Chain,
    deployed: tuple[Chain, Deployment],
) -> None:
    db, ctx = bank
    issue(db, ctx, 1)
    stranger = StatusRegistryClient(chain, deployed[1], sender=chain.accounts[5])
    report = anchor_pending(db, ctx, stranger)  # not the DID owner: every write reverts
    assert not report.deferred and report.pending == 3 and len(report.errors) == 3
    assert all("contract_reverted" in e for e in report.errors)
