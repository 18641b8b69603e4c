"""Controller operations on a did:ethr: write the ERC-1056 registry as the identity's owner.

``EthrDidController(chain, deployment, owner)`` acts for one identity (by default the owner's
own address). Every write goes through ``Chain.transact`` (gas recorded under the op names
below) and is sent by the owner, or, for the ``*_signed`` meta-transactions, signed by the
owner's secp256k1 key and sent (and paid for) by a relayer:

==========================  ==============================================================
op (gas report name)        registry call (effect on the DID document)
==========================  ==============================================================
``publish_assertion_key``   ``setAttribute(did/pub/Ed25519/veriKey/<enc>, key)`` (assertion)
``revoke_assertion_key``    ``revokeAttribute(same name, key)`` (key removed)
``add_service``             ``setAttribute(did/svc/<type>, utf8(endpoint))`` (service)
``add_delegate``            ``addDelegate(veriKey|sigAuth, address, validity)``
``revoke_delegate``         ``revokeDelegate(type, address)``
``change_owner``            ``changeOwner(newOwner)`` (``#controller``; ``0x0`` deactivates)
``change_owner_signed``     ``changeOwnerSigned(v, r, s, newOwner)``
``set_attribute_signed``    ``setAttributeSigned(v, r, s, name, value, validity)``
==========================  ==============================================================

The meta-transaction digest is ERC-1056's: ``keccak256(0x19 0x00 registry nonce[owner]
identity "<function>" args...)`` (abi.encodePacked), signed raw (no Ethereum message prefix)
with the owner's key; the registry's ``nonce`` makes it single-use.

Attribute names are bytes32 (at most 32 UTF-8 bytes); attribute values are raw bytes (the
``<enc>`` suffix only tells resolvers how to present the key, did:ethr spec "Public Keys").

Error codes: ``attribute_name_invalid`` (MalformedError) for a name or service type that does
not fit the spec's format or 32 bytes; ``unsupported_key_type`` (ConfigurationError) for a
key that is not Ed25519 where one is published, or signing a meta-transaction without a
secp256k1 private key; and those of ``Chain.transact``: ``contract_reverted`` (e.g. the
sender is not the identity's owner: ``bad_actor``; a bad meta-transaction signature:
``bad_signature``), ``insufficient_funds``, ``transaction_rejected``, ``rpc_unavailable``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from eth_keys.datatypes import PrivateKey as EthPrivateKey
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract

from passport.chain.client import Chain, OpResult, Sender
from passport.chain.deployment import Deployment
from passport.did.ethr.identifier import ethr_did
from passport.errors import ConfigurationError, MalformedError
from passport.keys import KeyType, PrivateKey, PublicKey

__all__ = [
    "DEFAULT_VALIDITY",
    "EthrDidController",
    "MetaSignature",
    "OpResult",
    "attribute_name",
    "ethr_did",
]

DEFAULT_VALIDITY = 365 * 24 * 3600
"""Validity of a published key, service or delegate unless told otherwise: one year."""

NULL_ADDRESS = "0x0000000000000000000000000000000000000000"
Encoding = Literal["base58", "hex", "base64"]
DelegateType = Literal["veriKey", "sigAuth"]
_NAME_PART = re.compile(r"^\w+$")


@dataclass(frozen=True)
class MetaSignature:
    """An ERC-1056 meta-transaction signature (v is 27 or 28)."""

    v: int
    r: bytes
    s: bytes


def attribute_name(name: str) -> bytes:
    """``name`` as the registry's bytes32 (UTF-8, zero-padded on the right).

    Raises ``attribute_name_invalid`` when it is longer than 32 bytes.
    """
    raw = name.encode("utf-8")
    if len(raw) > 32 or not raw:
        raise MalformedError(
            "attribute_name_invalid",
            f"The attribute name {name!r} must be 1 to 32 bytes (it is a bytes32 on chain).",
            details={"name": name},
        )
    return raw.ljust(32, b"\0")


def _ed25519_raw(public_key: PublicKey) -> bytes:
    if public_key.type is not KeyType.ED25519:
        raise ConfigurationError(
            "unsupported_key_type",
            f"Only Ed25519 keys are published as assertion keys here, not {public_key.type.value}.",
        )
    return public_key.raw


def _key_name(encoding: str) -> str:
    if encoding not in ("base58", "hex", "base64"):
        raise MalformedError(
            "attribute_name_invalid",
            f"Key encoding {encoding!r} is not one of base58, hex, base64.",
            details={"encoding": encoding},
        )
    return f"did/pub/Ed25519/veriKey/{encoding}"


class EthrDidController:
    """Writes the DID registry for ``identity`` (default: the owner's address) as ``owner``.

    ``owner`` is the identity owner's secp256k1 ``PrivateKey`` (signs locally; needs funds for
    gas, see ``Chain.fund``) or an unlocked dev account address (tests, local demos). The
    ``*_signed`` methods need a ``PrivateKey`` owner and a ``relayer`` that pays.
    """

    def __init__(
        self,
        chain: Chain,
        deployment: Deployment,
        owner: Sender,
        *,
        identity: str | None = None,
    ) -> None:
        self.chain = chain
        self.deployment = deployment
        self.owner = owner
        self.identity = to_checksum_address(identity or chain.address_of(owner))
        self.registry: Contract = deployment.contract(chain, "DIDRegistry")

    @property
    def did(self) -> str:
        """The identity's chain-id-qualified did:ethr."""
        return ethr_did(self.identity, self.deployment.chain_id)

    # -- reads --

    def owner_address(self) -> str:
        """The identity's current owner according to the registry (one ``eth_call``)."""
        return str(self.chain.call(self.registry.functions.identityOwner(self.identity)))

    def nonce(self) -> int:
        """The meta-transaction nonce of the identity's current owner."""
        return int(self.chain.call(self.registry.functions.nonce(self.owner_address())))

    # -- attributes --

    def set_attribute(
        self,
        name: str,
        value: bytes,
        *,
        valid_for: int = DEFAULT_VALIDITY,
        op: str = "setAttribute",
    ) -> OpResult:
        """``setAttribute(identity, name, value, valid_for)``. Raises ``attribute_name_invalid``
        and the errors of ``Chain.transact``."""
        fn = self.registry.functions.setAttribute(
            self.identity, attribute_name(name), value, valid_for
        )
        return OpResult.of(op, self.chain.transact(fn, sender=self.owner, op=op))

    def revoke_attribute(self, name: str, value: bytes, *, op: str = "revokeAttribute") -> OpResult:
        """``revokeAttribute(identity, name, value)``: the attribute's event gets validTo 0."""
        fn = self.registry.functions.revokeAttribute(self.identity, attribute_name(name), value)
        return OpResult.of(op, self.chain.transact(fn, sender=self.owner, op=op))

    def publish_ed25519_assertion_key(
        self,
        public_key: PublicKey,
        *,
        valid_for: int = DEFAULT_VALIDITY,
        encoding: Encoding = "base58",
    ) -> OpResult:
        """Publish ``public_key`` as an assertion key: attribute
        ``did/pub/Ed25519/veriKey/<encoding>`` (did:ethr spec "Public Keys", purpose
        ``veriKey`` -> ``assertionMethod``), valid for ``valid_for`` seconds.

        Raises ``unsupported_key_type``, ``attribute_name_invalid``, and the errors of
        ``Chain.transact``.
        """
        return self.set_attribute(
            _key_name(encoding),
            _ed25519_raw(public_key),
            valid_for=valid_for,
            op="publish_assertion_key",
        )

    def revoke_ed25519_assertion_key(
        self, public_key: PublicKey, *, encoding: Encoding = "base58"
    ) -> OpResult:
        """Revoke an assertion key published with ``encoding`` (the name and value must be
        those it was published with)."""
        return self.revoke_attribute(
            _key_name(encoding), _ed25519_raw(public_key), op="revoke_assertion_key"
        )

    def rotate_ed25519_assertion_key(
        self,
        old: PublicKey,
        new: PublicKey,
        *,
        valid_for: int = DEFAULT_VALIDITY,
        encoding: Encoding = "base58",
        old_encoding: Encoding | None = None,
    ) -> tuple[OpResult, OpResult]:
        """Rotate an assertion key: revoke ``old`` then publish ``new`` (two transactions).

        Credentials signed by ``old`` stop verifying once resolvers see the change; they
        still verify against the DID as of an earlier ``versionId``.
        """
        revoked = self.revoke_ed25519_assertion_key(old, encoding=old_encoding or encoding)
        published = self.publish_ed25519_assertion_key(new, valid_for=valid_for, encoding=encoding)
        return revoked, published

    def add_service(
        self, service_type: str, endpoint: str, *, valid_for: int = DEFAULT_VALIDITY
    ) -> OpResult:
        """Add a service (attribute ``did/svc/<service_type>``, value the UTF-8 endpoint).

        Raises ``attribute_name_invalid`` when ``service_type`` is not a word (letters,
        digits, ``_``) or makes the name longer than 32 bytes.
        """
        if not _NAME_PART.match(service_type):
            raise MalformedError(
                "attribute_name_invalid",
                f"Service type {service_type!r} must be letters, digits or '_' only.",
                details={"service_type": service_type},
            )
        return self.set_attribute(
            f"did/svc/{service_type}",
            endpoint.encode("utf-8"),
            valid_for=valid_for,
            op="add_service",
        )

    # -- delegates --

    def add_delegate(
        self, delegate_type: DelegateType, delegate: str, *, valid_for: int = DEFAULT_VALIDITY
    ) -> OpResult:
        """``addDelegate``: ``veriKey`` (assertionMethod) or ``sigAuth`` (also authentication)."""
        fn = self.registry.functions.addDelegate(
            self.identity,
            attribute_name(delegate_type),
            to_checksum_address(delegate),
            valid_for,
        )
        return OpResult.of(
            "add_delegate", self.chain.transact(fn, sender=self.owner, op="add_delegate")
        )

    def revoke_delegate(self, delegate_type: DelegateType, delegate: str) -> OpResult:
        """``revokeDelegate``: the delegate's validity ends now."""
        fn = self.registry.functions.revokeDelegate(
            self.identity, attribute_name(delegate_type), to_checksum_address(delegate)
        )
        return OpResult.of(
            "revoke_delegate", self.chain.transact(fn, sender=self.owner, op="revoke_delegate")
        )

    def valid_delegate(self, delegate_type: DelegateType, delegate: str) -> bool:
        """The registry's ``validDelegate`` view."""
        return bool(
            self.chain.call(
                self.registry.functions.validDelegate(
                    self.identity, attribute_name(delegate_type), to_checksum_address(delegate)
                )
            )
        )

    # -- ownership --

    def change_owner(self, new_owner: str) -> OpResult:
        """``changeOwner``: hand the identity to ``new_owner`` (``0x0`` deactivates the DID,
        for good). After it, this controller's ``owner`` can no longer write."""
        fn = self.registry.functions.changeOwner(self.identity, to_checksum_address(new_owner))
        return OpResult.of(
            "change_owner", self.chain.transact(fn, sender=self.owner, op="change_owner")
        )

    def deactivate(self) -> OpResult:
        """Deactivate the DID (owner ``0x0``, did:ethr spec "Delete (Revoke)")."""
        return self.change_owner(NULL_ADDRESS)

    # -- meta-transactions --

    def _sign(self, payload: bytes) -> MetaSignature:
        if not isinstance(self.owner, PrivateKey) or self.owner.type is not KeyType.SECP256K1:
            raise ConfigurationError(
                "unsupported_key_type",
                "Signing a meta-transaction needs the owner's secp256k1 private key.",
            )
        digest = keccak(
            b"\x19\x00"
            + bytes.fromhex(str(self.registry.address)[2:])
            + self.nonce().to_bytes(32, "big")
            + bytes.fromhex(self.identity[2:])
            + payload
        )
        sig = EthPrivateKey(self.owner.secret).sign_msg_hash(digest)
        return MetaSignature(sig.v + 27, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big"))

    def sign_change_owner(self, new_owner: str) -> MetaSignature:
        """The owner's signature for ``changeOwnerSigned`` (uses the current nonce)."""
        return self._sign(b"changeOwner" + bytes.fromhex(to_checksum_address(new_owner)[2:]))

    def sign_set_attribute(self, name: str, value: bytes, valid_for: int) -> MetaSignature:
        """The owner's signature for ``setAttributeSigned`` (uses the current nonce)."""
        return self._sign(
            b"setAttribute" + attribute_name(name) + value + valid_for.to_bytes(32, "big")
        )

    def change_owner_signed(
        self, new_owner: str, *, relayer: Sender, signature: MetaSignature | None = None
    ) -> OpResult:
        """``changeOwnerSigned``: signed by the owner, sent and paid for by ``relayer``."""
        sig = signature or self.sign_change_owner(new_owner)
        fn = self.registry.functions.changeOwnerSigned(
            self.identity, sig.v, sig.r, sig.s, to_checksum_address(new_owner)
        )
        return OpResult.of(
            "change_owner_signed",
            self.chain.transact(fn, sender=relayer, op="change_owner_signed"),
        )

    def set_attribute_signed(
        self,
        name: str,
        value: bytes,
        *,
        relayer: Sender,
        valid_for: int = DEFAULT_VALIDITY,
        signature: MetaSignature | None = None,
    ) -> OpResult:
        """``setAttributeSigned``: signed by the owner, sent and paid for by ``relayer``."""
        sig = signature or self.sign_set_attribute(name, value, valid_for)
        fn = self.registry.functions.setAttributeSigned(
            self.identity, sig.v, sig.r, sig.s, attribute_name(name), value, valid_for
        )
        return OpResult.of(
            "set_attribute_signed",
            self.chain.transact(fn, sender=relayer, op="set_attribute_signed"),
        )

    def publish_ed25519_assertion_key_signed(
        self,
        public_key: PublicKey,
        *,
        relayer: Sender,
        valid_for: int = DEFAULT_VALIDITY,
        encoding: Encoding = "base58",
    ) -> OpResult:
        """``publish_ed25519_assertion_key`` as a meta-transaction sent by ``relayer``."""
        return self.set_attribute_signed(
            _key_name(encoding), _ed25519_raw(public_key), relayer=relayer, valid_for=valid_for
        )
