"""Helpers for the SD-JWT tests: RFC 9901 vectors kept verbatim under tests/vectors/sdjwt/,
and a VC 2.0 credential for round trips."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from passport.keys import PublicKey

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "sdjwt"
# RFC 9901 examples use iat 1683000000 / exp 1883000000 and KB-JWT iat 1748537243.
RFC_KB_IAT = 1748537243
RFC_NONCE = "1234567890"
RFC_AUD = "https://verifier.example.org"


def text(case: str, name: str) -> str:
    """A base64url artefact as printed in the RFC, with its line breaks and indentation removed."""
    return "".join((VECTORS / case / name).read_text(encoding="utf-8").split())


def load_json(case: str, name: str) -> Any:
    return json.loads((VECTORS / case / name).read_text(encoding="utf-8"))


_ENTRY = re.compile(
    r"SHA-256 Hash:\s*(?P<hash>\S+)\s*\*\s*Disclosure:\s*(?P<disclosure>.*?)\*\s*Contents:"
    r"\s*(?P<contents>.*?)(?=\n\s*\n|\Z)",
    re.S,
)


def disclosure_table(case: str) -> list[tuple[str, str, str]]:
    """(digest, Disclosure, Contents text) for each entry of an RFC 'Claim ...:' listing."""
    raw = (VECTORS / case / "disclosures.txt").read_text(encoding="utf-8")
    return [
        (m["hash"], "".join(m["disclosure"].split()), m["contents"]) for m in _ENTRY.finditer(raw)
    ]


def rfc_issuer_key() -> PublicKey:
    """RFC 9901 appendix A.5: the P-256 key that verifies every Issuer signature of the examples."""
    return PublicKey.from_jwk(load_json("rfc9901-a5-keys", "issuer_public_jwk.json"))


NOW = 1_750_000_000
ISSUER_DID = "did:example:bank"
KID = ISSUER_DID + "#key-1"
NONCE = "n-0S6_WzA2Mj"
AUD = "did:example:verifier"


def kyc_credential() -> dict[str, Any]:
    """A W3C VC 2.0 KYC credential, as the bank issues it (before securing)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://passport.example/v1"],
        "type": ["VerifiableCredential", "KYCCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "legalName": "Lin Mei-Hua",
            "birthDate": "1990-04-01",
            "nationalities": ["TW", "JP"],
            "address": {"locality": "Taipei", "country": "TW"},
            "kycLevel": 2,
        },
        "credentialStatus": {
            "id": "https://bank.example/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://bank.example/status/1",
        },
    }


def counter_rng() -> Callable[[int], bytes]:
    """A deterministic rng for reproducible salts (tests only)."""
    state = {"i": 0}

    def rng(n: int) -> bytes:
        state["i"] += 1
        return hashlib.sha256(state["i"].to_bytes(4, "big")).digest()[:n]

    return rng
