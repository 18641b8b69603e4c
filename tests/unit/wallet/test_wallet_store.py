"""The encrypted wallet store: sealed at rest, atomic, locked, a wrong passphrase touches
nothing, a damaged file keeps the last good copy, backups restore everything."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from passport.errors import ConfigurationError, MalformedError
from passport.keystore import FAST_INSECURE_PARAMS, INTERACTIVE_PARAMS
from passport.wallet.model import AuthenticatorRecord, HistoryEntry, WalletState, new_wallet
from passport.wallet.store import WalletStore, export_backup, read_backup

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _store(tmp_path: Path) -> WalletStore:
    return WalletStore(tmp_path / "w", FAST_INSECURE_PARAMS)


def _state() -> WalletState:
    state = new_wallet(NOW)
    state = state.with_authenticator(
        AuthenticatorRecord("software", "cid", "bank.example", None, {"k": "v"})
    )
    return state.with_history(
        HistoryEntry(NOW.isoformat(), "redirect_uri:https://v", None, "refused", (), None, None)
    )


def test_create_load_roundtrip_mode_and_no_plaintext(tmp_path: Path) -> None:
    st = _store(tmp_path)
    state = _state()
    st.create(state, "pass phrase")
    loaded = st.load("pass phrase")
    assert loaded.did == state.did and loaded.to_dict() == state.to_dict()
    assert stat.S_IMODE(st.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(st.directory.stat().st_mode) == 0o700
    raw = st.path.read_bytes()
    assert state.holder_key.to_jwk()["d"].encode() not in raw and b"cid" not in raw


def test_wrong_passphrase_is_clear_and_touches_nothing(tmp_path: Path) -> None:
    st = _store(tmp_path)
    st.create(_state(), "right")
    before = st.path.read_bytes()
    with pytest.raises(ConfigurationError) as err:
        st.load("wrong")
    assert err.value.code == "wallet_passphrase_wrong"
    assert st.path.read_bytes() == before and not st.backup_path.exists()


def test_create_refuses_an_existing_wallet(tmp_path: Path) -> None:
    st = _store(tmp_path)
    st.create(_state(), "p")
    before = st.path.read_bytes()
    with pytest.raises(ConfigurationError) as err:
        st.create(new_wallet(NOW), "p")
    assert err.value.code == "wallet_exists" and st.path.read_bytes() == before


def test_save_keeps_the_last_good_copy_and_the_kdf_cost(tmp_path: Path) -> None:
    st = WalletStore(tmp_path / "w", INTERACTIVE_PARAMS)
    first = _state()
    st.create(first, "p")
    fast = WalletStore(st.directory, FAST_INSECURE_PARAMS)
    second = first.with_history(
        HistoryEntry(NOW.isoformat(), "x", None, "sent", (), "direct_post", {"ok": True})
    )
    fast.save(second, "p")
    assert len(fast.load("p").history) == 2
    assert json.loads(st.path.read_bytes())["kdf"]["memlimit"] == INTERACTIVE_PARAMS.memlimit
    assert len(WalletState.from_dict(_unseal(st.backup_path)).history) == 1


def _unseal(path: Path) -> dict[str, object]:
    from passport.keystore import unseal

    return unseal(path.read_bytes(), "p")


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_file_is_reported_and_the_backup_kept(tmp_path: Path, damage: str) -> None:
    st = _store(tmp_path)
    st.create(_state(), "p")
    st.save(_state(), "p")  # now there is a last good copy
    good_backup = st.backup_path.read_bytes()
    raw = bytearray(st.path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        doc = json.loads(raw)
        ct = doc["ciphertext"]
        doc["ciphertext"] = ("A" if ct[5] != "A" else "B").join([ct[:5], ct[6:]])
        raw = bytearray(json.dumps(doc).encode())
    st.path.write_bytes(bytes(raw))
    with pytest.raises(MalformedError) as err:
        st.load("p")
    assert err.value.code == "wallet_damaged"
    assert str(st.backup_path) in err.value.message
    assert st.backup_path.read_bytes() == good_backup
    # the last good copy still opens, and copying it back restores the wallet
    st.path.write_bytes(good_backup)
    assert st.load("p").did == WalletState.from_dict(_unseal(st.backup_path)).did


def test_missing_wallet(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        _store(tmp_path).load("p")
    assert err.value.code == "wallet_not_found"


def _hold_lock(directory: str, ready: object, release: object) -> None:
    st = WalletStore(Path(directory), FAST_INSECURE_PARAMS)
    with st.locked():
        ready.set()  # type: ignore[attr-defined]
        release.wait(10)  # type: ignore[attr-defined]


def test_a_second_run_waits_for_the_lock_then_gives_up(tmp_path: Path) -> None:
    st = _store(tmp_path)
    st.create(_state(), "p")
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(st.directory), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(ConfigurationError) as err, st.locked(timeout=0.3):
            pass
        assert err.value.code == "wallet_busy"
    finally:
        release.set()
        holder.join(10)
    with st.locked(timeout=5):
        pass


def test_backup_roundtrip_wrong_passphrase_and_not_a_backup(tmp_path: Path) -> None:
    state = _state()
    blob = export_backup(state, "p", FAST_INSECURE_PARAMS)
    restored = read_backup(blob, "p")
    assert restored.to_dict() == state.to_dict()
    with pytest.raises(ConfigurationError) as err:
        read_backup(blob, "nope")
    assert err.value.code == "wallet_passphrase_wrong"
    from passport.keystore import seal

    with pytest.raises(MalformedError) as bad:
        read_backup(seal({"something": "else"}, "p", params=FAST_INSECURE_PARAMS), "p")
    assert bad.value.code == "backup_invalid"
    with pytest.raises(MalformedError):
        read_backup(b"garbage", "p")


def test_killed_mid_write_leaves_the_committed_state(tmp_path: Path) -> None:
    """A crash between the temporary file and the rename leaves the old file intact."""
    st = _store(tmp_path)
    st.create(_state(), "p")
    before = st.path.read_bytes()
    pid = os.fork()
    if pid == 0:  # the child dies inside write_atomic, after writing the temporary file
        import passport.keystore as ks

        def die(*_args: object) -> None:
            os._exit(9)

        ks.os.replace = die  # type: ignore[assignment]
        st.save(new_wallet(NOW), "p")
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 9
    assert st.path.read_bytes() == before
    assert st.load("p").did == _unseal_did(before)


def _unseal_did(blob: bytes) -> str:
    from passport.keystore import unseal

    return WalletState.from_dict(unseal(blob, "p")).did
