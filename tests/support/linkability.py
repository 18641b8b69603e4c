"""The linkability extraction (docs/unlinkability.md): from everything a verifier stored (every
row of every table of its SQLite database), every value that could link two visits of one
citizen: signatures (JWS signatures, Data Integrity ``proofValue``), digests (``_sd``,
``sd_hash``, the digest of each Disclosure), salts, holder keys (RFC 7638 thumbprints of
``cnf.jwk``, did:key and did:jwk), status list entries (list URL + index) and credential ids
(``urn:`` ids). Each value is tagged with its kind (``signature:...``, ``salt:...``).

Used by tests/unit/wallet/test_linkability.py and tests/e2e/test_unlinkability.py.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "json_of", "kinds", "stored_values"]

#: every kind the extraction knows
KINDS = frozenset({"signature", "digest", "salt", "key", "status", "credential_id"})

_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*(?:~[A-Za-z0-9_-]*)*")


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def json_of(segment: str) -> Any:
    try:
        return json.loads(_b64(segment))
    except (ValueError, UnicodeDecodeError):
        return None


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, no whitespace."""
    required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode()


def _holder_key(did: str) -> str:
    """A did:key or did:jwk as its key's thumbprint (so both DID forms of a key compare)."""
    from passport.did.jwk import jwk_from_did_jwk
    from passport.did.key import public_key_from_did_key

    base = did.split("#", 1)[0]
    if base.startswith("did:jwk:"):
        return "key:" + _thumbprint(jwk_from_did_jwk(base))
    return "key:" + _thumbprint(public_key_from_did_key(base).to_jwk())


def _walk(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        cnf = value.get("cnf")
        if isinstance(cnf, dict) and isinstance(cnf.get("jwk"), dict):
            found.add("key:" + _thumbprint(cnf["jwk"]))
        for digest in value.get("_sd", []) if isinstance(value.get("_sd"), list) else []:
            found.add("digest:" + str(digest))
        if isinstance(value.get("sd_hash"), str):
            found.add("digest:" + value["sd_hash"])
        if isinstance(value.get("proofValue"), str):
            found.add("signature:" + value["proofValue"])
        if "statusListIndex" in value:
            found.add(f"status:{value.get('statusListCredential')}#{value['statusListIndex']}")
        if isinstance(value.get("idx"), int):
            found.add(f"status:{value.get('uri')}#{value['idx']}")
        for name, item in value.items():
            if name == "id" and isinstance(item, str) and item.startswith("urn:"):
                found.add("credential_id:" + item)
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)
    elif isinstance(value, str):
        if value.startswith(("did:key:", "did:jwk:")):
            try:
                found.add(_holder_key(value))
            except Exception:  # noqa: BLE001 - a DID of another kind of key: keep it whole
                found.add("did:" + value)
        for token in _TOKEN.findall(value):
            _token(token, found)
        if value[:1] in "[{":
            with contextlib.suppress(ValueError):
                _walk(json.loads(value), found)


def _token(token: str, found: set[str]) -> None:
    """A JWS, or an SD-JWT (JWS~disclosure~...~KB-JWT): signatures, digests, salts, keys."""
    parts = token.split("~")
    for jws in (parts[0], parts[-1]):
        pieces = jws.split(".")
        if len(pieces) == 3 and json_of(pieces[0]) is not None:
            found.add("signature:" + pieces[2])
            _walk(json_of(pieces[1]), found)
    for disclosure in parts[1:-1]:
        decoded = json_of(disclosure)
        if isinstance(decoded, list) and decoded:
            found.add("salt:" + str(decoded[0]))
            digest = hashlib.sha256(disclosure.encode()).digest()
            found.add("digest:" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode())
            _walk(decoded[-1], found)


def stored_values(database: Path) -> set[str]:
    """Every linking value in every row of every table of a verifier's database."""
    found: set[str] = set()
    with sqlite3.connect(database) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - our own tables
                for cell in row:
                    if isinstance(cell, bytes):
                        cell = cell.decode("utf-8", "replace")
                    if isinstance(cell, str):
                        _walk(cell, found)
    return found


def kinds(values: set[str]) -> set[str]:
    return {v.split(":", 1)[0] for v in values}
