"""Helpers for the Data Integrity tests: the vectors folder, a local did:key resolver."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from passport.did.document import DidDocument
from passport.errors import CouldNotCheckError
from passport.keys import PrivateKey, PublicKey

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "di-eddsa"
CASES = ["rdfc-2022", "rdfc-2022-employment", "jcs-2022"]


def did_key_document(public_key: PublicKey, **relationships: list[str]) -> DidDocument:
    """A did:key-shaped DID document for ``public_key`` (what passport.did.key resolves to).

    By default the key serves every relationship; pass e.g. ``assertionMethod=[]`` to
    leave it out of one.
    """
    mk = public_key.to_multikey()
    did = f"did:key:{mk}"
    vm_id = f"{did}#{mk}"
    data: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": mk}
        ],
    }
    for rel in ("authentication", "assertionMethod", "capabilityInvocation"):
        data[rel] = relationships.get(rel, [vm_id])
    return DidDocument(data)


class KeyResolver:
    """Resolves did:key Multikey DIDs locally; ``documents`` overrides specific DIDs."""

    def __init__(self, documents: Mapping[str, DidDocument] | None = None) -> None:
        self.documents = dict(documents or {})
        self.calls = 0

    def resolve(self, did: str) -> DidDocument:
        self.calls += 1
        if did in self.documents:
            return self.documents[did]
        if not did.startswith("did:key:z6Mk"):
            raise CouldNotCheckError("did_not_found", f"{did} is not known to the test resolver.")
        return did_key_document(PublicKey.from_multikey(did.split(":", 2)[2]))


def did_of(key: PrivateKey) -> str:
    return "did:key:" + key.public_key.to_multikey()


def vm_of(key: PrivateKey) -> str:
    mk = key.public_key.to_multikey()
    return f"did:key:{mk}#{mk}"


def credential_for(issuer: str, subject: str = "did:example:abcdefgh") -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": issuer,
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "alumniOf": "The School of Examples"},
    }
