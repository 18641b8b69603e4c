"""``wallet list`` without typer (``wallet_cli.fastpath``): it takes exactly the plain forms,
leaves everything else to typer, and prints what the typer command prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wallet_cli.fastpath import ListCall, parse_list

# The same command through the typer tree, skipping the fast path.
TYPER = "import sys; from wallet_cli.main import app; app(args=sys.argv[1:], prog_name='wallet')"
PROBE = """
import json, sys
from wallet_cli.main import run
try:
    run(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write("MODULES=" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})) + "\\n")
"""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["list"], ListCall({}, as_json=False, refresh=False)),
        (["list", "--json", "--refresh"], ListCall({}, as_json=True, refresh=True)),
        (
            ["--wallet", "/w", "--lang=zh-TW", "--passphrase-file", "p", "list", "--json"],
            ListCall(
                {"--wallet": "/w", "--lang": "zh-TW", "--passphrase-file": "p"},
                as_json=True,
                refresh=False,
            ),
        ),
        (["--deployment=d.json", "list"], ListCall({"--deployment": "d.json"}, False, False)),
    ],
)
def test_plain_list_forms_are_taken(argv: list[str], expected: ListCall) -> None:
    assert parse_list(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["list", "--help"],
        ["--help", "list"],
        ["list", "--bogus"],
        ["list", "extra"],
        ["list", "--wallet", "/w"],  # a global option after the command: click refuses it
        ["--wallet", "list"],  # --wallet takes 'list' as its value: usage error in typer
        ["--wallet"],
        ["--wallet=", "list"],
        ["--wallet", "--json", "list"],
        ["--wallet", "a", "--wallet", "b", "list"],
        ["--unknown", "x", "list"],
        ["show", "abc"],
        ["history"],
        ["fido", "list"],
    ],
)
def test_anything_else_goes_to_typer(argv: list[str]) -> None:
    assert parse_list(argv) is None


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLET_")}
    return {
        **env,
        "WALLET_PASSPHRASE": "pass",
        "WALLET_LANG": "en",
        "COLUMNS": "120",
        **extra,
    }


def _python(
    tmp_path: Path, code: str, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=_env(tmp_path, **extra),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _store_with_credentials(directory: Path) -> None:
    from passport.did import default_resolver
    from passport.did.key import did_key_from_public_key
    from passport.keys import KeyType, PrivateKey
    from passport.keystore import FAST_INSECURE_PARAMS
    from passport.sdjwt.issuer import issue
    from passport.wallet.credentials import accept_credential
    from passport.wallet.model import new_wallet
    from passport.wallet.store import WalletStore

    now = datetime.now(UTC)
    state = new_wallet(now)
    bank = PrivateKey.generate(KeyType.ED25519)
    bank_did = did_key_from_public_key(bank.public_key)
    for i, kind in enumerate(("MembershipCredential", "LoyaltyCredential")):
        vc = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", kind],
            "issuer": bank_did,
            "validFrom": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "validUntil": (now + timedelta(days=30 + i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {"id": state.did, "tier": f"t{i}"},
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
    WalletStore(directory, FAST_INSECURE_PARAMS).create(state, "pass")


@pytest.mark.parametrize(
    "args",
    [["list"], ["list", "--json"], ["--lang", "zh-TW", "list"], ["--lang=zh-TW", "list"]],
)
def test_the_fast_path_prints_what_the_typer_command_prints(
    tmp_path: Path, args: list[str]
) -> None:
    directory = tmp_path / "w"
    _store_with_credentials(directory)
    argv = ["--wallet", str(directory), *args]
    fast = _python(tmp_path, PROBE, *argv)
    slow = _python(tmp_path, TYPER, *argv)
    assert fast.returncode == slow.returncode == 0, (fast.stderr, slow.stderr)
    assert fast.stdout == slow.stdout
    assert "MembershipCredential" in fast.stdout and "LoyaltyCredential" in fast.stdout
    if "--json" in args:
        assert len(json.loads(fast.stdout)) == 2
    modules = json.loads(fast.stderr.split("MODULES=", 1)[1])
    assert {"typer", "pydantic", "cryptography"} & set(modules) == set()


def test_the_fast_path_reports_errors_as_the_typer_command_does(tmp_path: Path) -> None:
    directory = tmp_path / "w"
    _store_with_credentials(directory)
    sealed = (directory / "wallet.sealed").read_bytes()
    argv = ["--wallet", str(directory), "list"]
    run = "import sys; from wallet_cli.main import run; run(sys.argv[1:])"
    no_fast_path = "import wallet_cli.fastpath as f; f.dispatch = lambda argv: False; " + run
    fast = _python(tmp_path, run, *argv, WALLET_PASSPHRASE="wrong")
    slow = _python(tmp_path, no_fast_path, *argv, WALLET_PASSPHRASE="wrong")
    assert fast.returncode == slow.returncode == 2
    assert "[wallet_passphrase_wrong]" in fast.stderr
    assert fast.stderr == slow.stderr
    assert "Traceback" not in fast.stderr + slow.stderr
    assert (directory / "wallet.sealed").read_bytes() == sealed


def test_help_and_usage_errors_still_come_from_typer(tmp_path: Path) -> None:
    helped = _python(tmp_path, PROBE, "list", "--help")
    assert "Usage: wallet list" in helped.stdout and "--refresh" in helped.stdout
    wrong = _python(tmp_path, PROBE, "list", "--bogus")
    assert "No such option: --bogus" in wrong.stderr
    top = _python(tmp_path, PROBE, "--help")
    assert "Usage: wallet" in top.stdout
    assert "pydantic" not in json.loads(top.stderr.split("MODULES=", 1)[1])
