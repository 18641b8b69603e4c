"""Every command of the README's role guides, run in story order with real processes.

The guides are the fenced ``bash`` blocks of README.md each preceded by a marker line::

    <!-- guide: ROLE STEP -->

ROLE is ``regulator``, ``bank``, ``citizen`` or ``foreign``; STEP numbers the story (1, 2, 3 ...,
each once), so the four role guides can interleave: the citizen's wallet receives what the
bank's step offered. The test runs the steps in that order, every command as a subprocess in a
temporary directory (the README's "working directory"), and fails when a command exits non-zero,
names a program other than the four CLIs, or when a ``bash`` block of the guides has no marker.

How a block is read, as a shell would: ``\\`` continues a line; ``#`` starts a comment;
``export NAME=VALUE`` sets the environment of the later commands; a trailing ``&`` starts a
server in the background, and the test waits for ``http://127.0.0.1:PORT/health`` (PORT from
its ``--port``). The substitutions, all of them:

- the ports 8545 (anvil), 8000 (issuer) and 8100 (verifier) become free ports, so that the test
  can run next to anything else;
- ``~`` is the temporary directory's ``home/`` (``$HOME`` of every command);
- ``issuer_service/`` and ``verifier_service/`` (the sample customers and the policies) are
  symlinks to the repository's folders;
- ``<NAME>`` placeholders are values a reader copies from an earlier command's output:
  ``CAPTURES`` says which output and which pattern; an unknown or not yet captured
  placeholder fails the test.

``EXPECT`` names what some steps must print (the decisions), so a story that runs but tells
something else fails too.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
PROGRAMS = ("passport", "issuer", "verifier", "wallet")
ROLES = ("regulator", "bank", "citizen", "foreign")
PORTS = ("8545", "8000", "8100")
MARKER = re.compile(r"^<!-- guide: (\w+) (\d+) -->\s*$")
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")

# placeholder -> (the command that prints it: program and leading words, pattern with one group)
CAPTURES: dict[str, tuple[str, str]] = {
    "BANK_DID": ("issuer init", r"\((did:ethr:0x[0-9a-f]+:0x[0-9a-fA-F]{40})\)"),
    "FIDO_PIN": ("issuer offer TW-0001 --type fido", r"tx_code\s+(\d+)"),
    "KYC_PIN": ("issuer offer TW-0001 --type kyc", r"tx_code\s+(\d+)"),
    "STATEMENT_PIN": ("issuer offer TW-0001 --type bank-statement", r"tx_code\s+(\d+)"),
    "OFFLINE_PIN": ("issuer offer TW-0001 --type offline-bank-statement", r"tx_code\s+(\d+)"),
    "STATEMENT_ID": (
        "issuer audit",
        r"credential_issued\s+credential:(urn:uuid:[0-9a-f-]+)\s+TW-0001 BankStatementCredential\b",
    ),
    "SESSION_ID": ("verifier request", r"session\s+([0-9a-f]{32})"),
}

# step -> texts its output must hold
EXPECT: dict[int, tuple[str, ...]] = {
    7: ('"status": "approved"',),
    8: ("APPROVED", "intact"),
    10: ("status   verified",),
    13: ('"status": "rejected"', '"revoked"'),
    14: ("suspended",),
}


@dataclass
class Block:
    role: str
    step: int
    line: int
    commands: list[str] = field(default_factory=list)


def guide_blocks(text: str) -> list[Block]:
    """The marked blocks; an unmarked ``bash`` block inside the "Guides" section is an error."""
    lines = text.splitlines()
    blocks: list[Block] = []
    in_guides = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            in_guides = line.strip() == "## Guides"
        marker = MARKER.match(line)
        if marker or (in_guides and line.strip() == "```bash"):
            if not marker:
                raise AssertionError(f"README.md:{i + 1}: a bash block of the guides has no marker")
            assert lines[i + 1].strip() == "```bash", f"README.md:{i + 2}: the marker's block"
            block = Block(marker.group(1), int(marker.group(2)), i + 1)
            i += 2
            pending = ""
            while lines[i].strip() != "```":
                part = lines[i]
                if part.rstrip().endswith("\\"):
                    pending += part.rstrip()[:-1] + " "
                else:
                    command = (pending + part).strip()
                    pending = ""
                    if command and not command.startswith("#"):
                        block.commands.append(command)
                i += 1
            blocks.append(block)
        i += 1
    return blocks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    for _ in range(400):
        if server.poll() is not None:
            raise AssertionError(f"{url}: the server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


class Shell:
    """Runs guide commands as the README's reader would, with the substitutions above."""

    def __init__(self, workdir: Path) -> None:
        self.cwd = workdir
        self.home = workdir / "home"
        self.home.mkdir()
        self.ports = {port: str(_free_port()) for port in PORTS}
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "COLUMNS": "200",  # rich tables stay on one line, as the patterns expect
            "WALLET_LANG": "en",
        }
        self.captured: dict[str, str] = {}
        self.servers: list[tuple[subprocess.Popen[bytes], Path]] = []

    def substitute(self, command: str, where: str) -> list[str]:
        for port, free in self.ports.items():
            command = re.sub(rf"(?<![\d.]){port}(?!\d)", free, command)

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in CAPTURES, f"{where}: unknown placeholder <{name}>"
            assert name in self.captured, f"{where}: <{name}> is not printed by an earlier step"
            return self.captured[name]

        command = PLACEHOLDER.sub(value, command)
        words = shlex.split(command, comments=True)
        return [str(self.home) + w[1:] if w == "~" or w.startswith("~/") else w for w in words]

    def run(self, command: str, where: str) -> str:
        words = self.substitute(command, where)
        background = words[-1] == "&"
        if background:
            words = words[:-1]
        if words[0] == "export":
            for assignment in words[1:]:
                name, sep, val = assignment.partition("=")
                assert sep, f"{where}: export NAME=VALUE"
                if val.startswith("~/"):
                    val = str(self.home) + val[1:]
                self.env[name] = val
            return ""
        assert words[0] in PROGRAMS, f"{where}: {words[0]!r} is none of {', '.join(PROGRAMS)}"
        argv = [str(BIN / words[0]), *words[1:]]
        if background:
            return self._serve(argv, words, where)
        proc = subprocess.run(
            argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=300
        )
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"{where}: `{command}` exit {proc.returncode}:\n{output}"
        assert "Traceback" not in output, f"{where}: {output}"
        self._capture(" ".join(words), output)
        return output

    def _serve(self, argv: list[str], words: list[str], where: str) -> str:
        assert "--port" in words, f"{where}: a background server needs --port"
        port = words[words.index("--port") + 1]
        log = self.cwd / f"{words[0]}-{port}.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                argv, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.servers.append((server, log))
        _wait_healthy(f"http://127.0.0.1:{port}/health", server, log)
        return ""

    def _capture(self, command: str, output: str) -> None:
        for name, (prefix, pattern) in CAPTURES.items():
            words = prefix.split()
            given = command.split()
            # the program and its command first; the other words anywhere after them
            if given[:2] == words[:2] and all(w in given[2:] for w in words[2:]):
                found = re.findall(pattern, output)
                if found:
                    self.captured[name] = found[0]

    def stop(self) -> list[str]:
        logs = []
        for server, log in self.servers:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            logs.append(log.read_text(errors="replace"))
        return logs


def test_the_guides_are_marked_and_tell_the_story_in_order() -> None:
    blocks = guide_blocks(README.read_text(encoding="utf-8"))
    steps = sorted(b.step for b in blocks)
    assert steps == list(range(1, len(blocks) + 1)), steps
    assert {b.role for b in blocks} == set(ROLES), [b.role for b in blocks]
    assert all(b.commands for b in blocks)
    assert set(EXPECT) <= set(steps)


def test_every_guide_command_runs(tmp_path: Path) -> None:
    blocks = sorted(guide_blocks(README.read_text(encoding="utf-8")), key=lambda b: b.step)
    for folder in ("issuer_service", "verifier_service"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    shell = Shell(tmp_path)
    try:
        for block in blocks:
            printed = ""
            for number, command in enumerate(block.commands, 1):
                where = f"README.md:{block.line} step {block.step} ({block.role}) #{number}"
                printed += shell.run(command, where)
            for text in EXPECT.get(block.step, ()):
                assert text in printed, f"step {block.step}: {text!r} not printed:\n{printed}"
    finally:
        logs = shell.stop()
        subprocess.run(
            [str(BIN / "passport"), "chain", "down"],
            cwd=tmp_path, env=shell.env, capture_output=True, timeout=60,
        )  # fmt: skip
    for log in logs:
        assert "Traceback" not in log, log[-3000:]


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        ("pasport chain status", "is none of"),  # a typo in the program
        ("passport chain staus", "exit 2"),  # in a command
        ("passport chain status --stat x", "exit 2"),  # in a flag
        ("passport chain status", "exit 1"),  # a command that fails (no chain is running)
        ("wallet receive --pin <KYC_PN>", "unknown placeholder <KYC_PN>"),
        ("wallet receive --pin <KYC_PIN>", "<KYC_PIN> is not printed by an earlier step"),
        ("issuer serve --config bank/ &", "needs --port"),
    ],
)
def test_a_command_a_reader_could_not_run_fails_the_guides(
    tmp_path: Path, command: str, refusal: str
) -> None:
    shell = Shell(tmp_path)
    with pytest.raises(AssertionError, match=re.escape(refusal)):
        shell.run(command, "README.md:1")
    assert shell.stop() == []


def test_the_runner_substitutes_ports_home_and_captures(tmp_path: Path) -> None:
    shell = Shell(tmp_path)
    shell._capture("issuer offer TW-0001 --type kyc --config bank/", "tx_code  123456   (send")
    words = shell.substitute(
        "wallet --wallet ~/w receive --pin <KYC_PIN> --base-url http://127.0.0.1:8000 # note", "x"
    )
    assert words == [
        "wallet", "--wallet", f"{shell.home}/w", "receive", "--pin", "123456",
        "--base-url", f"http://127.0.0.1:{shell.ports['8000']}",
    ]  # fmt: skip
    assert shell.ports["8000"] != "8000"
