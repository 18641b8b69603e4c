"""Merkle trees of issuance batches, with inclusion proofs the StatusRegistry can check.

An issuer anchors one Merkle root per batch of credentials (one storage slot, however
many credentials). Each leaf commits to one credential without revealing anything
about it::

    leaf = keccak256(0x00 || salt || sha256(credential bytes))

``salt`` is 32 random bytes per credential, handed to the holder with the credential,
so that nobody can confirm a guess of a credential's contents from the public leaf.
The ``0x00`` prefix makes a leaf's preimage 65 bytes long while an inner node's is 64,
so an inner node can never pass for a leaf (second-preimage safety).

Inner nodes use sorted-pair hashing, ``keccak256(min(a, b) || max(a, b))`` as in
OpenZeppelin's ``MerkleProof``, so a proof is just the list of sibling hashes and the
contract's ``verifyInclusion(root, leaf, proof)`` is one short loop. With an odd number
of nodes on a level the last node is carried up unchanged (not duplicated), so its
proof has no entry for that level. A tree of one leaf has that leaf as its root and an
empty proof.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Final

from eth_hash.auto import keccak

from passport.errors import MalformedError

__all__ = [
    "LEAF_PREFIX",
    "MerkleTree",
    "credential_leaf",
    "hash_pair",
    "keccak256",
    "leaf_from_digest",
    "new_salt",
    "verify",
]

LEAF_PREFIX: Final = b"\x00"
_HASH_LEN: Final = 32


def keccak256(data: bytes) -> bytes:
    """The Ethereum keccak256 of ``data`` (32 bytes)."""
    return keccak(data)


def hash_pair(a: bytes, b: bytes) -> bytes:
    """An inner node: keccak256 of the two children in ascending byte order."""
    return keccak(a + b) if a < b else keccak(b + a)


def _check_hash(value: object, what: str, code: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != _HASH_LEN:
        raise MalformedError(
            code,
            f"{what} must be {_HASH_LEN} bytes",
            details={"length": len(value) if isinstance(value, bytes | bytearray) else None},
        )
    return bytes(value)


def new_salt() -> bytes:
    """32 fresh random bytes to salt one credential's leaf."""
    return secrets.token_bytes(_HASH_LEN)


def leaf_from_digest(digest: bytes, salt: bytes) -> bytes:
    """The leaf of a credential whose SHA-256 digest is ``digest``.

    Raises ``MalformedError`` ``merkle_leaf_malformed`` unless digest and salt are 32 bytes.
    """
    d = _check_hash(digest, "the credential digest", "merkle_leaf_malformed")
    s = _check_hash(salt, "the leaf salt", "merkle_leaf_malformed")
    return keccak(LEAF_PREFIX + s + d)


def credential_leaf(credential: bytes, salt: bytes) -> bytes:
    """The leaf of a credential given as the exact bytes that were issued (e.g. the
    compact SD-JWT or the canonical JSON of a signed credential).

    Raises ``MalformedError`` ``merkle_leaf_malformed`` unless salt is 32 bytes.
    """
    return leaf_from_digest(hashlib.sha256(credential).digest(), salt)


class MerkleTree:
    """A Merkle tree over 32-byte leaves, kept in order (``proof(i)`` is for ``leaves[i]``).

    Raises ``MalformedError`` ``merkle_tree_empty`` for no leaves and
    ``merkle_leaf_malformed`` for a leaf that is not 32 bytes.
    """

    __slots__ = ("_index", "_levels")

    def __init__(self, leaves: Sequence[bytes]) -> None:
        if len(leaves) == 0:
            raise MalformedError("merkle_tree_empty", "a Merkle tree needs at least one leaf")
        level = [_check_hash(leaf, "a Merkle leaf", "merkle_leaf_malformed") for leaf in leaves]
        levels = [level]
        while len(level) > 1:
            pairs = [hash_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                pairs.append(level[-1])
            level = pairs
            levels.append(level)
        self._levels: list[list[bytes]] = levels
        self._index: dict[bytes, int] | None = None

    @property
    def root(self) -> bytes:
        """The 32-byte root to anchor."""
        return self._levels[-1][0]

    @property
    def leaves(self) -> tuple[bytes, ...]:
        return tuple(self._levels[0])

    def __len__(self) -> int:
        return len(self._levels[0])

    def index(self, leaf: bytes) -> int:
        """The position of ``leaf`` (its first occurrence).

        Raises ``MalformedError`` ``merkle_leaf_not_found`` when the tree does not hold it.
        """
        if self._index is None:
            self._index = {}
            for i, value in enumerate(self._levels[0]):
                self._index.setdefault(value, i)
        try:
            return self._index[bytes(leaf)]
        except KeyError:
            raise MalformedError(
                "merkle_leaf_not_found", "this leaf is not in the Merkle tree"
            ) from None

    def proof(self, index: int) -> list[bytes]:
        """The sibling hashes from leaf ``index`` up to the root.

        Raises ``MalformedError`` ``merkle_leaf_not_found`` for an index outside the tree.
        """
        if not 0 <= index < len(self):
            raise MalformedError(
                "merkle_leaf_not_found",
                f"leaf index {index} is outside a tree of {len(self)} leaves",
            )
        path: list[bytes] = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path

    @staticmethod
    def verify(root: bytes, leaf: bytes, proof: Sequence[bytes]) -> bool:
        """The module's ``verify``: whether ``proof`` links ``leaf`` to ``root``."""
        return verify(root, leaf, proof)


def verify(root: bytes, leaf: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows that ``leaf`` is in the tree of ``root`` (the same check
    as the StatusRegistry's ``verifyInclusion``).

    Raises ``MalformedError`` ``merkle_proof_malformed`` when root, leaf or a proof
    element is not 32 bytes.
    """
    node = _check_hash(leaf, "the leaf", "merkle_proof_malformed")
    expected = _check_hash(root, "the root", "merkle_proof_malformed")
    for sibling in proof:
        node = hash_pair(node, _check_hash(sibling, "a proof element", "merkle_proof_malformed"))
    return secrets.compare_digest(node, expected)
