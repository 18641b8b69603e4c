"""Write ``vector.json``: the offline QR test vector of docs/offline-format.md section 11.

Run from the repository root: ``.venv/bin/python tests/vectors/offline/make_vector.py``.
The inputs are fixed; Ed25519 signatures are deterministic, so the outputs are too (the
test ``tests/unit/offline/test_offline_vector.py`` recomputes them byte for byte).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from passport.keys import KeyType, PrivateKey
from passport.offline import (
    StatusRef,
    bank_statement_claims,
    issue_offline_credential,
    make_offline_proof,
)

HERE = Path(__file__).parent

INPUTS: dict[str, Any] = {
    "issuerKeySeed": hashlib.sha256(b"dfp offline vector issuer").hexdigest(),
    "holderKeySeed": hashlib.sha256(b"dfp offline vector holder").hexdigest(),
    "rootSeed": bytes(range(16)).hex(),
    "issuer": "did:ethr:0x7a69:0x8A791620dd6260079BF849Dc5567aDC3F2FdC318",
    "kid": "#delegate-1",
    "now": "2026-12-02T09:30:00+00:00",
    "validForSeconds": 30 * 86400,
    "statusListUrl": "https://bank.example/status/3f9c2a",
    "statusListIndex": 98765,
    "claims": {
        "name": "CHEN, MEI-LING",
        "nationality": "TW",
        "balanceAtLeast": {
            "TWD_300000": True,
            "TWD_1000000": True,
            "TWD_3000000": False,
            "USD_1000": True,
            "USD_5000": True,
            "USD_10000": True,
            "USD_25000": False,
        },
    },
    "disclose": [
        "balanceAtLeast/USD_1000",
        "balanceAtLeast/USD_5000",
        "balanceAtLeast/USD_10000",
    ],
    "challenge": "K7Q2-9X",
}


def compute(inputs: dict[str, Any]) -> dict[str, Any]:
    issuer = PrivateKey(KeyType.ED25519, bytes.fromhex(inputs["issuerKeySeed"]))
    holder = PrivateKey(KeyType.ED25519, bytes.fromhex(inputs["holderKeySeed"]))
    claims = inputs["claims"]
    now = datetime.fromisoformat(inputs["now"]).astimezone(UTC)
    credential = issue_offline_credential(
        bank_statement_claims(
            name=claims["name"], nationality=claims["nationality"], tiers=claims["balanceAtLeast"]
        ),
        issuer=inputs["issuer"],
        issuer_key=issuer,
        kid=inputs["kid"],
        holder_key=holder.public_key,
        status=StatusRef.of(inputs["statusListUrl"], inputs["statusListIndex"]),
        now=now,
        valid_for=timedelta(seconds=inputs["validForSeconds"]),
        rng=lambda n: bytes.fromhex(inputs["rootSeed"])[:n],
    )
    proof = make_offline_proof(
        credential, holder, disclose=inputs["disclose"], now=now, challenge=inputs["challenge"]
    )
    return {
        "issuerPublicKey": issuer.public_key.raw.hex(),
        "holderPublicKey": holder.public_key.raw.hex(),
        "credential": credential.credential.hex(),
        "qr": proof.to_qr_text(),
        "disclosedClaims": {
            "balanceAtLeast": {"USD_1000": True, "USD_5000": True, "USD_10000": True}
        },
    }


if __name__ == "__main__":
    vector = {"inputs": INPUTS, "expected": compute(INPUTS)}
    (HERE / "vector.json").write_text(json.dumps(vector, indent=2) + "\n", encoding="utf-8")
