"""The ERC-1056 registry's events (``DIDOwnerChanged``, ``DIDDelegateChanged``,
``DIDAttributeChanged``), decoded from raw logs, and the ``changed(address)`` call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

if TYPE_CHECKING:
    pass


# topic0 of the three ERC-1056 events (the standard field layout)
DID_OWNER_CHANGED = keccak(text="DIDOwnerChanged(address,address,uint256)")
DID_DELEGATE_CHANGED = keccak(text="DIDDelegateChanged(address,bytes32,address,uint256,uint256)")
DID_ATTRIBUTE_CHANGED = keccak(text="DIDAttributeChanged(address,bytes32,bytes,uint256,uint256)")
EVENT_TOPICS = (DID_OWNER_CHANGED, DID_DELEGATE_CHANGED, DID_ATTRIBUTE_CHANGED)
_CHANGED_SELECTOR = keccak(text="changed(address)")[:4]


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




def changed_call_data(identity: str) -> bytes:
    """ABI call data of ``changed(address)``."""
    return _CHANGED_SELECTOR + bytes(12) + bytes.fromhex(identity[2:])



def identities_of(logs: Iterable[Mapping[str, Any]]) -> set[str]:
    """The identity addresses (topic 1) named by registry logs."""
    out: set[str] = set()
    for log in logs:
        topics = log.get("topics") or []
        if len(topics) > 1:
            out.add(to_checksum_address(_as_bytes(topics[1])[-20:]))
    return out
