"""Fixtures for the issuer domain: a file SQLite database with the sample customers, an
issuer context on a did:key with a fixed clock, a holder key and a resolver.

* ``clock``: a ``FixedClock`` at 2026-11-01T09:00Z (after the sample data's as-of date).
* ``ctx``: an ``IssuerContext`` signing with a fresh Ed25519 did:key; ``make_context(**kw)``
  makes others (test-only options such as ``index_rng``).
* ``db``: a fresh ``Database`` on a SQLite file in ``tmp_path`` with the status lists open.
* ``loaded``: ``db`` with ``issuer_service/sample_data/customers.json`` imported.
* ``holder`` / ``holder_did``: the wallet's Ed25519 key and its did:key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from issuer_service import domain
from issuer_service.db import Database
from issuer_service.importer import import_customers, load_customer_file
from passport.did.jwk import JwkDidResolver
from passport.did.key import KeyDidResolver, did_key_from_public_key
from passport.did.resolver import CachingResolver
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock

SAMPLE = Path(__file__).resolve().parents[3] / "issuer_service" / "sample_data"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def make_ctx(clock: FixedClock, **overrides: Any) -> domain.IssuerContext:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    args: dict[str, Any] = {
        "issuer_did": did,
        "verification_method": f"{did}#{did.split(':')[2]}",
        "signing_key": key,
        "credential_issuer": "https://bank.example",
        "bank_name": "Bank of Formosa",
        "units_per_usd": {"TWD": Decimal("32.5"), "USD": Decimal(1)},
        "data_key": secrets.token_bytes(32),
        "clock": clock,
    }
    args.update(overrides)
    return domain.IssuerContext(**args)


@pytest.fixture
def ctx(clock: FixedClock) -> domain.IssuerContext:
    return make_ctx(clock)


@pytest.fixture
def make_context(clock: FixedClock) -> Callable[..., domain.IssuerContext]:
    """``make_context(**overrides)``: another issuer context on ``clock`` (a new key)."""
    return lambda **overrides: make_ctx(clock, **overrides)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "issuer.db"


@pytest.fixture
def db(db_path: Path, ctx: domain.IssuerContext) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{db_path}")
    domain.ensure_status_lists(database, ctx)
    yield database
    database.dispose()


@pytest.fixture
def loaded(db: Database, ctx: domain.IssuerContext) -> Database:
    import_customers(db, ctx, load_customer_file(SAMPLE / "customers.json"))
    return db


@pytest.fixture
def holder() -> PrivateKey:
    return PrivateKey.generate(KeyType.ED25519)


@pytest.fixture
def holder_did(holder: PrivateKey) -> str:
    return did_key_from_public_key(holder.public_key)


@pytest.fixture
def resolver(clock: FixedClock) -> CachingResolver:
    return CachingResolver(
        methods={"key": KeyDidResolver(), "jwk": JwkDidResolver()}, clock=clock, ttl=60
    )
