"""Real processes on 127.0.0.1 for the end-to-end tests (marker ``e2e``).

* ``anvil``: a real anvil started with ``passport.chain.node.up`` on a free port, with its
  state in ``tmp_path / "anvil"``; stopped (``node.down``) after the test. The value is the
  ``NodeStatus``: ``anvil.url``, ``anvil.port``, ``anvil.state_dir``, ``anvil.pid``.
* ``free_port``: a TCP port on 127.0.0.1 that was free a moment ago.
* ``anvil_chain``: ``Chain.connect(anvil.url)``.
* ``anvil_deployment``: the three contracts deployed on ``anvil_chain`` by its first dev
  account (also the TrustRegistry's root).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from passport.chain import node
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return _free_port()


@pytest.fixture
def anvil(tmp_path: Path) -> Iterator[node.NodeStatus]:
    state_dir = tmp_path / "anvil"
    started = node.up(port=_free_port(), state_dir=state_dir, host="127.0.0.1")
    try:
        yield started
    finally:
        node.down(state_dir)


@pytest.fixture
def anvil_chain(anvil: node.NodeStatus) -> Chain:
    assert anvil.url is not None
    return Chain.connect(anvil.url, timeout=10)


@pytest.fixture
def anvil_deployment(anvil_chain: Chain) -> Deployment:
    deployment = deploy(anvil_chain, anvil_chain.accounts[0])
    anvil_chain.reset_rpc_calls()
    anvil_chain.reset_gas_report()
    return deployment
