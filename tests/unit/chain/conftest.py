"""Fixtures on the embedded (in-process py-evm) chain.

The three contracts are deployed once per test module; every test gets the chain at that
point (an ``evm_snapshot`` is taken before the test and reverted after it), with its RPC
counter and gas report emptied. So:

* ``chain``: an embedded ``Chain`` on which the contracts are deployed; dev account
  ``chain.accounts[0]`` is the deployer and the TrustRegistry's root.
* ``deployment``: the ``Deployment`` of those contracts on ``chain``.
* ``eth_key``: a fresh secp256k1 ``PrivateKey`` whose address holds 10 ether on ``chain``.
* ``fresh_chain``: a new, empty embedded ``Chain`` (nothing deployed).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.keys import KeyType, PrivateKey


@pytest.fixture(scope="module")
def _deployed_chain() -> tuple[Chain, Deployment]:
    chain = Chain.embedded()
    return chain, deploy(chain, chain.accounts[0])


@pytest.fixture
def chain(_deployed_chain: tuple[Chain, Deployment]) -> Iterator[Chain]:
    shared, _ = _deployed_chain
    snapshot = shared.snapshot()
    shared.reset_rpc_calls()
    shared.reset_gas_report()
    yield shared
    shared.revert(snapshot)


@pytest.fixture
def deployment(_deployed_chain: tuple[Chain, Deployment], chain: Chain) -> Deployment:
    return _deployed_chain[1]


@pytest.fixture
def eth_key(chain: Chain) -> PrivateKey:
    key = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(key.eth_address(), 10 * 10**18)
    chain.reset_rpc_calls()
    return key


@pytest.fixture
def fresh_chain() -> Chain:
    return Chain.embedded()
