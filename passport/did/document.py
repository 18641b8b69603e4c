"""DID documents and their verification methods (W3C DID Core 1.0).

Error codes: ``did_invalid``, ``did_document_malformed`` (MalformedError);
``verification_method_not_found``, ``key_not_authorized`` (VerdictError).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import base58

from passport.errors import MalformedError, VerdictError
from passport.keys import KeyType, PublicKey

__all__ = ["DidDocument", "VerificationMethod", "parse_did", "split_did_url"]

_DID_RE = re.compile(
    r"^did:([a-z0-9]+):((?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})*(?::(?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})*)*)$"
)

RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)


def parse_did(did: str) -> tuple[str, str]:
    """Split ``did`` into (method, method-specific id). Raises ``did_invalid``."""
    if not isinstance(did, str):
        raise MalformedError("did_invalid", "A DID must be a string.")
    m = _DID_RE.match(did)
    if not m or not m.group(2):
        raise MalformedError("did_invalid", f"{did!r} is not a DID (expected did:<method>:<id>).")
    return m.group(1), m.group(2)


def split_did_url(url: str) -> tuple[str, str]:
    """Split a DID URL into (DID, fragment-with-'#' or '')."""
    did, sep, fragment = url.partition("#")
    did = did.split("?", 1)[0]
    parse_did(did)
    return did, (sep + fragment)


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    type: str
    controller: str
    public_key: PublicKey
    data: Mapping[str, Any] = field(compare=False, repr=False, default_factory=dict)


def _public_key_of(vm: Mapping[str, Any]) -> PublicKey:
    if "publicKeyMultibase" in vm:
        return PublicKey.from_multikey(vm["publicKeyMultibase"])
    if "publicKeyJwk" in vm:
        return PublicKey.from_jwk(vm["publicKeyJwk"])
    if "publicKeyBase58" in vm and vm.get("type") == "Ed25519VerificationKey2018":
        return PublicKey(KeyType.ED25519, base58.b58decode(vm["publicKeyBase58"]))
    if "publicKeyHex" in vm and vm.get("type") in (
        "Ed25519VerificationKey2018",
        "Ed25519VerificationKey2020",
    ):
        return PublicKey(KeyType.ED25519, bytes.fromhex(vm["publicKeyHex"]))
    raise MalformedError(
        "did_document_malformed",
        f"Verification method {vm.get('id')!r} has no public key this library reads.",
    )


@dataclass(frozen=True)
class DidDocument:
    """A resolved DID document, kept as its JSON plus lookups."""

    data: Mapping[str, Any]
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)
    # Methods already looked up, by (method URL, relationship): a cached document answers a
    # verifier's repeated lookups without walking and decoding the document again.
    _found: dict[tuple[str, str], VerificationMethod] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )
    _listed: dict[str, tuple[VerificationMethod, ...]] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    def _absolute(self, ref: str) -> str:
        return self.id + ref if ref.startswith("#") else ref

    def _methods(self) -> dict[str, Mapping[str, Any]]:
        out: dict[str, Mapping[str, Any]] = {}
        embedded = [self.data.get("verificationMethod", [])]
        embedded += [self.data.get(rel, []) for rel in RELATIONSHIPS]
        for group in embedded:
            for vm in group if isinstance(group, list) else []:
                if isinstance(vm, Mapping) and isinstance(vm.get("id"), str):
                    out.setdefault(self._absolute(vm["id"]), vm)
        return out

    def verification_method(self, ref: str) -> VerificationMethod:
        """The method ``ref`` (absolute DID URL or '#fragment').

        Raises ``verification_method_not_found``.
        """
        url = self._absolute(ref)
        vm = self._methods().get(url)
        if vm is None:
            raise VerdictError(
                "verification_method_not_found",
                f"{url} is not a verification method of {self.id}.",
            )
        try:
            key = _public_key_of(vm)
        except (ValueError, TypeError) as exc:
            raise MalformedError(
                "did_document_malformed", f"Cannot read the key of {url}: {exc}"
            ) from exc
        return VerificationMethod(
            id=url,
            type=str(vm.get("type", "")),
            controller=str(vm.get("controller", self.id)),
            public_key=key,
            data=vm,
        )

    def authorized_method(self, ref: str, relationship: str) -> VerificationMethod:
        """The method ``ref`` if it is listed under ``relationship``.

        Raises ``verification_method_not_found`` or ``key_not_authorized``.
        """
        found = self._found.get((ref, relationship))
        if found is not None:
            return found
        vm = self._authorized_method(ref, relationship)
        if len(self._found) < 256:
            self._found[(ref, relationship)] = vm
        return vm

    def _authorized_method(self, ref: str, relationship: str) -> VerificationMethod:
        vm = self.verification_method(ref)
        listed = self.data.get(relationship, [])
        for entry in listed if isinstance(listed, list) else []:
            entry_id = entry.get("id") if isinstance(entry, Mapping) else entry
            if isinstance(entry_id, str) and self._absolute(entry_id) == vm.id:
                return vm
        raise VerdictError(
            "key_not_authorized",
            f"{vm.id} is not authorised for {relationship} by {self.id}.",
        )

    def methods_for(self, relationship: str) -> list[VerificationMethod]:
        """The methods listed under ``relationship`` whose public key this library reads.

        Methods without such a key (an ``EcdsaSecp256k1RecoveryMethod2020`` that names only a
        blockchain account, an unknown key type) are left out: no signature here can use them.
        Computed once per relationship (the document is immutable).
        """
        found = self._listed.get(relationship)
        if found is None:
            found = tuple(self._methods_for(relationship))
            if len(self._listed) < 16:
                self._listed[relationship] = found
        return list(found)

    def _methods_for(self, relationship: str) -> list[VerificationMethod]:
        listed = self.data.get(relationship, [])
        out = []
        for entry in listed if isinstance(listed, list) else []:
            entry_id = entry.get("id") if isinstance(entry, Mapping) else entry
            if isinstance(entry_id, str):
                try:
                    out.append(self.verification_method(entry_id))
                except (MalformedError, VerdictError):
                    continue
        return out
