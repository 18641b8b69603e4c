"""The demo with real processes (``./run demo --processes``, ``passport demo --processes``).

The same story as ``embedded``, told by the project's own commands: the regulator starts anvil
(``passport chain up``) and deploys the registries; the Taiwanese bank is ``issuer init``,
``issuer serve`` on 127.0.0.1; the bank in Singapore is ``verifier init``, ``verifier serve``;
each citizen is a ``wallet`` CLI store, run as a subprocess (its own narration, in the demo's
language, is what the citizen sees). Ports are free ones, every directory is temporary, and
every process is stopped at the end, on a failure or on Ctrl-C too.

Error handling: a command that fails stops the story with its stderr (``DemoFailed``).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from rich.text import Text

from passport_cli.demo.narration import (
    CUSTOMERS,
    POLICY,
    POOR_CITIZEN,
    RICH_CITIZEN,
    THIRD_CITIZEN,
    TYPES,
    Narrator,
    console,
    kept_table,
    report_table,
)

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


class DemoFailed(Exception):
    """A command of the story failed; its message says which and why."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Processes:
    """Everything the demo started: the servers (stopped with SIGINT, then killed) and anvil
    (``passport chain down``)."""

    work: Path
    servers: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    anvil_state: Path | None = None

    def run(
        self, tool: str, *args: str, env: dict[str, str], check: bool = True,
        capture: bool = True,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        shown = " ".join(a if len(a) < 60 else a[:57] + "..." for a in args)
        console.print(f"[dim]$ {tool} {shown}[/]")
        sys.stdout.flush()
        proc = subprocess.run(
            [str(BIN / tool), *args], env=env, text=True, timeout=300,
            capture_output=capture, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise DemoFailed(f"{tool} {shown} exited {proc.returncode}: {proc.stderr or ''}")
        return proc

    def json(self, tool: str, *args: str, env: dict[str, str]) -> Any:
        return json.loads(self.run(tool, *args, "--json", env=env).stdout)

    def serve(
        self, name: str, tool: str, args: list[str], env: dict[str, str], base_url: str
    ) -> subprocess.Popen[bytes]:
        log = self.work / f"{name}.log"
        console.print(f"[dim]$ {tool} serve {' '.join(args)}[/]")
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(BIN / tool), "serve", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        self.servers.append((name, process))
        deadline = time.monotonic() + 90
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise DemoFailed(f"{tool} serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        return process

    def close(self) -> None:
        for _, process in reversed(self.servers):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for _, process in reversed(self.servers):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.servers.clear()
        if self.anvil_state is not None:
            from passport.chain import node

            node.down(self.anvil_state)
            self.anvil_state = None


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def started(work: Path) -> Iterator[Processes]:
    procs = Processes(work)
    try:
        yield procs
    finally:
        procs.close()


# --- the parties ------------------------------------------------------------------------------


@dataclass
class Bank:
    did: str
    env: dict[str, str]
    base_url: str

    def drained(self) -> bool:
        status = json.loads(
            subprocess.run(
                [str(BIN / "issuer"), "status", "--json"], env=self.env, capture_output=True,
                text=True, timeout=120, check=True,
            ).stdout
        )  # fmt: skip
        return not status["chain_jobs_pending"] and not status["credentials"]["unanchored"]

    def wait_anchored(self, procs: Processes, narrator: Narrator) -> None:
        console.print(f"[dim]{narrator.word('waiting')}[/]")
        deadline = time.monotonic() + 120
        while not self.drained():
            if time.monotonic() > deadline:
                raise DemoFailed("the bank's chain jobs are still pending after two minutes")
            time.sleep(0.5)


@dataclass
class Verifier:
    env: dict[str, str]
    base_url: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def request(self) -> dict[str, Any]:
        created = httpx.post(f"{self.base_url}/api/requests", json={}, headers=self.headers)
        created.raise_for_status()
        body: dict[str, Any] = created.json()
        return body

    def session(self, session_id: str) -> dict[str, Any]:
        view = httpx.get(f"{self.base_url}/api/sessions/{session_id}", headers=self.headers)
        view.raise_for_status()
        body: dict[str, Any] = view.json()
        return body


@dataclass
class Citizen:
    directory: Path
    deployment: Path
    lang: str
    did: str = ""
    passphrase: str = field(default_factory=lambda: secrets.token_urlsafe(12), repr=False)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "WALLET_PASSPHRASE": self.passphrase, "WALLET_KDF": "interactive"}

    def args(self, *args: str) -> list[str]:
        return ["--wallet", str(self.directory), "--deployment", str(self.deployment),
                "--lang", self.lang, *args]  # fmt: skip


def _environment(**values: str) -> dict[str, str]:
    return {**os.environ, **values}


# --- the story --------------------------------------------------------------------------------


def new_citizen(procs: Processes, work: Path, name: str, deployment: Path, lang: str) -> Citizen:
    citizen = Citizen(work / name, deployment, lang)
    citizen.did = str(procs.json("wallet", *citizen.args("init"), env=citizen.env)["did"])
    return citizen


def onboard_with_bank(
    procs: Processes, bank: Bank, citizen: Citizen, customer: str, narrator: Narrator
) -> None:
    """The bank's offers (QR PNGs and tx_codes), scanned by the citizen's wallet: the FIDO
    enrollment first, then KYC and the bank statement."""
    for kind in ("fido", "kyc", "bank-statement"):
        png = narrator.out / f"offer-{customer}-{kind}.png"
        offer = procs.json("issuer", "offer", customer, "--type", kind, "--png", str(png),
                           env=bank.env)  # fmt: skip
        console.print(f"[dim]offer {offer['uri'][:70]}...  tx_code {offer['tx_code']}[/]")
        command = ("fido", "enroll") if kind == "fido" else ("receive",)
        procs.run("wallet", *citizen.args(*command, "--qr", str(png), "--pin", offer["tx_code"]),
                  env=citizen.env, capture=False)  # fmt: skip
    bank.wait_anchored(procs, narrator)


def present(procs: Processes, citizen: Citizen, png: Path) -> None:
    """``wallet present --qr``: the wallet shows what it will disclose; the citizen consents."""
    procs.run("wallet", *citizen.args("present", "--qr", str(png), "--yes"),
              env=citizen.env, check=False, capture=False)  # fmt: skip


def attempt(
    procs: Processes, verifier: Verifier, citizen: Citizen, narrator: Narrator, name: str
) -> tuple[str, dict[str, Any]]:
    created = verifier.request()
    png = narrator.out / f"{name}.png"
    _write_qr(created["uri"], png)
    present(procs, citizen, png)
    view = verifier.session(created["session_id"])
    return narrator.decision(view, view), view


def _write_qr(data: str, png: Path) -> None:
    import qrcode

    qrcode.make(data).save(str(png))


def _standing(procs: Processes, did: str, deployment: Path) -> str:
    shown = procs.json("passport", "registry", "show", did, "--deployment", str(deployment),
                       env=_environment())  # fmt: skip
    return ", ".join(f"{t}: {s}" for t, s in shown["status"].items() if t in TYPES)


def story(narrator: Narrator, work: Path) -> list[str]:
    decisions: list[str] = []
    with started(work) as procs:
        narrator.step()
        chain_port, bank_port, verifier_port = free_port(), free_port(), free_port()
        state = work / "anvil"
        procs.anvil_state = state
        up = procs.json("passport", "chain", "up", "--port", str(chain_port), "--state",
                        str(state), env=_environment())  # fmt: skip
        deployment = work / "deployment.json"
        deployed = procs.json("passport", "chain", "deploy", "--rpc", up["url"], "--out",
                              str(deployment), env=_environment())  # fmt: skip
        bank_url = f"http://{HOST}:{bank_port}"
        bank_env = _environment(ISSUER_CONFIG=str(work / "bank"),
                                ISSUER_PASSPHRASE=secrets.token_urlsafe(16))  # fmt: skip
        init = procs.json("issuer", "init", "--name", "Bank of Formosa", "--deployment",
                          str(deployment), "--base-url", bank_url, "--kdf", "interactive",
                          env=bank_env)  # fmt: skip
        bank = Bank(str(init["did"]), bank_env, bank_url)
        procs.json("passport", "registry", "accredit", bank.did, "--types", ",".join(TYPES),
                   "--jurisdiction", "TW", "--deployment", str(deployment),
                   env=_environment())  # fmt: skip
        procs.json("issuer", "import", str(CUSTOMERS), env=bank_env)
        procs.serve("issuer", "issuer", ["--port", str(bank_port), "--anchor-interval", "1",
                                         "--log-level", "warning"], bank_env, bank_url)  # fmt: skip
        table = Table(show_header=False)
        for contract, address in deployed["deployment"]["addresses"].items():
            table.add_row(contract, address)
        table.add_row("anvil", f"{up['url']} (pid {up['pid']})")
        table.add_row("issuer serve", bank_url)
        table.add_row("bank did:ethr", bank.did)
        table.add_row("accredited", f"{', '.join(TYPES)} · TW")
        table.add_row("standing", _standing(procs, bank.did, deployment))
        console.print(table)

        narrator.step()
        first = new_citizen(procs, work, "alice", deployment, narrator.lang)
        console.print(narrator.word("wallet", path=first.directory, did=first.did))
        narrator.step()
        onboard_with_bank(procs, bank, first, RICH_CITIZEN, narrator)

        narrator.step()
        verifier_url = f"http://{HOST}:{verifier_port}"
        verifier_env = _environment(VERIFIER_CONFIG=str(work / "verifier"),
                                    VERIFIER_PASSPHRASE=secrets.token_urlsafe(16))  # fmt: skip
        policy = work / "policy.toml"
        policy.write_text(POLICY)
        made = procs.json("verifier", "init", "--name", "Merlion Bank", "--deployment",
                          str(deployment), "--base-url", verifier_url, "--policy", str(policy),
                          "--kdf", "interactive", "--allow-loopback", env=verifier_env)  # fmt: skip
        _no_chain_cache(work / "verifier" / "verifier.json")
        procs.serve("verifier", "verifier", ["--port", str(verifier_port), "--log-level",
                                             "warning"], verifier_env, verifier_url)  # fmt: skip
        verifier = Verifier(verifier_env, verifier_url, str(made["api_key"]))
        console.print(Text(POLICY, style="dim"))
        created = verifier.request()
        png = narrator.qr("onboarding-request", created["uri"])

        narrator.step()
        console.print(narrator.word("scanned_proc", png=png.name))
        present(procs, first, png)

        narrator.step()
        view = verifier.session(created["session_id"])
        decisions.append(narrator.decision(view, view))
        report_table(narrator, view)
        kept_table(narrator, view)

        narrator.step()
        second = new_citizen(procs, work, "bob", deployment, narrator.lang)
        onboard_with_bank(procs, bank, second, POOR_CITIZEN, narrator)
        decisions.append(attempt(procs, verifier, second, narrator, "second")[0])

        narrator.step()
        statement = _issued_statement(procs, bank, RICH_CITIZEN)
        procs.json("issuer", "revoke", statement, "--reason", "account closed", env=bank.env)
        bank.wait_anchored(procs, narrator)
        console.print(narrator.word("revoked", id=statement))
        decisions.append(attempt(procs, verifier, first, narrator, "revoked")[0])

        narrator.step()
        third = new_citizen(procs, work, "carol", deployment, narrator.lang)
        onboard_with_bank(procs, bank, third, THIRD_CITIZEN, narrator)
        procs.json("passport", "registry", "suspend", bank.did, "--reason",
                   "supervisory review", "--deployment", str(deployment),
                   env=_environment())  # fmt: skip
        standing = _standing(procs, bank.did, deployment)
        console.print(narrator.word("standing", standing=standing))
        decisions.append(attempt(procs, verifier, third, narrator, "suspended")[0])
    return decisions


def _no_chain_cache(path: Path) -> None:
    """Every verification asks the chain (as the in-process demo does): a revocation or a
    suspension counts from the next request, without waiting for a cache to expire."""
    settings = json.loads(path.read_text())
    settings.update(status_cache_seconds=0, chain_cache_seconds=0)
    path.write_text(json.dumps(settings, indent=2) + "\n")


def _issued_statement(procs: Processes, bank: Bank, customer: str) -> str:
    """The bank statement the bank issued to ``customer``, found in its audit log."""
    events = procs.json("issuer", "audit", "--limit", "1000", env=bank.env)
    for event in events:
        details = event.get("details") or {}
        if (
            event["action"] == "credential_issued"
            and details.get("customer_id") == customer
            and "BankStatement" in str(details.get("configuration_id"))
        ):
            return str(event["subject"]).removeprefix("credential:")
    raise DemoFailed(f"the bank's audit log names no statement issued to {customer}")
