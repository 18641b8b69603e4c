"""Real processes for the end-to-end tests: the ``issuer`` and ``verifier`` CLIs and their
servers on 127.0.0.1, and a holder who receives credentials from the running issuer over
OpenID4VCI (``redeem_offer``) and enrolls a FIDO authenticator over HTTP.

Reusable (the wallet's e2e test uses the same fixtures): ``tests/e2e/conftest.py`` exposes
``issuer_process`` and ``start_verifier(policy=..., workers=..., **options)``, which returns a
``VerifierProcess`` with ``base_url``, ``api_key``, ``config``, ``env`` and ``did``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "issuer_service" / "sample_data" / "customers.json"
POLICIES = ROOT / "verifier_service" / "policies"


def wait_for(what: str, condition: Callable[[], Any], timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def cli(
    tool: str, env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(BIN / tool), *args], env=env, capture_output=True, text=True, timeout=180
    )
    if check:
        assert proc.returncode == 0, f"{tool} {' '.join(args)}: {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def cli_json(tool: str, env: dict[str, str], *args: str) -> Any:
    return json.loads(cli(tool, env, *args, "--json").stdout)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    log_path: Path
    tool: str = ""
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    base_url: str = ""
    past_logs: list[Path] = field(default_factory=list)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log_path.read_text(errors="replace")

    def logs(self) -> list[Path]:
        """Every run's log file (a restart writes a new one)."""
        return [*self.past_logs, self.log_path]

    def restart(self) -> str:
        """Stop the server, then ``<tool> serve`` again with the same environment and
        arguments (its configuration directory and database are kept); the new run logs to
        ``<name>.run<N>.log``. Returns the stopped run's log."""
        log = self.stop()
        assert self.tool, "this server was not started by serve()"
        self.past_logs.append(self.log_path)
        first = self.past_logs[0]
        again = serve(
            self.tool,
            self.env,
            self.args,
            first.with_name(f"{first.stem}.run{len(self.past_logs) + 1}.log"),
            self.base_url,
        )
        self.process, self.log_path = again.process, again.log_path
        return log


def serve(tool: str, env: dict[str, str], args: list[str], log_path: Path, base_url: str) -> Server:
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(BIN / tool), "serve", *args], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    server = Server(process, log_path, tool, env, list(args), base_url)
    try:
        wait_for(f"{tool} to answer", lambda: healthy(base_url) or process.poll() is not None, 60)
    except AssertionError:
        server.stop()
        raise
    if process.poll() is not None:
        raise AssertionError(f"{tool} serve exited: {log_path.read_text()[-3000:]}")
    return server


@dataclass
class IssuerProcess:
    env: dict[str, str]
    base_url: str
    config: Path
    deployment: Path
    did: str
    server: Server

    def offer(self, customer: str, kind: str) -> dict[str, Any]:
        return dict(cli_json("issuer", self.env, "offer", customer, "--type", kind, "--no-qr"))

    def drained(self) -> bool:
        status = cli_json("issuer", self.env, "status")
        return not status["chain_jobs_pending"] and not status["credentials"]["unanchored"]


def start_issuer(tmp: Path, deployment: Path, port: int) -> IssuerProcess:
    config = tmp / "issuer"
    env = {**os.environ, "ISSUER_PASSPHRASE": "e2e issuer passphrase", "ISSUER_CONFIG": str(config)}
    base_url = f"http://127.0.0.1:{port}"
    init = cli_json(
        "issuer", env, "init", "--name", "Bank of Formosa", "--deployment", str(deployment),
        "--base-url", base_url, "--kdf", "insecure-fast",
    )  # fmt: skip
    cli("passport", env, "registry", "accredit", init["did"], "--types",
        "KYCCredential,BankStatementCredential,FidoKeyBindingCredential",
        "--jurisdiction", "TW", "--deployment", str(deployment))  # fmt: skip
    cli("issuer", env, "import", str(SAMPLE))
    server = serve(
        "issuer", env, ["--port", str(port), "--anchor-interval", "1"], tmp / "issuer.log", base_url
    )
    return IssuerProcess(env, base_url, config, deployment, str(init["did"]), server)


@dataclass
class VerifierProcess:
    env: dict[str, str]
    base_url: str
    config: Path
    api_key: str
    did: str
    server: Server
    webhook_secret: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def start_verifier(
    tmp: Path,
    deployment: Path,
    port: int,
    *,
    policy: str | Path = "retail.toml",
    workers: int = 1,
    prefix: str = "decentralized_identifier",
    response_mode: str = "direct_post.jwt",
    webhook_url: str | None = None,
    name: str = "verifier",
    settings: Mapping[str, Any] | None = None,
) -> VerifierProcess:
    """``verifier init`` then ``verifier serve``; ``settings`` overrides fields of the
    verifier.json that init wrote (e.g. ``{"status_cache_seconds": 0}``) before it serves."""
    config = tmp / name
    env = {
        **os.environ,
        "VERIFIER_PASSPHRASE": "e2e verifier passphrase",
        "VERIFIER_CONFIG": str(config),
    }
    base_url = f"http://127.0.0.1:{port}"
    policy_path = policy if isinstance(policy, Path) else POLICIES / policy
    args = [
        "init", "--name", "Banque du Léman", "--deployment", str(deployment),
        "--base-url", base_url, "--policy", str(policy_path), "--prefix", prefix,
        "--response-mode", response_mode, "--kdf", "insecure-fast", "--allow-loopback",
    ]  # fmt: skip
    if webhook_url:
        args += ["--webhook-url", webhook_url]
    init = cli_json("verifier", env, *args)
    if settings:
        path = config / "verifier.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), **settings}, indent=2))
    server = serve(
        "verifier",
        env,
        ["--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        tmp / f"{name}.log",
        base_url,
    )
    return VerifierProcess(
        env, base_url, config, str(init["api_key"]), str(init["did"]), server,
        init.get("webhook_secret"),
    )  # fmt: skip


@dataclass
class ProcessHolder:
    key: Any
    did: str
    kyc: str
    statement: str
    fido_vc: dict[str, Any]
    device: Any


def holder_from_issuer(issuer: IssuerProcess, customer: str = "TW-0001") -> ProcessHolder:
    """Credentials from the running issuer: two OpenID4VCI offers redeemed over HTTP, and a
    FIDO enrollment (WebAuthn registration with the software authenticator)."""
    from spec_wallet import FidoDevice

    from passport.did.key import did_key_from_public_key
    from passport.exchange import redeem_offer
    from passport.fido import SoftwareAuthenticator, create_did_binding_jwt
    from passport.keys import KeyType, PrivateKey, b64url_decode
    from passport.ports import SystemClock

    key = PrivateKey.generate(KeyType.ED25519)
    got: dict[str, str] = {}
    with httpx.Client(timeout=30) as http:
        for kind in ("kyc", "bank-statement"):
            offer = issuer.offer(customer, kind)
            redeemed = redeem_offer(
                offer["uri"], tx_code=offer["tx_code"], http=http, holder_key=key, allow_http=True
            )
            got[kind] = str(redeemed.credentials[0])
        from passport.exchange.oid4vci import parse_offer_uri

        offer = issuer.offer(customer, "fido")
        parsed = parse_offer_uri(offer["uri"])
        token = http.post(
            f"{issuer.base_url}/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                "pre-authorized_code": str(parsed.pre_authorized_code),
                "tx_code": offer["tx_code"],
            },
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        begun = http.post(f"{issuer.base_url}/fido/registration/options", headers=auth).json()
        authenticator = SoftwareAuthenticator()
        credential, attestation = authenticator.make_credential(
            begun["publicKey"], origin=issuer.base_url
        )
        binding = create_did_binding_jwt(
            key,
            challenge=b64url_decode(begun["publicKey"]["challenge"]),
            audience=issuer.base_url,
            iat=SystemClock().now(),
            credential_id=attestation.credential_id,
        )
        response = http.post(
            f"{issuer.base_url}/fido/registration",
            json={
                "ceremony_id": begun["ceremony_id"],
                "credential": attestation.to_json(),
                "did_binding": binding,
            },
            headers=auth,
        )
        assert response.status_code == 200, response.text
        fido_vc = response.json()["credentials"][0]["credential"]
    return ProcessHolder(
        key,
        did_key_from_public_key(key.public_key),
        got["kyc"],
        got["bank-statement"],
        fido_vc,
        FidoDevice(authenticator, credential),
    )


def process_wallet(
    http: httpx.Client, holder: ProcessHolder, deployment: Path, *, fido: bool = True
) -> Any:
    """The spec wallet holding ``holder``'s credentials; DIDs resolved from the chain."""
    from spec_wallet import Held, SpecWallet, jwt_parts

    from passport.chain.deployment import Deployment
    from passport.did import default_resolver
    from passport.did.ethr import EthrDidResolver
    from passport.did.resolver import resolve_method

    dep = Deployment.load(deployment)
    chain = dep.connect()
    resolver = default_resolver(
        extra_methods={"ethr": EthrDidResolver.for_chain(chain, dep.addresses["DIDRegistry"])}
    )

    def view(sd_jwt: str) -> dict[str, Any]:
        from passport.sdjwt.verifier import verify
        from passport.verify import detect_format  # noqa: F401 - same parsing as the issuer

        header, payload = jwt_parts(sd_jwt.split("~")[0])
        key = resolve_method(resolver, header["kid"], "assertionMethod").public_key
        return dict(verify(sd_jwt, issuer_key=key, now=int(time.time()), require_kb=False).payload)

    kyc_types = ["VerifiableCredential", "KYCCredential"]
    held = [
        Held("vc+sd-jwt", holder.kyc, view(holder.kyc), types=kyc_types),
        Held("vc+sd-jwt", holder.statement, view(holder.statement),
             types=["VerifiableCredential", "BankStatementCredential"]),
    ]  # fmt: skip
    if fido:
        held.append(Held("ldp_vc", holder.fido_vc, holder.fido_vc, types=holder.fido_vc["type"]))
    return SpecWallet(
        http=http,
        holder_key=holder.key,
        holder_did=holder.did,
        credentials=held,
        did_key_of=lambda kid: resolve_method(resolver, kid, "assertionMethod").public_key.to_jwk(),
        now=lambda: int(time.time()),
        fido=holder.device if fido else None,
        fido_vc=holder.fido_vc if fido else None,
    )


# --- the wallet CLI as subprocesses ----------------------------------------------------------

WALLET_PASSPHRASE = "citizen pass"


@dataclass
class CliWallet:
    """One citizen's ``wallet`` CLI store in ``directory``, the chain found through
    ``deployment``; ``env`` adds to the environment of every run (e.g. a proxy)."""

    directory: Path
    deployment: Path
    env: dict[str, str] = field(default_factory=dict)
    did: str = ""
    received: dict[str, str] = field(default_factory=dict)  # offer kind -> wallet's id

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "WALLET_PASSPHRASE": WALLET_PASSPHRASE,
            "WALLET_KDF": "interactive",
            "WALLET_LANG": "en",
            "COLUMNS": "200",
            **self.env,
        }
        return cli("wallet", env, "--wallet", str(self.directory), "--deployment",
                   str(self.deployment), *args, check=check)  # fmt: skip

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def init(self) -> str:
        self.did = str(self.json("init")["did"])
        return self.did

    def offer_png(self, issuer: IssuerProcess, customer: str, kind: str) -> dict[str, Any]:
        """``issuer offer --png``: the bank's QR code as a PNG, next to the wallet."""
        png = self.directory.parent / f"offer-{customer}-{kind}-{time.monotonic_ns()}.png"
        data = cli_json("issuer", issuer.env, "offer", customer, "--type", kind, "--png", str(png))
        assert png.exists()
        return dict(data)

    def enroll(self, issuer: IssuerProcess, customer: str) -> Any:
        """``wallet fido enroll --qr``: the software authenticator, the FIDO key binding."""
        offer = self.offer_png(issuer, customer, "fido")
        return self.json("fido", "enroll", "--qr", offer["png"], "--pin", offer["tx_code"])

    def receive(self, issuer: IssuerProcess, customer: str, kind: str) -> list[dict[str, Any]]:
        """``wallet receive --qr`` of a fresh offer of ``kind`` (kyc, bank-statement)."""
        offer = self.offer_png(issuer, customer, kind)
        got = self.json("receive", "--qr", offer["png"], "--pin", offer["tx_code"])
        assert all(item["status"] == "valid" for item in got), got
        self.received[kind] = str(got[0]["id"])
        return list(got)

    def onboard(self, issuer: IssuerProcess, customer: str) -> str:
        """A new wallet: FIDO-enrolled with the bank, KYC and a bank statement received."""
        did = self.init()
        self.enroll(issuer, customer)
        for kind in ("kyc", "bank-statement"):
            self.receive(issuer, customer, kind)
        return did
