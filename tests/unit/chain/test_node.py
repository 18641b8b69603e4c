"""Finding and supervising anvil (passport/chain/node.py) with stand-in programs; the real
anvil is exercised in tests/e2e/test_anvil_chain.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from passport.chain import node
from passport.errors import ConfigurationError


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}\n")
    path.chmod(0o755)
    return path


def test_explicit_binary(tmp_path: Path) -> None:
    fake = _script(tmp_path / "my-anvil", "")
    assert node.find_anvil(fake) == fake
    assert node.find_anvil(str(fake)) == fake


def test_explicit_binary_missing_or_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "anvil"
    plain.write_text("not a program")
    for path in (tmp_path / "nowhere", plain):
        with pytest.raises(ConfigurationError) as caught:
            node.find_anvil(path)
        assert caught.value.code == "anvil_not_found"
        assert "npm install" in caught.value.message


def test_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _script(tmp_path / "bin" / "anvil", "")
    monkeypatch.setenv("PATH", str(fake.parent))
    assert node.find_anvil() == fake


def test_npm_package_in_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(node, "_REPO_ROOT", tmp_path)
    package = f"anvil-{node._platform_package()}"
    fake = _script(tmp_path / "node_modules" / "@foundry-rs" / package / "bin" / "anvil", "")
    assert node.find_anvil() == fake


def test_anvil_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(node, "_REPO_ROOT", tmp_path)
    with pytest.raises(ConfigurationError) as caught:
        node.find_anvil()
    assert caught.value.code == "anvil_not_found"
    assert "./run setup" in caught.value.message
    with pytest.raises(ConfigurationError) as caught:
        node.up(port=1, state_dir=tmp_path / "state")
    assert caught.value.code == "anvil_not_found"


def test_the_repository_anvil_is_found_from_the_package_location(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = (
        Path(__file__).resolve().parents[3]
        / "node_modules/@foundry-rs"
        / f"anvil-{node._platform_package()}/bin/anvil"
    )
    assert expected.exists(), f"{expected} is missing: run ./run setup (npm ci installs anvil)"
    monkeypatch.setenv("PATH", "")
    assert node.find_anvil() == expected


def test_start_failure_quotes_the_log(tmp_path: Path) -> None:
    fake = _script(
        tmp_path / "anvil",
        "import sys; print('Error: address already in use'); sys.exit(3)",
    )
    state_dir = tmp_path / "state"
    with pytest.raises(ConfigurationError) as caught:
        node.up(port=1, state_dir=state_dir, anvil=fake, timeout=10)
    err = caught.value
    assert err.code == "anvil_start_failed"
    assert "address already in use" in err.message
    assert "status 3" in err.message
    assert not (state_dir / "anvil.pid").exists()
    assert not node.status(state_dir).running


def test_start_timeout_stops_the_process(tmp_path: Path) -> None:
    pid_seen = tmp_path / "pid"
    fake = _script(
        tmp_path / "anvil",
        f"import os, time; open({str(pid_seen)!r}, 'w').write(str(os.getpid())); time.sleep(60)",
    )
    port = _free_port()
    with pytest.raises(ConfigurationError) as caught:
        node.up(port=port, state_dir=tmp_path / "state", anvil=fake, timeout=0.5)
    assert caught.value.code == "anvil_start_failed"
    assert "did not answer" in caught.value.message
    pid = int(pid_seen.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_status_and_down_of_a_stopped_node(tmp_path: Path) -> None:
    state = node.status(tmp_path)
    assert state.running is False
    assert state.as_dict()["pid"] is None
    assert node.down(tmp_path) is False


def test_stale_pid_file_is_not_running(tmp_path: Path) -> None:
    (tmp_path / "anvil.pid").write_text("999999999\n")  # no such process
    (tmp_path / "anvil.json").write_text('{"host": "127.0.0.1", "port": 1, "url": "x"}')
    assert node.status(tmp_path).running is False
    assert node.down(tmp_path) is False
    assert not (tmp_path / "anvil.pid").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
