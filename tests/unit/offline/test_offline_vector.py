"""The offline test vector (docs/offline-format.md section 11), byte for byte, and a second
verifier written from that page alone: cbor2, base45, zlib, hashlib and PyNaCl, none of
``passport.offline`` (nor pycose)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import zlib
from pathlib import Path
from typing import Any

import base45
import cbor2
import nacl.exceptions
import nacl.signing
import pytest

from passport.offline import (
    Accreditation,
    IssuerKey,
    IssuerTrust,
    SnapshotStatusList,
    TrustSnapshot,
    verify_offline,
)
from passport.status.bitstring import StatusList

VECTORS = Path(__file__).parents[2] / "vectors" / "offline"
VECTOR = json.loads((VECTORS / "vector.json").read_text(encoding="utf-8"))


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_vector", VECTORS / "make_vector.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vector_is_reproduced_byte_for_byte() -> None:
    generator = _generator()
    assert VECTOR["inputs"] == generator.INPUTS
    assert generator.compute(VECTOR["inputs"]) == VECTOR["expected"]


# --- a verifier from docs/offline-format.md ------------------------------------------------


def h(data: bytes, n: int = 16) -> bytes:
    return hashlib.sha256(data).digest()[:n]


def ed25519_ok(key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(key).verify(message, signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def sig_structure(protected: bytes, payload: bytes) -> bytes:  # RFC 9052 section 4.4
    return cbor2.dumps(["Signature1", protected, b"", payload])


def cover(n: int, disclosed: set[int]) -> list[tuple[int, int]]:  # section 4.2
    d = (n - 1).bit_length() if n > 1 else 0
    out: list[tuple[int, int]] = []

    def visit(level: int, k: int) -> None:
        leaves = [i for i in range(k << (d - level), (k + 1) << (d - level)) if i < n]
        if leaves and all(i in disclosed for i in leaves):
            out.append((level, k))
        elif any(i in disclosed for i in leaves):
            visit(level + 1, 2 * k)
            visit(level + 1, 2 * k + 1)

    if disclosed:
        visit(0, 0)
    return out


def salts(n: int, disclosed: set[int], seeds: bytes) -> dict[int, bytes]:
    d = (n - 1).bit_length() if n > 1 else 0
    found: dict[int, bytes] = {}
    nodes = cover(n, disclosed)
    assert len(seeds) == 16 * len(nodes)
    for j, (level, k) in enumerate(nodes):
        layer = {k: seeds[16 * j : 16 * j + 16]}
        for _ in range(d - level):
            layer = {
                2 * i + b: h(b"\x02" + bytes([b]) + s) for i, s in layer.items() for b in (0, 1)
            }
        found.update(layer)
    return found


def root(n: int, leaves: dict[int, bytes], proof: bytes) -> bytes:  # section 4.1
    nodes = [proof[i : i + 16] for i in range(0, len(proof), 16)]
    assert leaves  # with nothing disclosed there is no proof and nothing to compare
    known, width = dict(leaves), n
    while width > 1:
        for i in sorted(known):
            if (i ^ 1) < width and (i ^ 1) not in known:
                known[i ^ 1] = nodes.pop(0)
        up: dict[int, bytes] = {}
        for i in sorted(known):
            if i % 2 == 0:
                up[i // 2] = known[i] if i + 1 >= width else h(b"\x01" + known[i] + known[i + 1])
        known, width = up, (width + 1) // 2
    assert nodes == []
    return known[0]


def spec_verify(text: str, issuer_key: bytes, challenge: str) -> dict[str, Any]:
    """Sections 1-7, as another implementation would write them."""
    assert text.startswith("DFP1:")
    credential, disclosed, holder, binding = cbor2.loads(
        zlib.decompress(base45.b45decode(text[5:]))
    )
    protected, unprotected, payload, signature = cbor2.loads(credential)
    assert cbor2.loads(protected) == {1: -8, 4: b"#delegate-1"} and unprotected == {}
    assert ed25519_ok(issuer_key, sig_structure(protected, payload), signature)
    claims = cbor2.loads(payload)
    dfp = claims[-65537]
    n = dfp[4]
    entries, seeds, proof = cbor2.loads(disclosed)
    indexes = {e[0] for e in entries}
    salt = salts(n, indexes, seeds)
    leaves = {i: h(b"\x00" + cbor2.dumps([salt[i], name, value])) for i, name, value in entries}
    if leaves:
        assert root(n, leaves, proof) == dfp[3]
    else:
        assert proof == b""
    hprot, hunprot, hpayload, hsig = holder
    assert hpayload is None and hunprot == {} and cbor2.loads(hprot) == {1: -8}
    signed = cbor2.dumps(["DFP1", hashlib.sha256(credential).digest(),
                          hashlib.sha256(disclosed).digest(), binding])  # fmt: skip
    cnf = claims[8][1]
    assert cnf[1] == 1 and cnf[-1] == 6
    assert ed25519_ok(cnf[-2], sig_structure(hprot, signed), hsig)
    assert binding == challenge
    return {
        "iss": claims[1],
        "status": [[e[0].hex(), e[1]] for e in dfp[2]],
        "type": dfp[1],
        "claims": {name: value for _, name, value in entries},
    }


def test_the_spec_shaped_verifier_accepts_the_vector() -> None:
    inputs, expected = VECTOR["inputs"], VECTOR["expected"]
    out = spec_verify(expected["qr"], bytes.fromhex(expected["issuerPublicKey"]), "K7Q2-9X")
    assert out["iss"] == inputs["issuer"]
    assert out["type"] == 1
    list_id = hashlib.sha256(inputs["statusListUrl"].encode()).digest()[:8].hex()
    assert out["status"] == [[list_id, inputs["statusListIndex"]]]
    assert out["claims"] == expected["disclosedClaims"]["balanceAtLeast"]


@pytest.mark.parametrize("flip", [30, 200, 400])
def test_the_spec_shaped_verifier_refuses_a_changed_byte(flip: int) -> None:
    expected = VECTOR["expected"]
    raw = bytearray(zlib.decompress(base45.b45decode(expected["qr"][5:])))
    raw[flip] ^= 0x01
    text = "DFP1:" + base45.b45encode(zlib.compress(bytes(raw))).decode()
    with pytest.raises(Exception):  # noqa: B017 - any failure of the other verifier will do
        spec_verify(text, bytes.fromhex(expected["issuerPublicKey"]), "K7Q2-9X")


def test_passport_verifier_accepts_the_vector() -> None:
    inputs, expected = VECTOR["inputs"], VECTOR["expected"]
    from datetime import datetime, timedelta

    now = datetime.fromisoformat(inputs["now"])
    status = StatusList()
    snapshot = TrustSnapshot(
        taken_at=now,
        issuers=(
            IssuerTrust(
                did=inputs["issuer"],
                keys=(
                    IssuerKey(
                        inputs["issuer"] + "#delegate-1", bytes.fromhex(expected["issuerPublicKey"])
                    ),
                ),  # fmt: skip
                accreditations=(
                    Accreditation(
                        ("BankStatementCredential",),
                        "TW",
                        now - timedelta(days=1),
                        now + timedelta(days=1),
                    ),  # fmt: skip
                ),
                registry_status={"BankStatementCredential": "accredited"},
            ),
        ),
        status_lists=(
            SnapshotStatusList(
                inputs["statusListUrl"],
                inputs["issuer"],
                "revocation",
                status.encode(),
                b"\0" * 32,
                1,
                now,
            ),  # fmt: skip
        ),
    )
    report = verify_offline(expected["qr"], snapshot, now=now, challenge=inputs["challenge"])
    assert report.verified, report.to_dict()
    assert report.subject["claims"] == expected["disclosedClaims"]


def test_offline_verification_loads_no_network_stack() -> None:
    """The verifier's offline path imports neither an HTTP client nor web3."""
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "sys.path.insert(0, 'tests/unit/offline')\n"
        "import test_offline_vector as t\n"
        "t.test_passport_verifier_accepts_the_vector()\n"
        "print(sorted(m for m in ('httpx', 'web3', 'requests', 'pyld') if m in sys.modules))\n"
    )
    root = Path(__file__).parents[3]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
