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
from typing import Any

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


# --- the issuer and the verifier as processes (tests/support/processes.py) -------------------

import sys  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from processes import IssuerProcess, VerifierProcess, start_issuer  # noqa: E402
from processes import start_verifier as _start_verifier  # noqa: E402


@pytest.fixture
def chain_deployment(anvil_deployment: Deployment, tmp_path: Path) -> Path:
    """The anvil deployment saved as a file (what services are given)."""
    return anvil_deployment.save(tmp_path / "deployment.json")


@pytest.fixture
def issuer_process(chain_deployment: Path, tmp_path: Path) -> Iterator[IssuerProcess]:
    """``issuer init`` (did:ethr on anvil), accredited by the regulator for KYC, bank
    statements and FIDO key binding in TW, the sample customers imported, ``issuer serve``
    with a 1-second anchor worker."""
    issuer = start_issuer(tmp_path, chain_deployment, _free_port())
    try:
        yield issuer
    finally:
        log = issuer.server.stop()
        assert "Traceback" not in log, log[-3000:]


@pytest.fixture
def start_verifier(chain_deployment: Path, tmp_path: Path) -> Iterator[Any]:
    """``start_verifier(policy="retail.toml", workers=1, prefix=..., response_mode=...,
    webhook_url=None, name="verifier")``: ``verifier init`` (did:ethr on anvil) and
    ``verifier serve`` on a free port; returns a ``VerifierProcess`` (``base_url``,
    ``api_key``, ``api_headers``, ``config``, ``env``, ``did``). Stopped after the test."""
    started: list[VerifierProcess] = []

    def start(**options: Any) -> VerifierProcess:
        verifier = _start_verifier(tmp_path, chain_deployment, _free_port(), **options)
        started.append(verifier)
        return verifier

    try:
        yield start
    finally:
        for verifier in started:
            log = verifier.server.stop()
            assert "Traceback" not in log, log[-3000:]
