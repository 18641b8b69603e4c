"""Start-up of the ``wallet`` CLI as process runs, against the interpreter's own start-up.

Prints the median wall time (``--runs`` runs, default 9) of:

- ``python -c pass`` and ``python -c "import typer"``: the floor any typer CLI stands on;
- ``wallet --help``;
- ``wallet list`` on a store holding 10 credentials (vc+sd-jwt KYC-like credentials made
  locally), for each passphrase hardening: ``insecure-test-only`` (Argon2id at its minimum:
  the CLI's own cost), ``interactive`` (64 MiB) and ``moderate`` (256 MiB, the default).

The target is <= 0.25 s for ``--help`` and ``list``; the ratio column is each figure over
``import typer`` measured in the same run, since this machine is shared and noisy.

Bytecode: an installed wallet runs from compiled ``.pyc`` files (pip compiles a wheel on
install). The runs use a bytecode cache of their own (``PYTHONPYCACHEPREFIX`` in a temporary
directory, filled by one discarded warm-up run, nothing written into the source tree); the
rows marked "no bytecode" run with ``PYTHONDONTWRITEBYTECODE=1`` as a development shell may,
so that every project module is compiled again on every start (about 30-40 ms here).

Run: ``.venv/bin/python bench/bench_wallet.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from passport.did.key import did_key_from_public_key
from passport.keys import KeyType, PrivateKey
from passport.keystore import FAST_INSECURE_PARAMS, INTERACTIVE_PARAMS, MODERATE_PARAMS, KdfParams
from passport.sdjwt.issuer import issue
from passport.wallet.credentials import accept_credential
from passport.wallet.model import new_wallet
from passport.wallet.store import WalletStore

WALLET = [sys.executable, "-m", "wallet_cli.main"]


def _median(cmd: list[str], env: dict[str, str], runs: int) -> float:
    subprocess.run(cmd, env=env, capture_output=True, timeout=120)  # warm-up (bytecode cache)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd} failed: {proc.stderr.decode()[-500:]}")
    return statistics.median(times)


def _store(directory: Path, params: KdfParams) -> None:
    """A wallet with 10 vc+sd-jwt credentials from a did:key bank (checked on the way in)."""
    from passport.did import default_resolver

    now = datetime.now(UTC)
    state = new_wallet(now)
    bank = PrivateKey.generate(KeyType.ED25519)
    bank_did = did_key_from_public_key(bank.public_key)
    for i in range(10):
        vc = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "MembershipCredential"],
            "issuer": bank_did,
            "validFrom": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "validUntil": (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {
                "id": state.did,
                "legalName": f"Citizen {i}",
                "nationality": "TW",
                "kycLevel": "enhanced",
                "birthDate": "1990-01-01",
            },
        }
        token = issue(
            vc,
            bank,
            kid=f"{bank_did}#{bank_did.split(':')[2]}",
            holder_jwk=state.holder_key.public_key.to_jwk(),
            now=now,
        )
        held = accept_credential(
            token,
            "vc+sd-jwt",
            holder_did=state.did,
            holder_key=state.holder_key.public_key,
            resolver=default_resolver(),
            status_fetcher=None,
            now=now,
            configuration_id="membership",
            issuer_url=None,
        )
        state = state.with_credential(held)
    WalletStore(directory, params).create(state, "bench passphrase")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WALLET_")
        and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    base.update({"WALLET_PASSPHRASE": "bench passphrase", "WALLET_LANG": "en", "COLUMNS": "120"})
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**base, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        cold = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
        rows.append(("python -c pass", _median([sys.executable, "-c", "pass"], env, args.runs)))
        typer_floor = _median([sys.executable, "-c", "import typer"], env, args.runs)
        rows.append(('python -c "import typer"', typer_floor))
        rows.append(("wallet --help", _median([*WALLET, "--help"], env, args.runs)))
        rows.append(("wallet --help, no bytecode", _median([*WALLET, "--help"], cold, args.runs)))
        for name, params in (
            ("insecure-test-only", FAST_INSECURE_PARAMS),
            ("interactive", INTERACTIVE_PARAMS),
            ("moderate", MODERATE_PARAMS),
        ):
            directory = Path(tmp) / name
            _store(directory, params)
            cmd = [*WALLET, "--wallet", str(directory), "list"]
            rows.append((f"wallet list, 10 credentials, KDF {name}", _median(cmd, env, args.runs)))
            if name == "insecure-test-only":
                rows.append(("  the same, no bytecode", _median(cmd, cold, args.runs)))
    print(f"median of {args.runs} process runs (target <= 0.25 s for --help and list)")
    print(f"{'command':<52} {'seconds':>8} {'x import typer':>15}")
    for name, seconds in rows:
        print(f"{name:<52} {seconds:>8.3f} {seconds / typer_floor:>15.2f}")


if __name__ == "__main__":
    main()
