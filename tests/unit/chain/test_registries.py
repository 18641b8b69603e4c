"""Trust and status registry clients on the embedded chain: authorisation, history,
historical answers, the verification pipeline's accreditation check, status lists and
batch anchoring with Merkle inclusion proofs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from passport.chain.client import Chain
from passport.chain.deployment import Deployment
from passport.chain.merkle import MerkleTree, credential_leaf, new_salt
from passport.chain.registries import (
    STATUS_NAMES,
    StatusRegistryClient,
    TrustRegistryClient,
    accreditation_check,
    status_list_digest,
)
from passport.di import eddsa
from passport.did.ethr import EthrDidResolver
from passport.did.ethr.controller import EthrDidController, ethr_did
from passport.did.key import KeyDidResolver
from passport.did.resolver import CachingResolver
from passport.errors import CouldNotCheckError, MalformedError, VerdictError
from passport.keys import PrivateKey
from passport.ports import FixedClock
from passport.report import ReportStatus
from passport.verify import VerifyOptions, verify

DAY = 86_400


def chain_now(chain: Chain) -> datetime:
    return datetime.fromtimestamp(chain.block_timestamp(), UTC)


def issuer_did(chain: Chain, deployment: Deployment, key: PrivateKey) -> str:
    return ethr_did(key.eth_address(), deployment.chain_id)


@pytest.fixture
def trust(chain: Chain, deployment: Deployment) -> TrustRegistryClient:
    return TrustRegistryClient(chain, deployment, sender=chain.accounts[0])


def accredit(trust: TrustRegistryClient, issuer: str, *types: str, days: int = 365) -> Any:
    now = chain_now(trust.chain)
    return trust.accredit(
        issuer,
        list(types or ["KYCCredential"]),
        "TW",
        now - timedelta(days=1),
        now + timedelta(days=days),
    )


# --- authorisation ----------------------------------------------------------------------


def test_unauthorised_writes_revert(
    chain: Chain, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    stranger = chain.accounts[5]
    issuer = issuer_did(chain, trust.deployment, eth_key)
    now = chain_now(chain)
    with pytest.raises(VerdictError) as err:
        trust.accredit(
            issuer, ["KYCCredential"], "TW", now, now + timedelta(days=1), sender=stranger
        )
    assert err.value.code == "contract_reverted" and err.value.details["error"] == "NotAuthorised"
    with pytest.raises(VerdictError) as err:
        trust.appoint_accreditor(stranger, sender=stranger)
    assert err.value.details["error"] == "NotRoot"
    accredit(trust, issuer)
    with pytest.raises(VerdictError) as err:
        trust.suspend(issuer, "audit", sender=stranger)
    assert err.value.details["error"] == "NotAuthorised"
    with pytest.raises(VerdictError) as err:
        trust.revoke(issuer, "fraud", sender=stranger)
    assert err.value.details["error"] == "NotAuthorised"
    with pytest.raises(VerdictError) as err:
        trust.reinstate(issuer, sender=stranger)
    assert err.value.details["error"] == "NotAuthorised"


def test_appointed_accreditor_may_accredit_until_removed(
    chain: Chain, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    accreditor = chain.accounts[3]
    trust.appoint_accreditor(accreditor)
    assert trust.is_accreditor(accreditor)
    issuer = issuer_did(chain, trust.deployment, eth_key)
    now = chain_now(chain)
    trust.accredit(issuer, ["KYCCredential"], "FR", now, now + timedelta(days=1), sender=accreditor)
    assert trust.history(issuer)[0].by == accreditor
    trust.remove_accreditor(accreditor)
    with pytest.raises(VerdictError) as err:
        trust.suspend(issuer, sender=accreditor)
    assert err.value.details["error"] == "NotAuthorised"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"jurisdiction": "XX"}, "jurisdiction_invalid"),
        ({"jurisdiction": "tw"}, "jurisdiction_invalid"),
        ({"types": []}, "credential_types_invalid"),
        ({"issuer": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}, "issuer_invalid"),
        ({"issuer": "did:ethr:0x1:0x" + "ab" * 20}, "issuer_invalid"),
        ({"issuer": "bank"}, "issuer_invalid"),
        ({"valid_until_days": -2}, "validity_window_invalid"),
    ],
)
def test_bad_accreditation_arguments(
    chain: Chain, trust: TrustRegistryClient, kwargs: dict[str, Any], code: str
) -> None:
    now = chain_now(chain)
    args: dict[str, Any] = {
        "issuer": "0x" + "ab" * 20,
        "types": ["KYCCredential"],
        "jurisdiction": "TW",
        "valid_from": now,
        "valid_until": now + timedelta(days=kwargs.pop("valid_until_days", 1)),
    }
    args.update(kwargs)
    with pytest.raises(MalformedError) as err:
        trust.accredit(**args)
    assert err.value.code == code


# --- history and historical answers ------------------------------------------------------------


def test_lifecycle_history_and_historical_answers(
    chain: Chain, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    issuer = issuer_did(chain, trust.deployment, eth_key)
    t0 = chain_now(chain)
    trust.accredit(
        issuer, ["KYCCredential", "BankStatementCredential"], "TW", t0, t0 + timedelta(days=30)
    )
    chain.mine(DAY)
    trust.suspend(issuer, "audit")
    t_suspended = chain_now(chain)
    chain.mine(DAY)
    trust.reinstate(issuer)
    t_reinstated = chain_now(chain)
    chain.mine(DAY)
    trust.revoke(issuer, "licence withdrawn")
    t_revoked = chain_now(chain)

    kinds = [(e.kind, e.reason) for e in trust.history(issuer)]
    assert kinds == [
        ("accredited", None),
        ("suspended", "audit"),
        ("reinstated", None),
        ("revoked", "licence withdrawn"),
    ]
    first = trust.history(issuer)[0]
    assert first.types == ("KYCCredential", "BankStatementCredential")
    assert first.jurisdiction == "TW" and first.by == chain.accounts[0]
    assert first.valid_from == t0.replace(microsecond=0) and first.accreditation_id == 0
    assert first.as_dict()["types"] == ["KYCCredential", "BankStatementCredential"]

    expectations = {
        t0 - timedelta(seconds=1): "not_yet_valid",
        t0 + timedelta(hours=1): "accredited",
        t_suspended + timedelta(hours=1): "suspended",
        t_reinstated + timedelta(hours=1): "accredited",
        t_revoked + timedelta(hours=1): "revoked",
    }
    for at, want in expectations.items():
        assert trust.status(issuer, "KYCCredential", at) == want, at
        assert trust.is_accredited(issuer, "KYCCredential", at) is (want == "accredited")
    assert trust.status(issuer, "FidoKeyBindingCredential", t0 + timedelta(hours=1)) == (
        "not_accredited"
    )


def test_expiry_and_reaccreditation(
    chain: Chain, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    issuer = issuer_did(chain, trust.deployment, eth_key)
    t0 = chain_now(chain)
    trust.accredit(issuer, ["KYCCredential"], "TW", t0, t0 + timedelta(days=1))
    trust.revoke(issuer)
    trust.accredit(issuer, ["KYCCredential"], "TW", t0, t0 + timedelta(days=10))
    later = t0 + timedelta(days=5)
    assert trust.status(issuer, "KYCCredential", later) == "accredited"
    # the latest accreditation decides once none is in force: expired, not the revoked one
    assert trust.status(issuer, "KYCCredential", t0 + timedelta(days=11)) == "expired"
    assert trust.status(issuer, "KYCCredential", t0 + timedelta(days=11)) in STATUS_NAMES


# --- the verification pipeline's check -----------------------------------------------------------


def _credential(issuer: str, types: list[str]) -> dict[str, Any]:
    return {"issuer": issuer, "type": ["VerifiableCredential", *types]}


def test_accreditation_check_verdicts(
    chain: Chain, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    issuer = issuer_did(chain, trust.deployment, eth_key)
    accredit(trust, issuer, "KYCCredential")
    name, check = accreditation_check(trust, chain_now(chain))
    assert name == "accreditation"
    check(_credential(issuer, ["KYCCredential"]))
    for doc, status in [
        (_credential(issuer, ["BankStatementCredential"]), "not_accredited"),
        (
            _credential(
                "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", ["KYCCredential"]
            ),
            "not_accredited",
        ),
        (_credential(issuer, []), "not_accredited"),
    ]:
        with pytest.raises(VerdictError) as err:
            check(doc)
        assert err.value.code == "issuer_not_accredited"
        assert err.value.details["status"] == status
    trust.suspend(issuer, "audit")
    trust.cache_ttl = 0
    _, check = accreditation_check(trust, chain_now(chain) + timedelta(seconds=1))
    with pytest.raises(VerdictError) as err:
        check(_credential(issuer, ["KYCCredential"]))
    assert err.value.details["status"] == "suspended"


def test_accreditation_check_rpc_unavailable(
    chain: Chain, deployment: Deployment, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    issuer = issuer_did(chain, deployment, eth_key)

    class Down:
        def __getattr__(self, name: str) -> Any:
            raise CouldNotCheckError("rpc_unavailable", "the node is down")

    trust.chain = Down()  # type: ignore[assignment]
    _, check = accreditation_check(trust, chain_now(chain))
    with pytest.raises(CouldNotCheckError) as err:
        check(_credential(issuer, ["KYCCredential"]))
    assert err.value.code == "rpc_unavailable"


def test_pipeline_with_did_ethr_issuer_and_accreditation_zero_rpc_when_warm(
    chain: Chain, deployment: Deployment, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    bank = EthrDidController(chain, deployment, eth_key)
    signing = PrivateKey.generate()
    bank.publish_ed25519_assertion_key(signing.public_key)
    accredit(trust, bank.did, "ExampleCredential")
    now = chain_now(chain)
    clock = FixedClock(now)
    credential = eddsa.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "ExampleCredential"],
            "issuer": bank.did,
            "credentialSubject": {"id": "did:example:holder"},
        },
        signing,
        f"{bank.did}#delegate-1",
        cryptosuite="eddsa-jcs-2022",
    )
    ethr = EthrDidResolver.from_deployment(chain, deployment, clock=clock, poll_interval=60)
    resolver = CachingResolver(methods={"ethr": ethr, "key": KeyDidResolver()}, clock=clock)
    warm_trust = TrustRegistryClient(chain, deployment, clock=clock, cache_ttl=60)
    options = VerifyOptions(
        resolver=resolver, now=now, credential_checks=(accreditation_check(warm_trust, now),)
    )
    chain.reset_rpc_calls()
    report = verify(credential, options)
    assert report.status is ReportStatus.VERIFIED, report.to_dict()
    assert "accreditation" in [c.name for c in report.checks]
    cold = chain.rpc_methods
    # cold: refresh (blockNumber) + changed() + 1 getLogs per change block + updated's block,
    # and one status() call for the issuer and type
    assert cold == {
        "eth_blockNumber": 1,
        "eth_call": 2,
        "eth_getLogs": 1,
        "eth_getBlockByNumber": 1,
    }
    chain.reset_rpc_calls()
    assert verify(credential, options).status is ReportStatus.VERIFIED
    assert chain.rpc_calls == 0  # warm caches: no RPC call at all
    # a revocation is seen once the trust cache is refreshed
    trust.revoke(bank.did, "withdrawn")
    assert verify(credential, options).status is ReportStatus.VERIFIED  # cached: not yet seen
    warm_trust.cache_ttl = 0
    later = VerifyOptions(
        resolver=resolver,
        now=now,
        credential_checks=(
            accreditation_check(warm_trust, chain_now(chain) + timedelta(seconds=1)),
        ),
    )
    report = verify(credential, later)
    assert report.status is ReportStatus.INVALID and report.codes == ["issuer_not_accredited"]


def test_trust_refresh_invalidates_changed_issuers(
    chain: Chain, deployment: Deployment, trust: TrustRegistryClient, eth_key: PrivateKey
) -> None:
    issuer = issuer_did(chain, deployment, eth_key)
    accredit(trust, issuer)
    reader = TrustRegistryClient(chain, deployment, cache_ttl=3600)
    assert reader.refresh() == set()
    assert reader.accreditation_status(issuer, "KYCCredential", chain_now(chain)) == "accredited"
    trust.suspend(issuer)
    chain.reset_rpc_calls()
    assert reader.refresh() == {eth_key.eth_address()}
    assert chain.rpc_methods == {"eth_blockNumber": 1, "eth_getLogs": 1}
    later = chain_now(chain) + timedelta(seconds=1)
    assert reader.accreditation_status(issuer, "KYCCredential", later) == "suspended"


# --- status lists and batch anchors ------------------------------------------------------------


def test_status_list_versions_and_authorisation(
    chain: Chain, deployment: Deployment, eth_key: PrivateKey
) -> None:
    status = StatusRegistryClient(chain, deployment, sender=eth_key)
    issuer = issuer_did(chain, deployment, eth_key)
    url = "https://bank.example/status/1"
    list_v1 = {"id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"], "v": 1}
    list_v2 = {**list_v1, "v": 2}
    assert status.status_list(issuer, url) is None
    with pytest.raises(CouldNotCheckError) as cerr:
        status.check_status_list(issuer, url, list_v1)
    assert cerr.value.code == "status_list_not_anchored"
    status.publish_status_list(issuer, url, status_list_digest(list_v1))
    status.publish_status_list(issuer, url, status_list_digest(list_v2), uri="ipfs://x")
    anchor = status.status_list(issuer, url)
    assert anchor is not None and anchor.version == 2 and anchor.uri == "ipfs://x"
    assert status.check_status_list(issuer, url, list_v2) == 2
    with pytest.raises(VerdictError) as err:
        status.check_status_list(issuer, url, list_v1)
    assert err.value.code == "status_list_mismatch"
    with pytest.raises(VerdictError) as err:
        status.publish_status_list(issuer, url, status_list_digest(list_v1), version=2)
    assert err.value.details["error"] == "VersionNotIncreasing"
    with pytest.raises(VerdictError) as err:
        status.publish_status_list(
            issuer, url, status_list_digest(list_v1), version=3, sender=chain.accounts[4]
        )
    assert err.value.details["error"] == "NotIssuerOwner"
    with pytest.raises(MalformedError) as merr:
        status.publish_status_list(issuer, url, b"short")
    assert merr.value.code == "digest_invalid"


def test_batch_anchoring_and_inclusion_proofs(
    chain: Chain, deployment: Deployment, eth_key: PrivateKey
) -> None:
    status = StatusRegistryClient(chain, deployment, sender=eth_key)
    issuer = issuer_did(chain, deployment, eth_key)
    leaves = [credential_leaf(f"credential {i}".encode(), new_salt()) for i in range(7)]
    tree = MerkleTree(leaves)
    anchored = status.anchor_batch(issuer, tree.root, len(tree))
    assert anchored.gas_used is not None and anchored.gas_used < 60_000
    assert chain.gas_report["anchorBatch"] == [anchored.gas_used]
    found = status.batch(tree.root)
    assert found is not None
    assert (found.issuer, found.leaf_count, found.block_number) == (
        eth_key.eth_address(),
        7,
        anchored.block_number,
    )
    assert status.batch(b"\x01" * 32) is None
    for i, leaf in enumerate(leaves):
        assert status.verify_anchored(issuer, tree.root, leaf, tree.proof(i))
    assert not status.verify_anchored(issuer, tree.root, b"\x02" * 32, tree.proof(0))
    assert not status.verify_anchored(
        ethr_did(chain.accounts[4], deployment.chain_id), tree.root, leaves[0], tree.proof(0)
    )
    with pytest.raises(VerdictError) as err:
        status.anchor_batch(issuer, tree.root, len(tree))
    assert err.value.details["error"] == "BatchAlreadyAnchored"
    with pytest.raises(VerdictError) as err:
        status.anchor_batch(issuer, b"\x03" * 32, 1, sender=chain.accounts[4])
    assert err.value.details["error"] == "NotIssuerOwner"
