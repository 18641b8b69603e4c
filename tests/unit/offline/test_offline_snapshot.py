"""``build_snapshot`` from a real (embedded py-evm) chain: the bank's did:ethr keys with a
rotation, its accreditation and suspension, an anchored status list; then offline
verification with that snapshot alone (sockets cut), and the snapshot file round trip."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.chain.ethr_controller import EthrDidController
from passport.chain.registries import StatusRegistryClient, TrustRegistryClient, status_list_digest
from passport.did.ethr import EthrDidResolver
from passport.errors import MalformedError, PassportError
from passport.keys import KeyType, PrivateKey
from passport.offline import (
    StatusRef,
    bank_statement_claims,
    build_snapshot,
    discover_status_lists,
    issue_offline_credential,
    loads,
    make_offline_proof,
    read_snapshot,
    verify_offline,
    write_snapshot,
)
from passport.status.bitstring import StatusList
from passport.status.fetch import LocalFirstFetcher
from passport.status.signed import sign_status_list

URL = "http://127.0.0.1:8000/status/1"
TYPES = ["BankStatementCredential", "KYCCredential"]


@pytest.fixture(scope="module")
def deployed() -> tuple[Chain, Deployment]:
    chain = Chain.embedded()
    return chain, deploy(chain, chain.accounts[0])


@pytest.fixture
def chain(deployed: tuple[Chain, Deployment]) -> Iterator[Chain]:
    shared = deployed[0]
    snap = shared.snapshot()
    yield shared
    shared.revert(snap)


class Bank:
    def __init__(self, chain: Chain, deployment: Deployment) -> None:
        owner = PrivateKey.generate(KeyType.SECP256K1)
        chain.fund(owner.eth_address(), 10 * 10**18)
        self.chain, self.deployment = chain, deployment
        self.controller = EthrDidController(chain, deployment, owner)
        self.did = self.controller.did
        self.key = PrivateKey.generate()
        self.controller.publish_ed25519_assertion_key(self.key.public_key)
        self.trust = TrustRegistryClient(chain, deployment, sender=chain.accounts[0])
        now = self.now()
        self.trust.accredit(
            self.did, TYPES, "TW", now - timedelta(days=1), now + timedelta(days=365)
        )
        self.anchors = StatusRegistryClient(chain, deployment, sender=owner)
        self.status = StatusList()
        self.status.set(77)
        self.resolver = EthrDidResolver.from_deployment(chain, deployment)
        self.publish_list()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.chain.block_timestamp(), UTC)

    def vm(self) -> str:
        return self.resolver.resolve(self.did).methods_for("assertionMethod")[-1].id

    def publish_list(self) -> None:
        self.list_vc = sign_status_list(
            self.status, issuer=self.did, url=URL, purpose="revocation", key=self.key,
            verification_method=self.vm(), now=self.now(), valid_for=timedelta(days=2),
        )  # fmt: skip
        self.anchors.publish_status_list(self.did, URL, status_list_digest(self.list_vc))

    def snapshot(self, fetched: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
        return build_snapshot(
            resolver=self.resolver,
            trust=self.trust,
            status_fetcher=LocalFirstFetcher(local=[fetched or self.list_vc]),  # type: ignore[list-item]
            anchors=self.anchors,
            issuers=[self.did],
            status_lists=[URL],
            now=self.now(),
            chain_id=self.deployment.chain_id,
        )

    def issue(self, holder: PrivateKey, index: int):  # type: ignore[no-untyped-def]
        claims = bank_statement_claims(
            name="Lin Chih-Hao", nationality="TW", tiers={"USD_1000": True, "USD_5000": True}
        )
        return issue_offline_credential(
            claims, issuer=self.did, issuer_key=self.key, kid=self.vm(),
            holder_key=holder.public_key, status=StatusRef.of(URL, index), now=self.now(),
        )  # fmt: skip


def test_snapshot_from_the_chain_verifies_offline_and_survives_a_file(
    chain: Chain, deployed: tuple[Chain, Deployment], tmp_path: Path, no_network: list[object]
) -> None:
    bank = Bank(chain, deployed[1])
    assert discover_status_lists(bank.anchors, bank.did) == [URL]
    holder = PrivateKey.generate()
    good, revoked = bank.issue(holder, 4242), bank.issue(holder, 77)
    snapshot = bank.snapshot()
    issuer = snapshot.issuer(bank.did)
    assert issuer is not None
    assert [k.id for k in issuer.keys] == [f"{bank.did}#delegate-1"]
    assert issuer.registry_status == {t: "accredited" for t in TYPES}
    assert issuer.accreditations[0].jurisdiction == "TW"
    assert snapshot.status_lists[0].digest == status_list_digest(bank.list_vc)
    assert snapshot.status_lists[0].version == 1

    path = tmp_path / "snapshot.json"
    write_snapshot(snapshot, path)
    assert read_snapshot(path) == snapshot

    now = bank.now()
    for credential, codes in ((good, []), (revoked, ["revoked"])):
        text = make_offline_proof(
            credential, holder, disclose=["balanceAtLeast/USD_5000"], now=now, challenge="7Q"
        ).to_qr_text()
        report = verify_offline(text, read_snapshot(path), now=now, challenge="7Q")
        assert report.codes == codes, report.to_dict()
    assert no_network == []


def test_rotated_key_and_suspension_are_seen_at_the_next_sync(
    chain: Chain, deployed: tuple[Chain, Deployment]
) -> None:
    bank = Bank(chain, deployed[1])
    holder = PrivateKey.generate()
    old = bank.issue(holder, 1)
    new_key = PrivateKey.generate()
    bank.controller.rotate_ed25519_assertion_key(bank.key.public_key, new_key.public_key)
    bank.key = new_key
    bank.publish_list()
    fresh = bank.issue(holder, 2)
    snapshot = bank.snapshot()
    keys = {k.id: k.revoked_at for k in snapshot.issuers[0].keys}
    assert keys[f"{bank.did}#delegate-1"] is not None
    assert keys[bank.vm()] is None

    def codes(credential, snap) -> list[str]:  # type: ignore[no-untyped-def]
        now = bank.now()
        text = make_offline_proof(credential, holder, disclose=[], now=now).to_qr_text()
        return verify_offline(text, snap, now=now).codes

    assert codes(old, snapshot) == ["issuer_key_revoked"]
    assert codes(fresh, snapshot) == []
    bank.trust.suspend(bank.did, "under review")
    suspended = bank.snapshot()
    assert suspended.issuers[0].registry_status["BankStatementCredential"] == "suspended"
    assert codes(fresh, snapshot) == []  # the old snapshot does not know yet
    assert codes(fresh, suspended) == ["issuer_not_accredited"]


def test_a_status_list_that_is_not_the_anchored_one_fails_the_sync(
    chain: Chain, deployed: tuple[Chain, Deployment]
) -> None:
    bank = Bank(chain, deployed[1])
    older = bank.list_vc
    bank.status.set(5)
    bank.publish_list()
    with pytest.raises(PassportError) as err:
        bank.snapshot(fetched=older)  # a cache served yesterday's list
    assert err.value.code == "status_list_mismatch"
    other = URL.replace("/1", "/2")
    bank.anchors.publish_status_list(bank.did, other, b"\x22" * 32)
    bank.anchors.publish_status_list(bank.did, "urn:x", b"\x33" * 32, uri="ipfs://elsewhere")
    assert discover_status_lists(bank.anchors, bank.did) == [URL, other]  # once each, by URL
    with pytest.raises(MalformedError) as bad:
        discover_status_lists(
            bank.anchors, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        )
    assert bad.value.code == "issuer_invalid"


@pytest.mark.parametrize("text", ["", "{}", '{"version": 2}', "[1]", '{"version": 1}'])
def test_snapshot_file_that_cannot_be_read(text: str) -> None:
    with pytest.raises(MalformedError) as err:
        loads(text)
    assert err.value.code == "offline_snapshot_malformed"


def test_missing_snapshot_file(tmp_path: Path) -> None:
    with pytest.raises(MalformedError) as err:
        read_snapshot(tmp_path / "none.json")
    assert err.value.code == "offline_snapshot_malformed"
