"""Fixtures for the offline QR tests: ``world`` (see ``offline_world``), ``p256_world``,
``no_network`` (every socket connection attempt fails)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from offline_world import World, make_snapshot

from passport.keys import KeyType, PrivateKey


@pytest.fixture
def world() -> World:
    bank_key = PrivateKey.generate()
    holder_key = PrivateKey.generate()
    w = World(bank_key, holder_key, make_snapshot(bank_key), None)  # type: ignore[arg-type]
    w.credential = w.issue()
    return w


@pytest.fixture
def p256_world(world: World) -> World:
    w = replace(world, holder_key=PrivateKey.generate(KeyType.P256))
    w.credential = w.issue()
    return w


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every socket connection attempt fails (and is recorded)."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network is cut in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    yield attempts
