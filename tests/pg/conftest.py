"""A throwaway PostgreSQL cluster for the issuer's storage tests (marker ``e2e`` for now;
``pg`` once pyproject declares it).

* ``postgres_url`` (session): ``initdb`` into a fresh temporary directory (as the
  ``postgres`` system user when the tests run as root: initdb refuses root), ``pg_ctl start``
  listening on 127.0.0.1 on a free port with its unix socket in that directory, trust
  authentication (a test cluster, loopback only) and durability off (``fsync=off``: speed,
  nothing to keep), a database ``passport``; the value is
  ``postgresql+psycopg://postgres@127.0.0.1:PORT/passport``. The cluster is stopped and its
  directory removed afterwards. Missing server binaries FAIL the tests (they are part of
  the test environment, so a silent skip would hide a broken machine).
* ``pg_url``: a new empty database in that cluster for one test (dropped afterwards).
* ``pg_db``: ``Database.from_url(pg_url)`` (schema created) with the first status group
  open; ``pg_loaded``: ``pg_db`` with the sample customers imported.
* ``ctx``, ``make_context``, ``clock``, ``holder``, ``holder_did``, ``resolver``: as in
  ``tests/unit/issuer/conftest.py`` (its helpers are loaded from there, not copied).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
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

ISSUER_TESTS = Path(__file__).resolve().parents[1] / "unit" / "issuer"
_BINARIES = ("initdb", "pg_ctl", "postgres")
_SEARCH = ("/usr/local/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


def _unit(name: str) -> ModuleType:
    """``tests/unit/issuer/<name>.py`` under a private module name (those tests are not a
    package); ``test_issuer_postgres.py`` loads its helpers the same way."""
    module_name = f"_issuer_unit_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ISSUER_TESTS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


unit_conftest = _unit("conftest")  # NOW, SAMPLE, make_ctx


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in _SEARCH:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Cluster:
    """One PostgreSQL cluster in ``root`` (data, socket and log inside)."""

    def __init__(self, binaries: dict[str, str]) -> None:
        self.binaries = binaries
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="passport-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.root
        )

    def _check(self, done: subprocess.CompletedProcess[str], what: str) -> None:
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            pytest.fail(
                f"PostgreSQL test cluster: {what} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}\n{log}",
                pytrace=False,
            )

    def init(self) -> None:
        done = self.run(
            self.binaries["initdb"],
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        self._check(done, "initdb")

    def start(self) -> None:
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c max_connections=150",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c deadlock_timeout=200ms",
            ]
        )
        for _attempt in range(3):  # the free port may be taken meanwhile
            self.port = _free_port()
            done = self.run(
                self.binaries["pg_ctl"],
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "30",
                "-o",
                f"{options} -p {self.port}",
                "start",
            )
            if done.returncode == 0:
                return
        self._check(done, "pg_ctl start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            done = self.run(
                self.binaries["pg_ctl"], "-D", str(self.data), "-m", "fast", "-w", "stop"
            )
            if done.returncode != 0:  # pragma: no cover - last resort, our own postmaster
                self.run(self.binaries["pg_ctl"], "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.encode())

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[_Cluster]:
    binaries = {name: _binary(name) for name in _BINARIES}
    missing = sorted(name for name, path in binaries.items() if path is None)
    if missing:
        pytest.fail(
            f"PostgreSQL server binaries not found: {', '.join(missing)} (looked on PATH and "
            f"in {', '.join(_SEARCH)}). Install them (Debian: apt-get install postgresql-15) "
            "to run the PostgreSQL tests.",
            pytrace=False,
        )
    cluster = _Cluster({k: v for k, v in binaries.items() if v is not None})
    try:
        cluster.init()
        cluster.start()
        cluster.admin("CREATE DATABASE passport")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: _Cluster) -> str:
    """``postgresql+psycopg://postgres@127.0.0.1:PORT/passport`` of the session's cluster."""
    return postgres_cluster.url("passport")


_numbers = itertools.count(1)


@pytest.fixture
def pg_url(postgres_cluster: _Cluster) -> Iterator[str]:
    """A fresh empty database for one test."""
    name = f"t{os.getpid()}_{next(_numbers)}"
    postgres_cluster.admin(f"CREATE DATABASE {name} TEMPLATE template0")
    yield postgres_cluster.url(name)
    postgres_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(unit_conftest.NOW)


@pytest.fixture
def ctx(clock: FixedClock) -> domain.IssuerContext:
    made: domain.IssuerContext = unit_conftest.make_ctx(clock)
    return made


@pytest.fixture
def make_context(clock: FixedClock) -> Callable[..., domain.IssuerContext]:
    """``make_context(**overrides)``: another issuer context on ``clock`` (a new key)."""

    def make(**overrides: Any) -> domain.IssuerContext:
        made: domain.IssuerContext = unit_conftest.make_ctx(clock, **overrides)
        return made

    return make


@pytest.fixture
def pg_db(pg_url: str, ctx: domain.IssuerContext) -> Iterator[Database]:
    database = Database.from_url(pg_url)
    assert database.dialect == "postgresql"
    domain.ensure_status_lists(database, ctx)
    yield database
    database.dispose()


@pytest.fixture
def pg_loaded(pg_db: Database, ctx: domain.IssuerContext) -> Database:
    import_customers(pg_db, ctx, load_customer_file(unit_conftest.SAMPLE / "customers.json"))
    return pg_db


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
