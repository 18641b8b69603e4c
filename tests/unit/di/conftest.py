"""Fixtures for the Data Integrity tests: the spec's key pair and vectors, test keys."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from di_helpers import VECTORS, KeyResolver

from passport.keys import KeyType, PrivateKey


@pytest.fixture
def resolver() -> KeyResolver:
    return KeyResolver()


@pytest.fixture(scope="session")
def spec_key() -> PrivateKey:
    text = (VECTORS / "key-pair.txt").read_text()
    secret = re.search(r'secretKeyMultibase:\s*"([^"]+)"', text)
    assert secret is not None
    return PrivateKey.from_multikey(secret.group(1))


@pytest.fixture(scope="session")
def spec_public_multikey() -> str:
    text = (VECTORS / "key-pair.txt").read_text()
    public = re.search(r'publicKeyMultibase:\s*"([^"]+)"', text)
    assert public is not None
    return public.group(1)


@pytest.fixture
def vector() -> Callable[[str, str], Any]:
    def load(case: str, name: str) -> Any:
        path = VECTORS / case / name
        return json.loads(path.read_text()) if name.endswith(".json") else path.read_text()

    return load


@pytest.fixture(scope="session")
def issuer_key() -> PrivateKey:
    return PrivateKey(KeyType.ED25519, bytes(range(32)))


@pytest.fixture(scope="session")
def holder_key() -> PrivateKey:
    return PrivateKey(KeyType.ED25519, bytes(range(1, 33)))
