"""The wallet CLI in a subprocess and in process: light start-up, both languages, the
store's bad inputs, history export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wallet_cli import i18n

HEAVY = ("web3", "fastapi", "didkit", "eth_tester", "uvicorn", "sqlalchemy")
PROBE = (
    """
import json, sys
sys.argv = ["wallet", *sys.argv[1:]]
from wallet_cli.main import run
try:
    run()
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(%r))
sys.stderr.write("HEAVY=" + json.dumps(heavy) + "\\n")
"""
).replace("%r", repr(HEAVY))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLET_")}
    return {
        **env,
        "WALLET_HOME": str(tmp_path / "w"),
        "WALLET_PASSPHRASE": "pass",
        "WALLET_KDF": "insecure-test-only",
        "WALLET_LANG": "en",
        **extra,
    }


def _probe(
    tmp_path: Path, *args: str, **extra: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("HEAVY="))
    return proc, json.loads(line[len("HEAVY=") :])


def _wallet(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wallet_cli.main", *args],
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_and_list_import_no_web3_fastapi_didkit(tmp_path: Path) -> None:
    assert _wallet(tmp_path, "init").returncode == 0
    for args in (["--help"], ["list"], ["list", "--json"], ["history"], ["did"]):
        proc, heavy = _probe(tmp_path, *args)
        assert heavy == [], (args, heavy)
        assert "Traceback" not in proc.stderr
    proc, heavy = _probe(tmp_path, "list", "--json")
    assert heavy == [] and proc.stdout.strip() == "[]"


def test_init_did_and_errors_in_both_languages(tmp_path: Path) -> None:
    created = _wallet(tmp_path, "init", "--json")
    assert created.returncode == 0
    did = json.loads(created.stdout)["did"]
    assert _wallet(tmp_path, "did").stdout.strip() == did
    again = _wallet(tmp_path, "init")
    assert again.returncode == 2 and "[wallet_exists]" in again.stderr
    sealed = (tmp_path / "w" / "wallet.sealed").read_bytes()
    wrong = _wallet(tmp_path, "list", WALLET_PASSPHRASE="nope")
    assert wrong.returncode == 2 and "[wallet_passphrase_wrong]" in wrong.stderr
    zh = _wallet(tmp_path, "--lang", "zh-TW", "list", WALLET_PASSPHRASE="nope")
    assert "無法以此密碼開啟錢包" in zh.stderr and "[wallet_passphrase_wrong]" in zh.stderr
    assert "錢包中尚無憑證" in _wallet(tmp_path, "list", LANG="zh_TW.UTF-8", WALLET_LANG="").stdout
    assert "公民的數位錢包" in _wallet(tmp_path, "--lang", "zh-TW", "--help").stdout
    assert (tmp_path / "w" / "wallet.sealed").read_bytes() == sealed
    for proc in (again, wrong, zh):
        assert "Traceback" not in proc.stderr


def test_damaged_store_is_a_clear_error_and_keeps_the_backup(tmp_path: Path) -> None:
    assert _wallet(tmp_path, "init").returncode == 0
    assert _wallet(tmp_path, "export", str(tmp_path / "b.dfpw")).returncode == 0
    # a write keeps the last good copy: import into another dir, then damage the main file
    store = tmp_path / "w" / "wallet.sealed"
    store.write_bytes(store.read_bytes()[:40])
    proc = _wallet(tmp_path, "list")
    assert proc.returncode == 2 and "[wallet_damaged]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_export_refuses_to_overwrite_and_import_a_wrong_passphrase(tmp_path: Path) -> None:
    assert _wallet(tmp_path, "init").returncode == 0
    backup = tmp_path / "b.dfpw"
    assert _wallet(tmp_path, "export", str(backup)).returncode == 0
    assert "[file_exists]" in _wallet(tmp_path, "export", str(backup)).stderr
    other = {"WALLET_HOME": str(tmp_path / "fresh")}
    bad = _wallet(tmp_path, "import", str(backup), WALLET_PASSPHRASE="nope", **other)
    assert bad.returncode == 2 and "[wallet_passphrase_wrong]" in bad.stderr
    assert not (tmp_path / "fresh" / "wallet.sealed").exists()
    garbage = tmp_path / "garbage.dfpw"
    garbage.write_text("{}")
    assert "[backup_invalid]" in _wallet(tmp_path, "import", str(garbage), **other).stderr
    ok = _wallet(tmp_path, "import", str(backup), "--json", **other)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["did"] == _wallet(tmp_path, "did").stdout.strip()


def test_every_english_text_has_a_traditional_chinese_one() -> None:
    en, zh = i18n.keys("en"), i18n.keys("zh-TW")
    assert en - zh == set()
    assert i18n.normalise("zh_TW.UTF-8") == "zh-TW" and i18n.normalise("zh-Hant-TW") == "zh-TW"
    assert i18n.normalise("de_DE") == "en"
    assert i18n.detect(["--lang", "zh-TW"], {}) == "zh-TW"
    assert i18n.detect([], {"LANG": "zh_TW.UTF-8"}) == "zh-TW"


def test_command_layer_has_no_hard_coded_english() -> None:
    """Every user-facing literal of the command layer goes through t(): no English sentence
    is passed to say/print/echo/an error directly."""
    import ast

    root = Path(__file__).resolve().parents[3] / "wallet_cli"
    offenders = []
    for path in [*root.glob("commands/*.py"), root / "main.py", root / "render.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in ("echo", "print", "out", "prompt", "confirm", "secho"):
                    first = node.args[0]
                    literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                    if literal and any(c.isalpha() for c in first.value):
                        offenders.append(f"{path.name}:{node.lineno}")
                if name.endswith("Error") and len(node.args) > 1:
                    second = node.args[1]
                    if isinstance(second, ast.Constant) and isinstance(second.value, str):
                        offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_history_export(tmp_path: Path, fmt: str) -> None:
    from passport.wallet.history import export_history
    from passport.wallet.model import Disclosure, HistoryEntry

    entries = [
        HistoryEntry(
            "2026-12-01T10:00:00+00:00",
            "redirect_uri:https://bank.example/cb",
            None,
            "sent",
            (Disclosure("kyc", "abc", "KYCCredential", ("credentialSubject.nationality",)),),
            "direct_post",
            {"redirect_uri": "https://bank.example/done"},
        ),
        HistoryEntry("2026-12-02T10:00:00+00:00", "x", None, "refused", (), "direct_post", None),
    ]
    text = export_history(entries, fmt)
    if fmt == "json":
        assert [e["outcome"] for e in json.loads(text)] == ["sent", "refused"]
    else:
        lines = text.splitlines()
        assert len(lines) == 3 and "credentialSubject.nationality" in lines[1]
        assert lines[2].startswith("2026-12-02T10:00:00+00:00,x,,refused")


def test_readme_wallet_commands_exist_with_their_options(tmp_path: Path) -> None:
    """Every `wallet ...` line of the wallet section of docs/reference.md (moved there from the
    README) names a real command and real options (the README's own guides are run by
    tests/e2e/test_readme_guides.py)."""
    import re
    import shlex

    reference = Path(__file__).resolve().parents[3] / "docs" / "reference.md"
    readme = reference.read_text(encoding="utf-8")
    section = readme.split("## The citizen: the wallet, step by step", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    lines = [ln.split("#", 1)[0].strip() for ln in block.splitlines()]
    commands = [ln[ln.index("wallet ") :] for ln in lines if re.search(r"(^|\s)wallet ", ln)]
    assert len(commands) >= 12
    groups = {"fido"}
    for line in commands:
        words = shlex.split(line)[1:]
        global_options = ("--deployment", "--wallet", "--lang", "--passphrase-file")
        while words[0] in global_options:  # global options go before the command
            words = words[2:]
        path = [words[0]] + ([words[1]] if words[0] in groups else [])
        help_text = _wallet(tmp_path, *path, "--help").stdout
        assert "Usage:" in help_text, line
        for option in (w.split("=")[0] for w in words if w.startswith("--")):
            assert option in help_text, (line, option)


def test_cli_receives_and_presents_from_qr_images_with_spec_counterparts(tmp_path: Path) -> None:
    """`wallet receive --qr` and `wallet present --qr` as subprocesses, against the tests'
    OpenID4VCI issuer (dc+sd-jwt, did:jwk) and OpenID4VP verifier."""
    from datetime import UTC, datetime

    import qrcode
    from spec_issuer import VCT, SpecIssuer
    from spec_verifier import SpecVerifier

    from passport.keys import PublicKey
    from passport.sdjwt.verifier import verify as verify_sd_jwt

    assert _wallet(tmp_path, "init").returncode == 0
    with SpecIssuer({"given_name": "Mei-Ling", "birthdate": "1990-05-17"}) as issuer:
        offer_png = tmp_path / "offer.png"
        qrcode.make(issuer.offer(tx_code="112233")).save(offer_png)
        got = _wallet(tmp_path, "receive", "--qr", str(offer_png), "--pin", "112233", "--json")
        assert got.returncode == 0, got.stderr
        assert json.loads(got.stdout)[0]["format"] == "dc+sd-jwt"
        key = PublicKey.from_jwk(issuer.key.public_jwk())

        def check(query_id: str, presentation: object, session: object) -> dict[str, object]:
            assert isinstance(presentation, str)
            verified = verify_sd_jwt(
                presentation,
                issuer_key=key,
                now=datetime.now(UTC),
                nonce=session.nonce,  # type: ignore[attr-defined]
                aud=session.client_id,  # type: ignore[attr-defined]
            )
            return {k: v for k, v in verified.payload.items() if k in ("given_name", "birthdate")}

        query = {
            "credentials": [
                {
                    "id": "pid",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [VCT]},
                    "claims": [{"path": ["birthdate"]}],
                }
            ]
        }
        with SpecVerifier(check) as verifier:
            session, link = verifier.new_session(query, response_mode="direct_post.jwt")
            request_png = tmp_path / "request.png"
            qrcode.make(link).save(request_png)
            sent = _wallet(tmp_path, "present", "--qr", str(request_png), "--yes")
            assert sent.returncode == 0, sent.stderr
            assert session.checked == [{"query_id": "pid", "claims": {"birthdate": "1990-05-17"}}]
            assert session.redirect_uri in sent.stdout
    history = json.loads(_wallet(tmp_path, "history", "--json").stdout)
    assert history[0]["disclosed"][0]["claims"] == ["birthdate"]
