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

The package, from the bottom up: ``identifier`` (parse and build DIDs: the only module the chain
clients import), ``events`` (the registry's logs), ``document`` (the DID document built from an
identity's history), ``resolver`` (``EthrDidResolver`` over ``passport.chain``) and
``controller`` (``EthrDidController``: writes to the registry as the identity's owner). Every
name importable from the former ``passport/did/ethr.py`` is importable from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from passport.did.ethr.document import BuiltDocument, build_document
from passport.did.ethr.events import (
    DID_ATTRIBUTE_CHANGED,
    DID_DELEGATE_CHANGED,
    DID_OWNER_CHANGED,
    EVENT_TOPICS,
    AttributeChanged,
    DelegateChanged,
    OwnerChanged,
    RegistryEvent,
    changed_call_data,
    decode_log,
    identities_of,
)
from passport.did.ethr.identifier import (
    NETWORK_CHAIN_IDS,
    NULL_ADDRESS,
    EthrDid,
    ethr_did,
    parse_ethr_did,
)
from passport.did.ethr.resolver import ChainRegistryReader, EthrDidResolver, RegistryReader

if TYPE_CHECKING:
    from passport.did.ethr.controller import EthrDidController, MetaSignature

__all__ = [
    "DID_ATTRIBUTE_CHANGED",
    "DID_DELEGATE_CHANGED",
    "DID_OWNER_CHANGED",
    "EVENT_TOPICS",
    "NETWORK_CHAIN_IDS",
    "NULL_ADDRESS",
    "AttributeChanged",
    "BuiltDocument",
    "ChainRegistryReader",
    "DelegateChanged",
    "EthrDid",
    "EthrDidController",
    "EthrDidResolver",
    "MetaSignature",
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


def __getattr__(name: str) -> Any:
    # the controller pulls in web3's contract machinery: load it only when asked for
    if name in ("EthrDidController", "MetaSignature"):
        from passport.did.ethr import controller

        value = getattr(controller, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'passport.did.ethr' has no attribute {name!r}")
