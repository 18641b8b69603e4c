"""The verifier's tests run against a whole world in one process (tests/support/
verifier_world.py): the embedded chain, the real issuer service on a did:ethr, a holder with
its credentials, and the verifier service in process, answered by the spec-driven wallet
(tests/support/spec_wallet.py).

* ``world`` (module scope): the chain, the bank, the trust registry, the clock.
* ``holder`` (module scope): a holder with KYC, bank statement and FIDO credentials.
* ``verifier``: ``make_verifier(policy=..., **settings)`` -> (runtime, client) on a fresh
  database.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))

from verifier_world import Holder, World, make_world  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = make_world(tmp_path_factory.mktemp("world"))
    yield built
    built.close()


@pytest.fixture(scope="module")
def holder(world: World) -> Holder:
    return world.holder()


@pytest.fixture
def make_verifier(world: World, tmp_path: Path) -> Callable[..., tuple[Any, Any]]:
    count = iter(range(1000))

    def make(**kwargs: Any) -> tuple[Any, Any]:
        directory = tmp_path / f"verifier-{next(count)}"
        directory.mkdir()
        runtime = world.verifier_runtime(directory, **kwargs)
        return runtime, world.verifier_client(runtime)

    return make
