"""Selective disclosure for the offline credential: salted disclosures under one Merkle root.

Each claim is a disclosure, the CBOR array ``[salt, name, value]`` (as in SD-JWT / SD-CWT),
kept as its exact encoded bytes. Its leaf digest is ``SHA-256(0x00 || disclosure)``
truncated to 16 bytes; inner nodes are ``SHA-256(0x01 || left || right)`` truncated to
16 bytes, and a level with an odd number of nodes carries its last node up unchanged. The
issuer signs only the root and the leaf count, so a QR carries, besides the disclosed
claims, just the sibling nodes needed to recompute the root (a multiproof): a handful of
16-byte nodes instead of one digest per undisclosed claim.

Why 16 bytes: forging a disclosure means finding a second preimage of a 128-bit value
(2^128 work), the security level of the Ed25519 signatures around it. Collisions do not
help an attacker: the issuer chooses every salt. Salts are 16 random bytes (128 bits, as
RFC 9901 section 9.3 recommends), so an undisclosed ``true`` / ``false`` cannot be guessed.

Error codes: ``offline_qr_malformed`` (MalformedError) for a disclosure or proof of the
wrong shape; ``offline_disclosure_invalid`` (VerdictError) when the disclosed claims and
the proof do not lead to the signed root (a tampered claim).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import cbor2

from passport.errors import MalformedError, VerdictError
from passport.offline.claims import ClaimName, ClaimValue, encode_value

__all__ = [
    "NODE_SIZE",
    "SALT_SIZE",
    "compute_root",
    "decode_disclosure",
    "encode_disclosure",
    "leaf_digest",
    "merkle_root",
    "multiproof",
]

NODE_SIZE: Final = 16
SALT_SIZE: Final = 16
_LEAF: Final = b"\x00"
_NODE: Final = b"\x01"


def _malformed(message: str) -> MalformedError:
    return MalformedError("offline_qr_malformed", message)


def encode_disclosure(salt: bytes, name: ClaimName, value: ClaimValue) -> bytes:
    """The disclosure ``[salt, name, value]`` in CBOR (RFC 8949 preferred serialisation)."""
    return cbor2.dumps([salt, name, encode_value(name, value)])


def decode_disclosure(data: bytes) -> tuple[bytes, ClaimName, Any]:
    """(salt, name, value) of a disclosure. Raises ``offline_qr_malformed``."""
    try:
        item = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise _malformed(f"A disclosure is not CBOR: {exc}") from None
    if (
        not isinstance(item, list)
        or len(item) != 3
        or not isinstance(item[0], bytes)
        or len(item[0]) != SALT_SIZE
        or isinstance(item[1], bool)
        or not isinstance(item[1], int | str)
    ):
        raise _malformed("A disclosure must be [16-byte salt, name, value].")
    return item[0], item[1], item[2]


def leaf_digest(disclosure: bytes) -> bytes:
    return hashlib.sha256(_LEAF + disclosure).digest()[:NODE_SIZE]


def _parent(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()[:NODE_SIZE]


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        cur = levels[-1]
        nxt = [_parent(cur[i], cur[i + 1]) for i in range(0, len(cur) - 1, 2)]
        if len(cur) % 2:
            nxt.append(cur[-1])  # carried up unchanged
        levels.append(nxt)
    return levels


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root over ``leaves`` (at least one)."""
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf")
    return _levels(leaves)[-1][0]


def _walk(width: int, known: set[int]) -> Iterator[tuple[int, int]]:
    """The (level, index) of every node a multiproof supplies, in proof order: level by
    level from the leaves, ascending index within a level."""
    level = 0
    while width > 1:
        for i in sorted(known):
            sibling = i ^ 1
            if sibling < width and sibling not in known:
                yield level, sibling
        known = {i // 2 for i in known}
        width = (width + 1) // 2
        level += 1


def multiproof(leaves: Sequence[bytes], disclosed: set[int]) -> list[bytes]:
    """The sibling nodes that, with the ``disclosed`` leaves, give the root. With nothing
    disclosed the proof is the root itself."""
    levels = _levels(leaves)
    if not disclosed:
        return [levels[-1][0]]
    return [levels[lv][i] for lv, i in _walk(len(leaves), set(disclosed))]


def compute_root(width: int, disclosed: Mapping[int, bytes], proof: Sequence[bytes]) -> bytes:
    """Recompute the root of a ``width``-leaf tree from disclosed leaf digests (by index)
    and a multiproof. Raises ``offline_qr_malformed`` (an index beyond the tree, too few or
    too many proof nodes)."""
    if width < 1 or any(not 0 <= i < width for i in disclosed):
        raise _malformed("A disclosure's leaf index lies outside the credential's tree.")
    if not disclosed:
        if len(proof) != 1:
            raise _malformed("With no claim disclosed the proof must be the root alone.")
        return proof[0]
    nodes = dict(disclosed)
    supplied = iter(proof)
    level_width = width
    while level_width > 1:
        for i in sorted(nodes):
            sibling = i ^ 1
            if sibling < level_width and sibling not in nodes:
                try:
                    nodes[sibling] = next(supplied)
                except StopIteration:
                    raise _malformed("The Merkle proof has too few nodes.") from None
        parents: dict[int, bytes] = {}
        for i in sorted(nodes):
            p = i // 2
            if p in parents:
                continue
            if i % 2 == 0 and i + 1 >= level_width:
                parents[p] = nodes[i]
            elif i % 2 == 0:
                parents[p] = _parent(nodes[i], nodes[i + 1])
        nodes = parents
        level_width = (level_width + 1) // 2
    if next(supplied, None) is not None:
        raise _malformed("The Merkle proof has more nodes than the disclosed claims need.")
    return nodes[0]


def check_root(
    width: int, disclosed: Mapping[int, bytes], proof: Sequence[bytes], root: bytes
) -> None:
    """Raises ``offline_disclosure_invalid`` unless the disclosures lead to ``root``."""
    if compute_root(width, disclosed, proof) != root:
        raise VerdictError(
            "offline_disclosure_invalid",
            "The disclosed claims are not the ones the issuer signed (a claim was changed "
            "or taken from another credential); refuse the QR.",
        )
