"""did:ethr, the controller and the registries against a real anvil process (chain id 31337):
publish, resolve over HTTP JSON-RPC (with request counts), rotate, historical resolution,
credential verification, accreditation and batch anchoring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from passport.chain.client import Chain
from passport.chain.deployment import Deployment
from passport.chain.merkle import MerkleTree, credential_leaf, new_salt
from passport.chain.registries import (
    StatusRegistryClient,
    TrustRegistryClient,
    accreditation_check,
)
from passport.di import eddsa
from passport.did.ethr import EthrDidResolver
from passport.did.ethr.controller import EthrDidController
from passport.did.key import KeyDidResolver
from passport.did.resolver import CachingResolver
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock
from passport.report import ReportStatus
from passport.verify import VerifyOptions, verify

pytestmark = pytest.mark.e2e


def test_ethr_did_lifecycle_on_anvil(anvil_chain: Chain, anvil_deployment: Deployment) -> None:
    chain, deployment = anvil_chain, anvil_deployment
    assert deployment.chain_id == 31337
    bank = EthrDidController(chain, deployment, chain.accounts[4])
    assert bank.did.startswith("did:ethr:0x7a69:0x")
    old, new = PrivateKey.generate(), PrivateKey.generate()
    published = bank.publish_ed25519_assertion_key(old.public_key)
    bank.add_service("LinkedDomains", "https://bank.example")

    now = datetime.fromtimestamp(chain.block_timestamp(), UTC)
    clock = FixedClock(now)
    ethr = EthrDidResolver.from_deployment(chain, deployment, clock=clock)
    chain.reset_rpc_calls()
    doc = ethr.resolve(bank.did)
    assert chain.rpc_methods == {"eth_call": 1, "eth_getLogs": 2, "eth_getBlockByNumber": 1}
    assert doc.methods_for("assertionMethod")[0].public_key == old.public_key
    assert doc.data["service"][0]["serviceEndpoint"] == "https://bank.example"

    credential = eddsa.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "ExampleCredential"],
            "issuer": bank.did,
            "credentialSubject": {"id": "did:example:holder"},
        },
        old,
        f"{bank.did}#delegate-1",
        cryptosuite="eddsa-jcs-2022",
    )
    trust = TrustRegistryClient(chain, deployment, sender=chain.accounts[0], clock=clock)
    trust.accredit(bank.did, ["ExampleCredential"], "TW", now, now + timedelta(days=365))

    def options() -> VerifyOptions:
        resolver = CachingResolver(methods={"ethr": ethr, "key": KeyDidResolver()}, clock=clock)
        at = datetime.fromtimestamp(chain.block_timestamp(), UTC)
        return VerifyOptions(
            resolver=resolver, now=at, credential_checks=(accreditation_check(trust, at),)
        )

    report = verify(credential, options())
    assert report.status is ReportStatus.VERIFIED, report.to_dict()

    bank.rotate_ed25519_assertion_key(old.public_key, new.public_key)
    report = verify(credential, options())
    assert report.codes == ["verification_method_not_found"]
    historical = ethr.resolve(f"{bank.did}?versionId={published.block_number}")
    assert historical.methods_for("assertionMethod")[0].public_key == old.public_key


def test_meta_transactions_on_anvil(anvil_chain: Chain, anvil_deployment: Deployment) -> None:
    chain, deployment = anvil_chain, anvil_deployment
    owner = PrivateKey.generate(KeyType.SECP256K1)  # signs only; the relayer pays
    bank = EthrDidController(chain, deployment, owner)
    key = PrivateKey.generate()
    bank.publish_ed25519_assertion_key_signed(key.public_key, relayer=chain.accounts[1])
    successor = PrivateKey.generate(KeyType.SECP256K1).eth_address()
    bank.change_owner_signed(successor, relayer=chain.accounts[1])
    clock = FixedClock(datetime.fromtimestamp(chain.block_timestamp(), UTC))
    latest = EthrDidResolver.from_deployment(chain, deployment, clock=clock).resolve(bank.did)
    assert latest.data["verificationMethod"][0]["blockchainAccountId"] == (
        f"eip155:31337:{successor}"
    )
    assert latest.methods_for("assertionMethod")[0].public_key == key.public_key


def test_locally_signed_consecutive_writes_on_anvil(
    anvil_chain: Chain, anvil_deployment: Deployment
) -> None:
    """An owner key that signs its own transactions (the production path), writing twice in
    a row: the second write's gas must be estimated for the next block, where
    ``changed[identity]`` is a fresh write, not for the latest one."""
    chain, deployment = anvil_chain, anvil_deployment
    owner = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(owner.eth_address(), 10**18)
    bank = EthrDidController(chain, deployment, owner)
    bank.publish_ed25519_assertion_key(PrivateKey.generate().public_key)
    bank.add_service("LinkedDomains", "https://bank.example")
    bank.change_owner(chain.accounts[5])


def test_polling_resolver_makes_no_rpc_call_when_warm(
    anvil_chain: Chain, anvil_deployment: Deployment
) -> None:
    chain, deployment = anvil_chain, anvil_deployment
    bank = EthrDidController(chain, deployment, chain.accounts[2])
    bank.publish_ed25519_assertion_key(PrivateKey.generate().public_key)
    clock = FixedClock(datetime.fromtimestamp(chain.block_timestamp(), UTC))
    ethr = EthrDidResolver.from_deployment(chain, deployment, clock=clock, poll_interval=60)
    ethr.resolve(bank.did)
    chain.reset_rpc_calls()
    for _ in range(10):
        ethr.resolve(bank.did)
    assert chain.rpc_calls == 0
    bank.add_service("Hub", "https://hub.example")
    clock.advance(60)
    assert [s["type"] for s in ethr.resolve(bank.did).data["service"]] == ["Hub"]


def test_batch_anchor_on_anvil(anvil_chain: Chain, anvil_deployment: Deployment) -> None:
    chain, deployment = anvil_chain, anvil_deployment
    issuer = EthrDidController(chain, deployment, chain.accounts[3]).did
    status = StatusRegistryClient(chain, deployment, sender=chain.accounts[3])
    leaves = [credential_leaf(f"vc {i}".encode(), new_salt()) for i in range(100)]
    tree = MerkleTree(leaves)
    anchored = status.anchor_batch(issuer, tree.root, len(tree))
    assert anchored.gas_used is not None and anchored.gas_used < 60_000
    assert status.verify_anchored(issuer, tree.root, leaves[42], tree.proof(42))
