"""did:ethr: DIDs of Ethereum accounts, documents built from an ERC-1056 registry's events.

Implements the did:ethr method specification (decentralized-identity/ethr-did-resolver,
``doc/did-method-spec.md``) for chain-id-qualified DIDs such as ``did:ethr:0x7a69:0xAbC...``:

- *Method Specific Identifier*: ``did:ethr:[<network> ":"]<0x address | 0x compressed
  secp256k1 public key>``; the network is ``0x``-hex chain id or ``mainnet``/``sepolia``/
  ``goerli``; none means mainnet (chain 1). A resolver serves ONE chain (the deployment's):
  a DID of another chain is ``did_chain_mismatch``.
- *Read (Resolve)*, "Enumerating Contract Events": ``changed(identity)`` gives the block of
  the last change; the registry's logs for the identity at that block (one ``eth_getLogs``
  per change block) carry ``previousChange``, which is followed back to 0.
- The document is built from the event history as the spec (and its reference resolver)
  does: ``#controller`` (``EcdsaSecp256k1RecoveryMethod2020``, ``blockchainAccountId``
  ``eip155:<chainId>:<owner>``) in ``verificationMethod``, ``authentication`` and
  ``assertionMethod``; ``#controllerKey`` (``EcdsaSecp256k1VerificationKey2019``,
  ``publicKeyJwk``) for a public-key DID whose owner has not changed; delegates
  ``veriKey`` (assertionMethod) and ``sigAuth`` (also authentication); attributes
  ``did/pub/<alg>/<purpose>[/<encoding>]`` as keys (spec "Known Key Types": Ed25519 ->
  ``Ed25519VerificationKey2020`` + ``publicKeyMultibase``, X25519 ->
  ``X25519KeyAgreementKey2020`` under ``keyAgreement``, Secp256k1 ->
  ``EcdsaSecp256k1VerificationKey2019`` + ``publicKeyJwk`` or ``publicKeyHex`` with the
  ``hex`` hint, RSA -> ``RsaVerificationKey2018`` + ``publicKeyPem``; the encoding hint names
  how the key was written, raw bytes are always stored) and ``did/svc/<type>`` as services;
  ids ``#delegate-N`` / ``#service-N`` count every event that touches the section, so ids
  stay stable ("id properties of entries"). Entries count while ``validTo >= now``; a
  revocation is an event whose ``validTo`` has passed (0 for attributes). An owner of
  ``0x0`` deactivates the DID ("Delete (Revoke)"): empty document, metadata
  ``deactivated: true``.
- ``?versionId=<block>`` (spec "Resolving DID URIs with query parameters") resolves as of that
  block: later events are ignored, ``validTo`` is compared with that block's timestamp, and
  metadata gets ``versionId``/``updated`` (last change at or before it) and
  ``nextVersionId``/``nextUpdate`` (the first change after it).

Freshness and caching (the staleness trade-off):

- By default each ``resolve`` reads ``changed(identity)`` (one ``eth_call``) and reuses the
  cached history while it is unchanged: always current, one RPC call per resolution.
- With ``poll_interval`` set, ``resolve`` makes no RPC call for a cached identity; instead
  ``refresh()`` (called automatically at most every ``poll_interval`` seconds of the clock, or
  by the caller) fetches the registry's ``DIDOwnerChanged``/``DIDDelegateChanged``/
  ``DIDAttributeChanged`` logs since the last block it saw (one ``eth_blockNumber`` + one
  ``eth_getLogs``) and invalidates the identities they name. A verification then needs no
  RPC call, and a key rotation is seen at most ``poll_interval`` seconds late (plus the TTL
  of a ``CachingResolver`` in front, which caches whole documents). Choose the interval as
  the longest time a rotated-out key may still be accepted.
- Histories are extended incrementally (only the new change blocks are fetched); block
  timestamps are cached (blocks do not change).

Error codes: ``did_invalid`` (MalformedError) for a DID that is not a did:ethr or a bad
``versionId``; ``did_chain_mismatch`` (CouldNotCheckError) for a DID of another chain;
``rpc_unavailable`` (CouldNotCheckError) when the node cannot be reached;
``did_resolution_failed`` (CouldNotCheckError) when the registry's history cannot be read
(a change block without logs: a pruned node).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from passport.did.document import DidDocument
from passport.errors import CouldNotCheckError, MalformedError, PassportError
from passport.keys import KeyType, PublicKey, multibase_b58_encode
from passport.ports import Clock, SystemClock

if TYPE_CHECKING:
    from passport.chain.client import Chain
    from passport.chain.deployment import Deployment

__all__ = [
    "DID_OWNER_CHANGED",
    "DID_DELEGATE_CHANGED",
    "DID_ATTRIBUTE_CHANGED",
    "AttributeChanged",
    "BuiltDocument",
    "ChainRegistryReader",
    "DelegateChanged",
    "EthrDid",
    "EthrDidResolver",
    "OwnerChanged",
    "RegistryEvent",
    "RegistryReader",
    "build_document",
    "changed_call_data",
    "decode_log",
    "ethr_did",
    "identities_of",
    "parse_ethr_did",
]

NULL_ADDRESS = "0x0000000000000000000000000000000000000000"
NETWORK_CHAIN_IDS = {"mainnet": 1, "sepolia": 11155111, "goerli": 5}

# topic0 of the three ERC-1056 events (the standard field layout)
DID_OWNER_CHANGED = keccak(text="DIDOwnerChanged(address,address,uint256)")
DID_DELEGATE_CHANGED = keccak(text="DIDDelegateChanged(address,bytes32,address,uint256,uint256)")
DID_ATTRIBUTE_CHANGED = keccak(text="DIDAttributeChanged(address,bytes32,bytes,uint256,uint256)")
EVENT_TOPICS = (DID_OWNER_CHANGED, DID_DELEGATE_CHANGED, DID_ATTRIBUTE_CHANGED)
_CHANGED_SELECTOR = keccak(text="changed(address)")[:4]

_DID_RE = re.compile(r"^did:ethr:(?:([A-Za-z0-9]+):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$")
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


def _invalid(message: str, did: str) -> MalformedError:
    return MalformedError("did_invalid", message, details={"did": did})


# --- identifiers ------------------------------------------------------------------------


@dataclass(frozen=True)
class EthrDid:
    """A parsed did:ethr (URL): the DID itself, its chain, identity address and query."""

    did: str
    chain_id: int
    address: str  # EIP-55 checksummed identity address
    public_key: bytes | None = None  # the compressed secp256k1 key of a public-key DID
    version_id: int | None = None  # ?versionId=<block>; None = latest


def ethr_did(address: str, chain_id: int) -> str:
    """The chain-id-qualified did:ethr of ``address``: ``did:ethr:0x7a69:0xAbC...``.

    Raises ``did_invalid`` when ``address`` is not a 20-byte hex address.
    """
    if not isinstance(address, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        raise _invalid(f"{address!r} is not an Ethereum address (0x + 40 hex digits).", address)
    return f"did:ethr:{hex(chain_id)}:{to_checksum_address(address)}"


def _address_of_public_key(raw: bytes, did: str) -> str:
    try:
        PublicKey(KeyType.SECP256K1, raw)
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), raw)
    except (PassportError, ValueError) as exc:
        raise _invalid(f"{did!r}: the identifier is not a compressed secp256k1 key.", did) from exc
    uncompressed = point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return to_checksum_address(keccak(uncompressed[1:])[-20:])


@lru_cache(maxsize=4096)  # pure, and on every verification's path (EthrDid is frozen)
def parse_ethr_did(did_url: str) -> EthrDid:
    """Parse a did:ethr or did:ethr URL (spec "Method Specific Identifier").

    The fragment is dropped; the query may carry ``versionId`` (a block number or
    ``latest``). Raises ``did_invalid``.
    """
    if not isinstance(did_url, str):
        raise _invalid("A DID must be a string.", repr(did_url))
    without_fragment = did_url.split("#", 1)[0]
    did, _, query = without_fragment.partition("?")
    m = _DID_RE.match(did)
    if not m:
        raise _invalid(
            f"{did!r} is not a did:ethr "
            "(did:ethr:[<0x chain id>:]<0x address or compressed public key>).",
            did,
        )
    network, ident = m.group(1), m.group(2)
    if network is None:
        chain_id = 1
    elif network.startswith("0x"):
        try:
            chain_id = int(network, 16)
        except ValueError:
            raise _invalid(f"{did!r}: {network!r} is not a hex chain id.", did) from None
    elif network in NETWORK_CHAIN_IDS:
        chain_id = NETWORK_CHAIN_IDS[network]
    else:
        raise _invalid(
            f"{did!r}: unknown network {network!r}; name the chain by its 0x-hex chain id.", did
        )
    public_key: bytes | None = None
    if len(ident) == 68:
        public_key = bytes.fromhex(ident[2:])
        address = _address_of_public_key(public_key, did)
    else:
        address = to_checksum_address(ident)
    version_id: int | None = None
    if query:
        values = parse_qs(query, keep_blank_values=True).get("versionId")
        if values:
            text = values[-1]
            if text != "latest":
                if not text.isdigit():
                    raise _invalid(
                        f"{did_url!r}: versionId must be a block number or 'latest'.", did
                    )
                version_id = int(text)
    return EthrDid(did, chain_id, address, public_key, version_id)


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerChanged:
    """``DIDOwnerChanged(identity indexed, owner, previousChange)``."""

    block_number: int
    previous_change: int
    owner: str
    log_index: int = 0


@dataclass(frozen=True)
class DelegateChanged:
    """``DIDDelegateChanged(identity indexed, delegateType, delegate, validTo, previousChange)``."""

    block_number: int
    previous_change: int
    delegate_type: str
    delegate: str
    valid_to: int
    log_index: int = 0


@dataclass(frozen=True)
class AttributeChanged:
    """``DIDAttributeChanged(identity indexed, name, value, validTo, previousChange)``."""

    block_number: int
    previous_change: int
    name: str
    value: bytes
    valid_to: int
    log_index: int = 0


RegistryEvent = OwnerChanged | DelegateChanged | AttributeChanged


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    raise TypeError(f"not bytes: {type(value).__name__}")


def _as_int(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 16) if value.startswith("0x") else int(value)
    raise TypeError(f"not an integer: {type(value).__name__}")


def _bytes32_text(raw: bytes) -> str | None:
    try:
        return raw.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_log(log: Mapping[str, Any]) -> tuple[RegistryEvent | None, int]:
    """Decode one registry log (web3 or raw JSON-RPC form) into (event, previousChange).

    The event is None for a log that is not one of the three DID events, or whose bytes32
    field is not UTF-8 (not a DID-spec event; its ``previousChange`` still counts, as in the
    reference resolver). Raises ValueError/TypeError for a log that cannot be decoded.
    """
    topics = [_as_bytes(t) for t in log["topics"]]
    data = _as_bytes(log["data"])
    block = _as_int(log["blockNumber"])
    index = _as_int(log.get("logIndex", 0) or 0)
    if not topics:
        return None, 0
    if topics[0] == DID_OWNER_CHANGED:
        owner, previous = abi_decode(["address", "uint256"], data)
        return OwnerChanged(block, previous, to_checksum_address(owner), index), previous
    if topics[0] == DID_DELEGATE_CHANGED:
        dtype, delegate, valid_to, previous = abi_decode(
            ["bytes32", "address", "uint256", "uint256"], data
        )
        name = _bytes32_text(dtype)
        if name is None:
            return None, previous
        return (
            DelegateChanged(block, previous, name, to_checksum_address(delegate), valid_to, index),
            previous,
        )
    if topics[0] == DID_ATTRIBUTE_CHANGED:
        raw_name, value, valid_to, previous = abi_decode(
            ["bytes32", "bytes", "uint256", "uint256"], data
        )
        name = _bytes32_text(raw_name)
        if name is None:
            return None, previous
        return AttributeChanged(block, previous, name, bytes(value), valid_to, index), previous
    return None, 0


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


# --- reading the registry -----------------------------------------------------------------


class RegistryReader(Protocol):
    """The four JSON-RPC reads the resolver needs (implemented over ``passport.chain``)."""

    def chain_id(self) -> int: ...

    def changed(self, registry: str, identity: str) -> int: ...

    def logs(
        self, registry: str, from_block: int, to_block: int, identity: str | None
    ) -> list[Mapping[str, Any]]: ...

    def block_number(self) -> int: ...

    def block_timestamp(self, block: int) -> int: ...


def changed_call_data(identity: str) -> bytes:
    """ABI call data of ``changed(address)``."""
    return _CHANGED_SELECTOR + bytes(12) + bytes.fromhex(identity[2:])


class ChainRegistryReader:
    """``RegistryReader`` over a ``passport.chain.client.Chain`` (its requests are counted and
    transport failures raise ``rpc_unavailable``)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def chain_id(self) -> int:
        return self.chain.chain_id

    def changed(self, registry: str, identity: str) -> int:
        raw = self.chain.w3.eth.call(
            {"to": to_checksum_address(registry), "data": changed_call_data(identity)}
        )
        return int.from_bytes(bytes(raw)[-32:], "big") if raw else 0

    def logs(
        self, registry: str, from_block: int, to_block: int, identity: str | None
    ) -> list[Mapping[str, Any]]:
        topics: list[Any] = [["0x" + t.hex() for t in EVENT_TOPICS]]
        if identity is not None:
            topics.append("0x" + bytes(12).hex() + identity[2:].lower())
        return list(
            self.chain.w3.eth.get_logs(
                {
                    "address": to_checksum_address(registry),
                    "fromBlock": from_block,
                    "toBlock": to_block,
                    "topics": topics,
                }
            )
        )

    def block_number(self) -> int:
        return self.chain.block_number()

    def block_timestamp(self, block: int) -> int:
        return self.chain.block_timestamp(block)


@dataclass
class _Entry:
    changed: int
    history: tuple[RegistryEvent, ...]
    stale: bool = False
    docs: dict[str, tuple[DidDocument, int | None]] = field(default_factory=dict)


def _rpc_guard(what: str) -> Callable[[Callable[[], Any]], Any]:
    def run(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except PassportError:
            raise
        except Exception as exc:  # the transport's own errors vary by provider
            raise CouldNotCheckError(
                "rpc_unavailable",
                f"Could not {what} from the chain node ({type(exc).__name__}: {exc}); "
                "check that the node is running and the RPC URL is right.",
            ) from exc

    return run


class EthrDidResolver:
    """Resolves did:ethr DIDs of one chain from its ERC-1056 registry (a ``MethodResolver``).

    ``reader`` does the JSON-RPC reads (``passport.chain`` provides one over a ``Chain``:
    ``EthrDidResolver.for_chain(chain, deployment)``); ``registry`` is the DIDRegistry
    address and ``chain_id`` the chain it lives on. ``clock`` decides which entries have
    expired; ``poll_interval`` switches to log polling (see the module docstring).
    """

    def __init__(
        self,
        reader: RegistryReader,
        registry: str,
        chain_id: int,
        *,
        clock: Clock | None = None,
        poll_interval: float | None = None,
        max_log_range: int = 50_000,
    ) -> None:
        self.reader = reader
        self.registry = to_checksum_address(registry)
        self.chain_id = chain_id
        self.clock: Clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self.max_log_range = max_log_range
        self._entries: dict[str, _Entry] = {}
        self._timestamps: dict[int, int] = {}
        self._synced_block: int | None = None
        self._last_poll: datetime | None = None
        self._lock = threading.RLock()

    @classmethod
    def for_chain(
        cls,
        chain: Chain,
        registry: str,
        *,
        chain_id: int | None = None,
        clock: Clock | None = None,
        poll_interval: float | None = None,
    ) -> EthrDidResolver:
        """A resolver reading the DIDRegistry at ``registry`` through ``chain`` (its chain id
        is the node's unless ``chain_id`` says otherwise, e.g. from a deployment file)."""
        return cls(
            ChainRegistryReader(chain),
            registry,
            chain.chain_id if chain_id is None else chain_id,
            clock=clock,
            poll_interval=poll_interval,
        )

    @classmethod
    def from_deployment(
        cls,
        chain: Chain,
        deployment: Deployment,
        *,
        clock: Clock | None = None,
        poll_interval: float | None = None,
    ) -> EthrDidResolver:
        """A resolver for the DIDs of ``deployment``'s chain, reading its DIDRegistry. The
        chain id is the deployment's (no RPC call is made here)."""
        return cls.for_chain(
            chain,
            deployment.addresses["DIDRegistry"],
            chain_id=deployment.chain_id,
            clock=clock,
            poll_interval=poll_interval,
        )

    # -- public API --

    def resolve(self, did: str) -> DidDocument:
        """Resolve ``did`` (optionally ``?versionId=<block>``) to its document.

        did:ethr spec "Read (Resolve)". Metadata: ``versionId``, ``updated``,
        ``nextVersionId``, ``nextUpdate``, ``deactivated`` as the spec says, plus ``changed``
        (the registry's last change block for the identity) and ``chainId``.
        Raises ``did_invalid``, ``did_chain_mismatch``, ``rpc_unavailable``,
        ``did_resolution_failed``.
        """
        parsed = parse_ethr_did(did)
        if parsed.chain_id != self.chain_id:
            raise CouldNotCheckError(
                "did_chain_mismatch",
                f"{parsed.did} lives on chain {hex(parsed.chain_id)}, but this resolver reads "
                f"chain {hex(self.chain_id)}; configure a deployment of that chain.",
                details={"did": parsed.did, "chainId": parsed.chain_id},
            )
        if self.poll_interval is not None:
            self._maybe_poll()
        entry = self._entry(parsed.address)
        if parsed.version_id is None:
            now = int(self.clock.now().timestamp())
            cached = entry.docs.get(parsed.did)
            if cached is not None and (cached[1] is None or now <= cached[1]):
                return cached[0]
            doc = self._document(parsed, entry, now, None)
            with self._lock:
                entry.docs[parsed.did] = (doc, self._expiry(doc))
            return doc
        try:
            now = self._timestamp(parsed.version_id)
        except CouldNotCheckError as exc:
            if type(exc.__cause__).__name__ != "BlockNotFound":
                raise
            raise _invalid(
                f"{did}: versionId {parsed.version_id} is beyond the chain's latest block.",
                parsed.did,
            ) from None
        return self._document(parsed, entry, now, parsed.version_id)

    def refresh(self) -> set[str]:
        """Poll the registry's DID events since the last block seen; invalidate what changed.

        One ``eth_blockNumber`` and one ``eth_getLogs`` (per ``max_log_range`` blocks).
        Returns the checksummed identity addresses whose cached documents were dropped. The
        first call only sets the starting block. Raises ``rpc_unavailable``.
        """
        guard = _rpc_guard("poll the DID registry")
        latest = int(guard(self.reader.block_number))
        changed: set[str] = set()
        with self._lock:
            start = self._synced_block
        if start is None:
            pass
        elif latest < start:  # the chain went back (a reset dev node): trust nothing cached
            with self._lock:
                changed = set(self._entries)
                self._entries.clear()
        else:
            frm = start + 1
            while frm <= latest:
                to = min(latest, frm + self.max_log_range - 1)
                changed |= identities_of(
                    guard(partial(self.reader.logs, self.registry, frm, to, None))
                )
                frm = to + 1
            with self._lock:
                for identity in changed:
                    entry = self._entries.get(identity)
                    if entry is not None:
                        entry.stale = True
                        entry.docs.clear()
        with self._lock:
            self._synced_block = latest
            self._last_poll = self.clock.now()
        return changed

    def invalidate(self, address: str | None = None) -> None:
        """Forget the cached history of ``address`` (all when None)."""
        with self._lock:
            if address is None:
                self._entries.clear()
            else:
                self._entries.pop(to_checksum_address(address), None)

    # -- internals --

    def _maybe_poll(self) -> None:
        assert self.poll_interval is not None
        last = self._last_poll
        if last is None or (self.clock.now() - last).total_seconds() >= self.poll_interval:
            self.refresh()

    def _entry(self, address: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(address)
        if entry is not None and self.poll_interval is not None and not entry.stale:
            return entry  # polling mode: the last refresh saw no change for this identity
        guard = _rpc_guard("read the DID registry")
        changed = int(guard(lambda: self.reader.changed(self.registry, address)))
        if entry is not None and entry.changed == changed:
            entry.stale = False
            return entry
        history = self._history(address, changed, entry)
        fresh = _Entry(changed, history)
        with self._lock:
            self._entries[address] = fresh
        return fresh

    def _history(
        self, address: str, changed: int, known: _Entry | None
    ) -> tuple[RegistryEvent, ...]:
        """did:ethr spec "Enumerating Contract Events" steps 1-4, stopping early at the block
        a cached history already reaches."""
        guard = _rpc_guard("read the DID registry's logs")
        newer: list[RegistryEvent] = []
        block = changed
        base: tuple[RegistryEvent, ...] = ()
        while block:
            if known is not None and known.changed and block == known.changed:
                base = known.history
                break
            logs: list[Mapping[str, Any]] = guard(
                partial(self.reader.logs, self.registry, block, block, address)
            )
            if not logs:
                raise CouldNotCheckError(
                    "did_resolution_failed",
                    f"The registry says {address} changed in block {block}, but the node has "
                    "no logs for it; use a node that keeps the full log history.",
                    details={"address": address, "block": block},
                )
            previous = 0
            events: list[RegistryEvent] = []
            for log in sorted(logs, key=lambda lg: _as_int(lg.get("logIndex", 0) or 0)):
                try:
                    event, pc = decode_log(log)
                except (ValueError, TypeError, KeyError) as exc:
                    raise CouldNotCheckError(
                        "did_resolution_failed",
                        f"A DID registry log in block {block} cannot be decoded: {exc}.",
                    ) from exc
                if 0 < pc < block and (previous == 0 or pc < previous):
                    previous = pc
                if event is not None:
                    events.append(event)
            newer[:0] = events
            block = previous
        return (*base, *newer)

    def _timestamp(self, block: int) -> int:
        with self._lock:
            if block in self._timestamps:
                return self._timestamps[block]
        guard = _rpc_guard("read a block")
        ts = int(guard(lambda: self.reader.block_timestamp(block)))
        with self._lock:
            self._timestamps[block] = ts
        return ts

    def _document(
        self, parsed: EthrDid, entry: _Entry, now: int, version: int | None
    ) -> DidDocument:
        built = build_document(
            parsed.did,
            parsed.address,
            entry.history,
            chain_id=self.chain_id,
            now=now,
            controller_key=parsed.public_key,
            version_block=version,
        )
        meta: dict[str, Any] = {"chainId": self.chain_id, "changed": entry.changed}
        if built.deactivated:
            meta["deactivated"] = True
        if built.version_id is not None:
            meta["versionId"] = str(built.version_id)
            meta["updated"] = _iso(self._timestamp(built.version_id))
        if built.next_version_id is not None:
            meta["nextVersionId"] = str(built.next_version_id)
            meta["nextUpdate"] = _iso(self._timestamp(built.next_version_id))
        if built.valid_until is not None:
            meta["validUntil"] = built.valid_until
        return DidDocument(built.data, meta)

    @staticmethod
    def _expiry(doc: DidDocument) -> int | None:
        value = doc.metadata.get("validUntil")
        return value if isinstance(value, int) else None


def identities_of(logs: Iterable[Mapping[str, Any]]) -> set[str]:
    """The identity addresses (topic 1) named by registry logs."""
    out: set[str] = set()
    for log in logs:
        topics = log.get("topics") or []
        if len(topics) > 1:
            out.add(to_checksum_address(_as_bytes(topics[1])[-20:]))
    return out
