"""An issuer service in-process: ``create_app`` on a SQLite file with the sample customers,
a did:key issuer and a fixed clock (helpers in ``issuer_harness``).

* ``clock``: ``FixedClock`` at 2026-11-01T09:00Z; ``issuer``: an ``Issuer`` (client, runtime,
  clock, settings, app); ``holder``: the wallet's Ed25519 key; ``keys``: the issuer's keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from issuer_harness import NOW, SAMPLE, Issuer, make_settings, test_client

from issuer_service.app import create_app
from issuer_service.deps import Runtime, build_runtime
from issuer_service.importer import import_customers, load_customer_file
from issuer_service.settings import IssuerKeys
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def holder() -> PrivateKey:
    return PrivateKey.generate(KeyType.ED25519)


@pytest.fixture
def keys() -> IssuerKeys:
    return IssuerKeys.generate()


@pytest.fixture
def issuer(tmp_path: Path, clock: FixedClock, keys: IssuerKeys) -> Iterator[Issuer]:
    settings = make_settings(tmp_path, keys)
    app = create_app(settings, runtime_factory=lambda s: build_runtime(s, keys=keys, clock=clock))
    with test_client(app) as client:
        runtime: Runtime = app.state.runtime
        import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE / "customers.json"))
        yield Issuer(client, runtime, clock, settings, app)
