"""Real processes on 127.0.0.1 for the end-to-end tests (marker ``e2e``).

* ``anvil``: a real anvil started with ``passport.chain.node.up`` on a free port, with its
  state in ``tmp_path / "anvil"``; stopped (``node.down``) after the test. The value is the
  ``NodeStatus``: ``anvil.url``, ``anvil.port``, ``anvil.state_dir``, ``anvil.pid``.
* ``free_port``: a TCP port on 127.0.0.1 that was free a moment ago.
* ``anvil_chain``: ``Chain.connect(anvil.url)``.
* ``anvil_deployment``: the three contracts deployed on ``anvil_chain`` by its first dev
  account (also the TrustRegistry's root).

One world per module: ``module_anvil``, ``module_deployment`` (the deployment file),
``module_issuer`` and ``module_start_verifier`` are the same set-up as ``anvil``,
``chain_deployment``, ``issuer_process`` and ``start_verifier``, started once for a module's
tests (in ``module_dir``) and stopped after its last.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _running_anvil(state_dir: Path) -> Iterator[node.NodeStatus]:
    started = node.up(port=_free_port(), state_dir=state_dir, host="127.0.0.1")
    try:
        yield started
    finally:
        node.down(state_dir)


@pytest.fixture
def anvil(tmp_path: Path) -> Iterator[node.NodeStatus]:
    with _running_anvil(tmp_path / "anvil") as started:
        yield started


@pytest.fixture
def anvil_chain(anvil: node.NodeStatus) -> Chain:
    assert anvil.url is not None
    return Chain.connect(anvil.url, timeout=10)


def _deploy(chain: Chain) -> Deployment:
    deployment = deploy(chain, chain.accounts[0])
    chain.reset_rpc_calls()
    chain.reset_gas_report()
    return deployment


@pytest.fixture
def anvil_deployment(anvil_chain: Chain) -> Deployment:
    return _deploy(anvil_chain)


# --- the issuer and the verifier as processes (tests/support/processes.py) -------------------

import sys  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from processes import IssuerProcess, VerifierProcess, start_issuer  # noqa: E402
from processes import start_verifier as _start_verifier  # noqa: E402


@pytest.fixture
def chain_deployment(anvil_deployment: Deployment, tmp_path: Path) -> Path:
    """The anvil deployment saved as a file (what services are given)."""
    return anvil_deployment.save(tmp_path / "deployment.json")


@contextmanager
def _running_issuer(tmp: Path, deployment: Path) -> Iterator[IssuerProcess]:
    issuer = start_issuer(tmp, deployment, _free_port())
    try:
        yield issuer
    finally:
        log = issuer.server.stop()
        assert "Traceback" not in log, log[-3000:]


@contextmanager
def _verifier_starter(tmp: Path, deployment: Path) -> Iterator[Any]:
    started: list[VerifierProcess] = []

    def start(**options: Any) -> VerifierProcess:
        verifier = _start_verifier(tmp, deployment, _free_port(), **options)
        started.append(verifier)
        return verifier

    try:
        yield start
    finally:
        for verifier in started:
            log = verifier.server.stop()
            assert "Traceback" not in log, log[-3000:]


@pytest.fixture
def issuer_process(chain_deployment: Path, tmp_path: Path) -> Iterator[IssuerProcess]:
    """``issuer init`` (did:ethr on anvil), accredited by the regulator for KYC, bank
    statements and FIDO key binding in TW, the sample customers imported, ``issuer serve``
    with a 1-second anchor worker."""
    with _running_issuer(tmp_path, chain_deployment) as issuer:
        yield issuer


@pytest.fixture
def start_verifier(chain_deployment: Path, tmp_path: Path) -> Iterator[Any]:
    """``start_verifier(policy="retail.toml", workers=1, prefix=..., response_mode=...,
    webhook_url=None, name="verifier", settings=None)``: ``verifier init`` (did:ethr on anvil)
    and ``verifier serve`` on a free port; returns a ``VerifierProcess`` (``base_url``,
    ``api_key``, ``api_headers``, ``config``, ``env``, ``did``). Stopped after the test."""
    with _verifier_starter(tmp_path, chain_deployment) as start:
        yield start


# --- the same, once per module ---------------------------------------------------------------


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("world")


@pytest.fixture(scope="module")
def module_anvil(module_dir: Path) -> Iterator[node.NodeStatus]:
    with _running_anvil(module_dir / "anvil") as started:
        yield started


@pytest.fixture(scope="module")
def module_deployment(module_anvil: node.NodeStatus, module_dir: Path) -> Path:
    assert module_anvil.url is not None
    deployment = _deploy(Chain.connect(module_anvil.url, timeout=10))
    return deployment.save(module_dir / "deployment.json")


@pytest.fixture(scope="module")
def module_issuer(module_deployment: Path, module_dir: Path) -> Iterator[IssuerProcess]:
    with _running_issuer(module_dir, module_deployment) as issuer:
        yield issuer


@pytest.fixture(scope="module")
def module_start_verifier(module_deployment: Path, module_dir: Path) -> Iterator[Any]:
    with _verifier_starter(module_dir, module_deployment) as start:
        yield start
