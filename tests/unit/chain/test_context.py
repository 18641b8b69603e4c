"""ChainContext: one deployment, one connection, every client built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from passport.chain.client import Chain
from passport.chain.deployment import Deployment
from passport.context import ChainContext
from passport.did.ethr.controller import EthrDidController
from passport.keys import KeyType, PrivateKey


def test_every_client_shares_the_one_chain(
    chain: Chain, deployment: Deployment, eth_key: PrivateKey
) -> None:
    context = ChainContext(deployment, chain)
    bank = EthrDidController(chain, deployment, eth_key)
    signing = PrivateKey.generate()
    bank.publish_ed25519_assertion_key(signing.public_key)
    now = datetime.fromtimestamp(chain.block_timestamp(), UTC)
    context.trust(sender=chain.accounts[0]).accredit(
        bank.did, ["KYCCredential"], "TW", now - timedelta(days=1), now + timedelta(days=30)
    )
    assert context.trust() is context.trust() and context.trust().chain is chain
    assert context.status_registry().chain is chain
    assert context.resolver() is context.resolver()
    doc = context.resolver().resolve(bank.did)
    assert any(vm.public_key == signing.public_key for vm in doc.methods_for("assertionMethod"))
    ((name, check),) = context.accreditation_checks(now + timedelta(seconds=1))
    assert name == "accreditation"
    check({"issuer": bank.did, "type": ["VerifiableCredential", "KYCCredential"]})


def test_fund_on_dev_chain_only_tops_up(chain: Chain, deployment: Deployment) -> None:
    context = ChainContext(deployment, chain)
    poor = PrivateKey.generate(KeyType.SECP256K1).eth_address()
    assert context.fund_on_dev_chain(poor) is True
    assert context.fund_on_dev_chain(poor) is False  # already holds enough
