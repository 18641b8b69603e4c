"""A local anvil node (Foundry) for everything that spans processes.

``up`` starts anvil detached, listening on ``host:port``, with ``--state <state_dir>/state.json``
so the chain (accounts, contract code and storage, blocks and logs) survives a restart: anvil
loads the file when it starts, dumps it every ``state_interval`` seconds and when it is
stopped with SIGTERM (``down``). The state directory also holds:

* ``anvil.pid``: the process id (so ``kill $(cat anvil.pid)`` works too);
* ``anvil.json``: ``{"pid", "host", "port", "chain_id", "url", "binary"}`` for ``status``;
* ``anvil.log``: anvil's output, whose tail is quoted when it fails to start.

The binary is looked up by ``find_anvil``: an explicit path, else ``anvil`` on PATH, else the
npm package the set-up installs (``node_modules/@foundry-rs/anvil-<platform>/bin/anvil`` in
the repository this package lives in).

Error codes (ConfigurationError): ``anvil_not_found`` (no binary; install hint),
``anvil_start_failed`` (it exited or did not answer in time; the log's tail is in the
message), ``anvil_already_running`` (``up`` on a state directory whose anvil is running).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passport.errors import ConfigurationError

__all__ = [
    "DEFAULT_CHAIN_ID",
    "DEFAULT_PORT",
    "DEFAULT_STATE_DIR",
    "NodeStatus",
    "down",
    "find_anvil",
    "status",
    "up",
]

DEFAULT_PORT = 8545
DEFAULT_CHAIN_ID = 31337
DEFAULT_STATE_DIR = Path(".passport") / "anvil"
"""Relative to the working directory of the CLI that starts the node."""

_INSTALL_HINT = (
    "Install it with `./run setup` (or `npm install` in the repository, which fetches "
    "@foundry-rs/anvil), or put Foundry's `anvil` on PATH (https://getfoundry.sh)."
)
_REPO_ROOT = Path(__file__).resolve().parent.parent.parent
# Popen objects of the nodes this process started: kept so they are reaped, not garbage
# collected while running (which would warn) and so ``down`` can wait on its own child.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class NodeStatus:
    """What ``status`` (and ``up``) report about the node of one state directory."""

    running: bool
    state_dir: Path
    pid: int | None = None
    host: str | None = None
    port: int | None = None
    url: str | None = None
    chain_id: int | None = None
    block_number: int | None = None
    answering: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "answering": self.answering,
            "state_dir": str(self.state_dir),
            "pid": self.pid,
            "host": self.host,
            "port": self.port,
            "url": self.url,
            "chain_id": self.chain_id,
            "block_number": self.block_number,
        }


def _platform_package() -> str:
    """The suffix of the npm package ``@foundry-rs/anvil-<platform>`` for this machine."""
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, "")
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{system}-{arch}"


def find_anvil(explicit: Path | str | None = None) -> Path:
    """The anvil binary: ``explicit`` if given, else ``anvil`` on PATH, else the npm-packaged
    binary in ``<repo>/node_modules/@foundry-rs/anvil-<platform>/bin/``.

    Raises ConfigurationError ``anvil_not_found`` with an install hint.
    """
    if explicit is not None:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise ConfigurationError(
            "anvil_not_found",
            f"{path} is not an executable anvil binary. {_INSTALL_HINT}",
            details={"path": str(path)},
        )
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    name = "anvil.exe" if sys.platform == "win32" else "anvil"
    candidate = (
        _REPO_ROOT / "node_modules" / "@foundry-rs" / f"anvil-{_platform_package()}" / "bin" / name
    )
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    raise ConfigurationError(
        "anvil_not_found",
        f"anvil was found neither on PATH nor at {candidate}. {_INSTALL_HINT}",
        details={"looked_at": ["PATH", str(candidate)]},
    )


def _rpc(url: str, method: str, timeout: float = 2.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())["result"]


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie child of ours is reaped and counts as
    dead)."""
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's: not our node
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # the pid may have been reused by another program
        with contextlib.suppress(OSError):
            return b"anvil" in cmdline.read_bytes()
    return True


def _files(state_dir: Path) -> tuple[Path, Path, Path, Path]:
    return (
        state_dir / "anvil.pid",
        state_dir / "anvil.json",
        state_dir / "anvil.log",
        state_dir / "state.json",
    )


def _read_info(state_dir: Path) -> dict[str, Any] | None:
    pid_file, info_file, _, _ = _files(state_dir)
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        pid = int(pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    info["pid"] = pid
    return info


def _forget(state_dir: Path) -> None:
    pid_file, info_file, _, _ = _files(state_dir)
    pid_file.unlink(missing_ok=True)
    info_file.unlink(missing_ok=True)


def status(state_dir: Path | str = DEFAULT_STATE_DIR) -> NodeStatus:
    """Report on the node started with ``state_dir``: running? pid, port, chain id and block
    number (the last two only when it answers JSON-RPC). Never raises for a stopped node."""
    state_dir = Path(state_dir)
    info = _read_info(state_dir)
    if info is None or not _alive(int(info["pid"])):
        return NodeStatus(running=False, state_dir=state_dir)
    url = str(info.get("url"))
    chain_id = block = None
    answering = False
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        chain_id = int(_rpc(url, "eth_chainId"), 16)
        block = int(_rpc(url, "eth_blockNumber"), 16)
        answering = True
    return NodeStatus(
        running=True,
        state_dir=state_dir,
        pid=int(info["pid"]),
        host=str(info.get("host")),
        port=int(info["port"]),
        url=url,
        chain_id=chain_id,
        block_number=block,
        answering=answering,
    )


def _log_tail(log_file: Path, lines: int = 20) -> str:
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.strip().splitlines()[-lines:]) or "(empty log)"


def up(
    port: int = DEFAULT_PORT,
    state_dir: Path | str = DEFAULT_STATE_DIR,
    host: str = "127.0.0.1",
    *,
    chain_id: int = DEFAULT_CHAIN_ID,
    anvil: Path | str | None = None,
    timeout: float = 30.0,
    state_interval: int = 10,
) -> NodeStatus:
    """Start anvil detached on ``host:port`` with its state in ``state_dir`` and wait until it
    answers ``eth_chainId``.

    The state of an earlier run in the same ``state_dir`` is loaded; ``chain_id`` applies to
    a fresh state. Returns the node's status.

    Raises ConfigurationError ``anvil_not_found``, ``anvil_already_running`` (a node of this
    ``state_dir`` is running), ``anvil_start_failed`` (the port is taken, anvil exited, or it
    did not answer within ``timeout`` seconds; the log's tail is in the message).
    """
    state_dir = Path(state_dir)
    binary = find_anvil(anvil)
    current = status(state_dir)
    if current.running:
        raise ConfigurationError(
            "anvil_already_running",
            f"anvil is already running for {state_dir} (pid {current.pid}, {current.url}); "
            "stop it with `passport chain down`, or use another --state directory.",
            details=current.as_dict(),
        )
    url = f"http://{host}:{port}"
    if not _port_free(host, port):
        # Checked first: another process answering on the port would pass the readiness
        # probe below while our anvil exits with "address already in use".
        raise ConfigurationError(
            "anvil_start_failed",
            f"Port {port} on {host} is already in use (another anvil, or another program); "
            "stop it, or choose another port with --port.",
            details={"url": url},
        )
    state_dir.mkdir(parents=True, exist_ok=True)
    _forget(state_dir)  # files left by a node that died
    pid_file, info_file, log_file, state_file = _files(state_dir)
    args = [
        str(binary),
        "--host",
        host,
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--state",
        str(state_file),
        "--state-interval",
        str(state_interval),
    ]
    with log_file.open("ab") as log:
        # A session of its own: the node outlives the CLI command that started it.
        child = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[child.pid] = child
    pid_file.write_text(f"{child.pid}\n", encoding="utf-8")
    info = {"host": host, "port": port, "chain_id": chain_id, "url": url, "binary": str(binary)}
    info_file.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")

    deadline = time.monotonic() + timeout
    while True:
        if child.poll() is not None:
            _forget(state_dir)
            _CHILDREN.pop(child.pid, None)
            raise _start_failed(f"anvil exited with status {child.returncode}", log_file, url)
        try:
            _rpc(url, "eth_chainId", timeout=1.0)
            break
        except (OSError, ValueError, KeyError):
            pass
        if time.monotonic() > deadline:
            _stop(child.pid, timeout=5.0)
            _forget(state_dir)
            raise _start_failed(f"anvil did not answer within {timeout:g} s", log_file, url)
        time.sleep(0.05)
    return status(state_dir)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # SO_REUSEADDR: connections of a node just stopped (TIME_WAIT) do not make the port
        # busy; a live listener still does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _start_failed(what: str, log_file: Path, url: str) -> ConfigurationError:
    tail = _log_tail(log_file)
    return ConfigurationError(
        "anvil_start_failed",
        f"{what} on {url}. The end of its log ({log_file}):\n{tail}",
        details={"url": url, "log": str(log_file), "log_tail": tail},
    )


def _stop(pid: int, timeout: float) -> None:
    """SIGTERM (anvil dumps its state), wait; SIGKILL if it does not exit in ``timeout``."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            child = _CHILDREN.get(pid)
            if child is not None:
                child.wait(timeout=5.0)
            break
        time.sleep(0.05)
    _CHILDREN.pop(pid, None)


def down(state_dir: Path | str = DEFAULT_STATE_DIR, *, timeout: float = 15.0) -> bool:
    """Stop the node of ``state_dir``: SIGTERM, and wait until it has exited (anvil writes
    its state on the way out). Removes the pid and info files. Returns False when no node
    was running (not an error)."""
    state_dir = Path(state_dir)
    info = _read_info(state_dir)
    if info is None:
        _forget(state_dir)
        return False
    pid = int(info["pid"])
    was_running = _alive(pid)
    if was_running:
        _stop(pid, timeout)
    _forget(state_dir)
    return was_running
