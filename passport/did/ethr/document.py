"""The did:ethr document built from an identity's registry history (did:ethr spec
"Read (Resolve)", "Known Key Types", "id properties of entries").
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from passport.errors import PassportError
from passport.keys import KeyType, PublicKey, multibase_b58_encode

if TYPE_CHECKING:
    pass
from passport.did.ethr.events import (
    DelegateChanged,
    OwnerChanged,
    RegistryEvent,
)

_ATTR_RE = re.compile(r"^did/(pub|svc)/(\w+)(?:/(\w+))?(?:/(\w+))?$")

_DID_CONTEXT = "https://www.w3.org/ns/did/v1"
_BASE_CONTEXT = [_DID_CONTEXT, "https://w3id.org/security/suites/secp256k1recovery-2020/v2"]
_SECURITY_V2 = "https://w3id.org/security/v2"
_JWK_TERM = {"publicKeyJwk": {"@id": "https://w3id.org/security#publicKeyJwk", "@type": "@json"}}
_HEX_TERM: dict[str, Any] = {"publicKeyHex": "https://w3id.org/security#publicKeyHex"}
_TYPE_CONTEXTS: dict[str, list[Any]] = {
    "publicKeyJwk": [_SECURITY_V2, _JWK_TERM],
    "publicKeyHex": [_SECURITY_V2, _HEX_TERM],
    "Ed25519VerificationKey2020": ["https://w3id.org/security/suites/ed25519-2020/v1"],
    "X25519KeyAgreementKey2020": ["https://w3id.org/security/suites/x25519-2020/v1"],
    "RsaVerificationKey2018": [_SECURITY_V2],
}
_X25519_CODEC = b"\xec\x01"
_ED25519_CODEC = b"\xed\x01"



# --- the document -------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltDocument:
    """A document built from a history, with what the metadata needs."""

    data: dict[str, Any]
    deactivated: bool
    version_id: int | None  # block of the last change included
    next_version_id: int | None  # block of the first change after the requested version
    valid_until: int | None  # the document changes when ``now`` passes this (an expiry)


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pem(value: bytes) -> str:
    if value.startswith(b"-----BEGIN"):
        return value.decode("utf-8", "replace")
    body = base64.b64encode(value).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN PUBLIC KEY-----", *lines, "-----END PUBLIC KEY-----"])


def _public_key_entry(
    vm_id: str, did: str, algorithm: str, encoding: str | None, value: bytes
) -> dict[str, Any] | None:
    """The verification method of a ``did/pub/<algorithm>/...`` attribute (spec "Known Key
    Types"); None when the value is not a key of that type."""
    entry: dict[str, Any] = {"id": vm_id, "controller": did}
    if algorithm == "Ed25519":
        if len(value) != 32:
            return None
        entry["type"] = "Ed25519VerificationKey2020"
        entry["publicKeyMultibase"] = multibase_b58_encode(_ED25519_CODEC + value)
    elif algorithm == "X25519":
        if len(value) != 32:
            return None
        entry["type"] = "X25519KeyAgreementKey2020"
        entry["publicKeyMultibase"] = multibase_b58_encode(_X25519_CODEC + value)
    elif algorithm == "Secp256k1":
        entry["type"] = "EcdsaSecp256k1VerificationKey2019"
        if encoding == "hex":
            entry["publicKeyHex"] = value.hex()
        else:
            try:
                entry["publicKeyJwk"] = PublicKey(KeyType.SECP256K1, value).to_jwk()
            except PassportError:
                return None
    elif algorithm == "RSA":
        entry["type"] = "RsaVerificationKey2018"
        entry["publicKeyPem"] = _pem(value)
    else:  # unknown algorithm: verbatim type, hex key (spec note under "Known Key Types")
        entry["type"] = algorithm
        entry["publicKeyHex"] = value.hex()
    return entry


def build_document(
    did: str,
    address: str,
    history: Sequence[RegistryEvent],
    *,
    chain_id: int,
    now: int,
    controller_key: bytes | None = None,
    version_block: int | None = None,
) -> BuiltDocument:
    """Interpret an identity's event ``history`` (oldest first) as its DID document.

    did:ethr spec "Read (Resolve)": controller changes, delegate keys, non-Ethereum
    attributes, entry ids, deactivation; ``version_block`` restricts the history to events
    at or before it (``versionId``), ``now`` (seconds) is what ``validTo`` is compared with.
    Pure: no I/O.
    """
    controller = address
    version_id: int | None = None
    next_version_id: int | None = None
    deactivated = False
    delegate_count = 0
    service_count = 0
    valid_until: int | None = None
    methods: dict[tuple[Any, ...], dict[str, Any]] = {}
    auth: dict[tuple[Any, ...], str] = {}
    assertion: dict[tuple[Any, ...], str] = {}
    agreement: dict[tuple[Any, ...], str] = {}
    services: dict[tuple[Any, ...], dict[str, Any]] = {}
    for event in history:
        if version_block is not None and event.block_number > version_block:
            if next_version_id is None or event.block_number < next_version_id:
                next_version_id = event.block_number
            continue
        if version_id is None or version_id < event.block_number:
            version_id = event.block_number
        if isinstance(event, OwnerChanged):
            controller = event.owner
            if int(event.owner, 16) == 0:
                deactivated = True
                break
            continue
        key: tuple[Any, ...]
        if isinstance(event, DelegateChanged):
            key = ("delegate", event.delegate_type, event.delegate.lower())
        else:
            key = ("attribute", event.name, event.value)
        if event.valid_to < now:  # revoked (validTo passed or 0) or expired: counted, removed
            if isinstance(event, DelegateChanged) or event.name.startswith("did/pub/"):
                delegate_count += 1
            elif event.name.startswith("did/svc/"):
                service_count += 1
            for table in (methods, auth, assertion, agreement, services):
                table.pop(key, None)
            continue
        if isinstance(event, DelegateChanged):
            delegate_count += 1
            if event.delegate_type not in ("veriKey", "sigAuth"):
                continue
            vm_id = f"{did}#delegate-{delegate_count}"
            methods[key] = {
                "id": vm_id,
                "type": "EcdsaSecp256k1RecoveryMethod2020",
                "controller": did,
                "blockchainAccountId": f"eip155:{chain_id}:{event.delegate}",
            }
            assertion[key] = vm_id
            if event.delegate_type == "sigAuth":
                auth[key] = vm_id
        else:
            match = _ATTR_RE.match(event.name)
            if not match:
                continue
            section, algorithm, purpose, encoding = match.groups()
            if section == "pub":
                delegate_count += 1
                vm_id = f"{did}#delegate-{delegate_count}"
                entry = _public_key_entry(vm_id, did, algorithm, encoding, event.value)
                if entry is None:
                    continue
                methods[key] = entry
                if purpose == "enc":
                    agreement[key] = vm_id
                else:
                    assertion[key] = vm_id
                    if purpose == "sigAuth":
                        auth[key] = vm_id
            else:
                service_count += 1
                try:
                    text = event.value.decode("utf-8")
                except UnicodeDecodeError:
                    continue  # not a DID service: the reference resolver skips it too
                endpoint: Any
                try:
                    endpoint = json.loads(text)
                except ValueError:
                    endpoint = text
                services[key] = {
                    "id": f"{did}#service-{service_count}",
                    "type": algorithm,
                    "serviceEndpoint": endpoint,
                }
        if valid_until is None or event.valid_to < valid_until:
            valid_until = event.valid_to

    if deactivated:
        empty = {
            "@context": _DID_CONTEXT,
            "id": did,
            "verificationMethod": [],
            "authentication": [],
            "assertionMethod": [],
        }
        return BuiltDocument(empty, True, version_id, next_version_id, None)

    controller_vm: dict[str, Any] = {
        "id": f"{did}#controller",
        "type": "EcdsaSecp256k1RecoveryMethod2020",
        "controller": did,
        "blockchainAccountId": f"eip155:{chain_id}:{controller}",
    }
    verification = [controller_vm]
    base_refs = [f"{did}#controller"]
    if controller_key is not None and controller.lower() == address.lower():
        verification.append(
            {
                "id": f"{did}#controllerKey",
                "type": "EcdsaSecp256k1VerificationKey2019",
                "controller": did,
                "publicKeyJwk": PublicKey(KeyType.SECP256K1, controller_key).to_jwk(),
            }
        )
        base_refs.append(f"{did}#controllerKey")
    verification.extend(methods.values())
    context: list[Any] = list(_BASE_CONTEXT)
    for vm in verification:
        for term in (vm["type"], *vm):
            for extra in _TYPE_CONTEXTS.get(term, []):
                if extra not in context:
                    context.append(extra)
    data: dict[str, Any] = {
        "@context": context,
        "id": did,
        "verificationMethod": verification,
        "authentication": [*base_refs, *auth.values()],
        "assertionMethod": [*base_refs, *assertion.values()],
    }
    if services:
        data["service"] = list(services.values())
    if agreement:
        data["keyAgreement"] = list(agreement.values())
    return BuiltDocument(data, False, version_id, next_version_id, valid_until)
