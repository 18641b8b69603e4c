"""The ``passport`` toolbox CLI, run as a real subprocess (exit codes, stdout, stderr)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FORMATS = ["sd-jwt", "di-rdfc", "di-jcs"]
NONCE, AUD = "n-4711", "https://bank.example"


def passport(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "passport_cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def credential(holder: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleBankCredential"],
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2099-01-01T00:00:00Z",
        "credentialSubject": {
            "id": holder,
            "name": "Lin Mei-Hua",
            "nationality": "TW",
            "balance": "1250000",
        },
    }


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    passport("key", "generate", "--type", "ed25519", "--out", "issuer.jwk", cwd=d, check=True)
    passport("key", "generate", "--out", "holder.jwk", cwd=d, check=True)
    holder = passport("did", "create", "--key", "holder.jwk", cwd=d, check=True).stdout.strip()
    (d / "cred.json").write_text(json.dumps(credential(holder)))
    return d


def test_key_generate_writes_private_jwk_readable_by_owner_only(workdir: Path) -> None:
    mode = stat.S_IMODE(os.stat(workdir / "issuer.jwk").st_mode)
    assert mode == 0o600
    jwk = json.loads((workdir / "issuer.jwk").read_text())
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" in jwk


@pytest.mark.parametrize(
    ("key_type", "prefix"), [("p256", "did:key:zDn"), ("secp256k1", "did:key:zQ3s")]
)
def test_key_types_and_did_create(tmp_path: Path, key_type: str, prefix: str) -> None:
    out = passport(
        "key", "generate", "--type", key_type, "--out", "k.jwk", "--json", cwd=tmp_path, check=True
    )
    assert json.loads(out.stdout)["type"] == key_type
    did = passport("did", "create", "--key", "k.jwk", cwd=tmp_path, check=True).stdout.strip()
    assert did.startswith(prefix)
    doc = json.loads(passport("did", "resolve", did, cwd=tmp_path, check=True).stdout)
    assert doc["id"] == did and doc["assertionMethod"]


def test_key_generate_never_overwrites_a_key(workdir: Path) -> None:
    before = (workdir / "issuer.jwk").read_text()
    proc = passport("key", "generate", "--out", "issuer.jwk", cwd=workdir)
    assert proc.returncode == 2 and "file_exists" in proc.stderr
    assert (workdir / "issuer.jwk").read_text() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_issue_present_verify_round_trip(workdir: Path, fmt: str) -> None:
    issued = passport(
        "vc", "issue", "--key", "issuer.jwk", "--format", fmt, "cred.json", cwd=workdir, check=True
    )
    (workdir / f"{fmt}.vc").write_text(issued.stdout)
    report = json.loads(
        passport("vc", "verify", "--json", f"{fmt}.vc", cwd=workdir, check=True).stdout
    )
    assert report["status"] == "verified"

    args = ["--holder-key", "holder.jwk", "--nonce", NONCE, "--aud", AUD]
    if fmt == "sd-jwt":
        args += ["--disclose", "nationality"]
    pres = passport("vc", "present", *args, f"{fmt}.vc", cwd=workdir, check=True)
    (workdir / f"{fmt}.vp").write_text(pres.stdout)
    ok = passport(
        "vc", "verify", "--json", "--nonce", NONCE, "--aud", AUD, f"{fmt}.vp", cwd=workdir
    )
    assert ok.returncode == 0, ok.stdout
    report = json.loads(ok.stdout)
    assert report["verified"] is True
    if fmt == "sd-jwt":
        subject = report["subject"]["credentialSubject"]
        assert subject["nationality"] == "TW" and "name" not in subject and "balance" not in subject

    wrong = passport(
        "vc", "verify", "--json", "--nonce", "other", "--aud", AUD, f"{fmt}.vp", cwd=workdir
    )
    assert wrong.returncode == 1
    codes = [c.get("code") for c in json.loads(wrong.stdout)["checks"]]
    expected = "kb_nonce_mismatch" if fmt == "sd-jwt" else "challenge_mismatch"
    assert [c for c in codes if c] == [expected]


@pytest.mark.parametrize("fmt", ["di-rdfc", "di-jcs"])
def test_tampered_credential_is_invalid(workdir: Path, fmt: str) -> None:
    issued = json.loads(
        passport(
            "vc",
            "issue",
            "--key",
            "issuer.jwk",
            "--format",
            fmt,
            "cred.json",
            cwd=workdir,
            check=True,
        ).stdout
    )
    issued["credentialSubject"]["balance"] = "99999999"
    (workdir / "tampered.json").write_text(json.dumps(issued))
    proc = passport("vc", "verify", "--json", "tampered.json", cwd=workdir)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["status"] == "invalid"
    assert [c["code"] for c in report["checks"] if "code" in c] == ["signature_invalid"]


def test_presentation_without_expected_nonce_is_not_verified(workdir: Path) -> None:
    issued = passport(
        "vc",
        "issue",
        "--key",
        "issuer.jwk",
        "--format",
        "di-jcs",
        "cred.json",
        cwd=workdir,
        check=True,
    )
    (workdir / "c.json").write_text(issued.stdout)
    vp = passport(
        "vc",
        "present",
        "--holder-key",
        "holder.jwk",
        "--nonce",
        NONCE,
        "--aud",
        AUD,
        "c.json",
        cwd=workdir,
        check=True,
    )
    (workdir / "vp.json").write_text(vp.stdout)
    proc = passport("vc", "verify", "--json", "vp.json", cwd=workdir)
    assert proc.returncode == 1
    assert "nonce_required" in proc.stdout


def test_present_with_someone_elses_key_fails_cleanly(workdir: Path) -> None:
    issued = passport(
        "vc",
        "issue",
        "--key",
        "issuer.jwk",
        "--format",
        "sd-jwt",
        "cred.json",
        cwd=workdir,
        check=True,
    )
    (workdir / "c.sdjwt").write_text(issued.stdout)
    proc = passport(
        "vc",
        "present",
        "--holder-key",
        "issuer.jwk",
        "--nonce",
        NONCE,
        "--aud",
        AUD,
        "c.sdjwt",
        cwd=workdir,
    )
    assert proc.returncode == 2 and "holder_key_mismatch" in proc.stderr


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["vc", "verify", "missing.json"], 2, "file_not_found"),
        (
            ["vc", "issue", "--key", "issuer.jwk", "--format", "di-jcs", "bad.json"],
            2,
            "json_malformed",
        ),
        (
            ["vc", "issue", "--key", "cred.json", "--format", "di-jcs", "cred.json"],
            2,
            "key_malformed",
        ),
        (["vc", "issue", "--key", "issuer.jwk", "--format", "nope", "cred.json"], 2, "--format"),
        (["did", "resolve", "did:foo:bar"], 1, "did_method_unsupported"),
        (["did", "resolve", "not-a-did"], 2, "did_invalid"),
        (["vc", "verify", "."], 2, "file_unreadable"),
        (["key", "generate", "--out", "cred.json/k.jwk"], 2, "file_unwritable"),
        (
            ["vc", "issue", "--key", "issuer.jwk", "--format", "di-jcs", "v1-shaped.json"],
            2,
            "credential_malformed",
        ),
    ],
)
def test_bad_input_gives_one_clear_line_and_nonzero_exit(
    workdir: Path, args: list[str], code: int, needle: str
) -> None:
    (workdir / "bad.json").write_text('{"a":')
    (workdir / "v1-shaped.json").write_text('{"@context": ["https://www.w3.org/2018/credentials/v1"]}')
    proc = passport(*args, cwd=workdir)
    assert proc.returncode == code
    assert needle in proc.stderr


def test_verify_garbage_reports_malformed(workdir: Path) -> None:
    (workdir / "garbage.txt").write_text("hello world")
    proc = passport("vc", "verify", "--json", "garbage.txt", cwd=workdir)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["checks"][0]["code"] == "malformed"


def test_status_list_revoke_and_reinstate(workdir: Path, tmp_path: Path) -> None:
    from passport.credentials import credential_status_entry

    url = "https://bank.example/status/9"
    out = passport(
        "status",
        "create",
        "--key",
        "issuer.jwk",
        "--url",
        url,
        "--out",
        "sl.json",
        "--json",
        cwd=workdir,
        check=True,
    )
    index = int(json.loads(out.stdout)["exampleEntry"]["statusListIndex"])
    cred = json.loads((workdir / "cred.json").read_text())
    cred["credentialStatus"] = credential_status_entry(url, index)
    (workdir / "cred-status.json").write_text(json.dumps(cred))
    issued = passport(
        "vc",
        "issue",
        "--key",
        "issuer.jwk",
        "--format",
        "di-jcs",
        "cred-status.json",
        cwd=workdir,
        check=True,
    )
    (workdir / "cs.json").write_text(issued.stdout)

    def verify() -> dict[str, Any]:
        proc = passport(
            "vc", "verify", "--json", "--status-list", "sl.json", "cs.json", cwd=workdir
        )
        return {"rc": proc.returncode, **json.loads(proc.stdout)}

    assert verify()["rc"] == 0
    passport(
        "status",
        "set",
        "sl.json",
        "--key",
        "issuer.jwk",
        "--index",
        str(index),
        cwd=workdir,
        check=True,
    )
    revoked = verify()
    assert revoked["rc"] == 1
    assert [c["code"] for c in revoked["checks"] if "code" in c] == ["revoked"]
    passport(
        "status",
        "clear",
        "sl.json",
        "--key",
        "issuer.jwk",
        "--index",
        str(index),
        cwd=workdir,
        check=True,
    )
    assert verify()["rc"] == 0

    # without the list the status cannot be checked: indeterminate, not valid, not revoked
    proc = passport("vc", "verify", "--json", "cs.json", cwd=workdir)
    assert proc.returncode == 1 and json.loads(proc.stdout)["status"] == "indeterminate"

    # someone else's key cannot change the list, and the list is left as it was
    before = (workdir / "sl.json").read_text()
    bad = passport("status", "set", "sl.json", "--key", "holder.jwk", "--index", "1", cwd=workdir)
    assert bad.returncode == 2 and "issuer_key_mismatch" in bad.stderr
    assert (workdir / "sl.json").read_text() == before
    again = passport(
        "status", "create", "--key", "issuer.jwk", "--url", url, "--out", "sl.json", cwd=workdir
    )
    assert again.returncode == 2 and (workdir / "sl.json").read_text() == before


@pytest.mark.parametrize("fmt", ["sd-jwt", "di-rdfc", "di-jcs", "ldp-v1"])
def test_bare_credential_under_nonce_and_aud_is_not_verified(workdir: Path, fmt: str) -> None:
    """Issue 7's four false accepts, through the CLI: `vc verify --nonce X --aud Y` on a
    credential that no holder signed for X and Y (an SD-JWT with its KB-JWT stripped)."""
    source = "cred.json"
    if fmt == "ldp-v1":
        holder = json.loads((workdir / "cred.json").read_text())["credentialSubject"]["id"]
        v1 = {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuanceDate": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": holder},
        }
        (workdir / "v1.json").write_text(json.dumps(v1))
        source = "v1.json"
    issued = passport(
        "vc", "issue", "--key", "issuer.jwk", "--format", fmt, source, cwd=workdir, check=True
    ).stdout
    bare = workdir / f"bare-{fmt}"
    if fmt == "sd-jwt":
        (workdir / "sd.vc").write_text(issued)
        args = ["--holder-key", "holder.jwk", "--nonce", NONCE, "--aud", AUD]
        pres = passport("vc", "present", *args, "sd.vc", cwd=workdir, check=True).stdout.strip()
        bare.write_text(pres[: pres.rindex("~") + 1])  # the KB-JWT stripped
    else:
        bare.write_text(issued)
    proc = passport(
        "vc", "verify", "--json", "--nonce", NONCE, "--aud", AUD, bare.name, cwd=workdir
    )
    assert proc.returncode == 1, proc.stdout
    report = json.loads(proc.stdout)
    assert report["status"] == "invalid"
    assert [c["code"] for c in report["checks"] if "code" in c] == ["presentation_required"]
