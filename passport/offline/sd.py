"""Selective disclosure for the offline credential: salted disclosures under one Merkle root.

Each claim is a disclosure, the CBOR array ``[salt, name, value]`` (as in SD-JWT / SD-CWT),
kept as its exact encoded bytes. Its leaf digest is ``SHA-256(0x00 || disclosure)``
truncated to 16 bytes; inner nodes are ``SHA-256(0x01 || left || right)`` truncated to
16 bytes, and a level with an odd number of nodes carries its last node up unchanged. The
issuer signs only the root and the leaf count, so a QR carries, besides the disclosed
claims, just the sibling nodes needed to recompute the root (a multiproof): a handful of
16-byte nodes instead of one digest per undisclosed claim.

Salts come from a seed tree (the GGM construction): the issuer draws one 16-byte root seed;
a node's children are ``SHA-256(0x02 || b || seed)[:16]`` for ``b`` = 0 (left) and 1
(right); leaf ``i``'s salt is the seed reached by the bits of ``i`` (most significant
first) in a full binary tree of depth ``ceil(log2(leaf count))``. The holder reveals, for
the disclosed leaves, the seeds of the largest subtrees whose every leaf is disclosed (the
*cover*, in left-to-right order): one seed when everything is disclosed, instead of one salt
a claim. A seed reveals only the salts beneath it: SHA-256 cannot be run backwards to a
parent or sideways to a sibling, so undisclosed salts stay secret.

Why 16 bytes: forging a disclosure means finding a second preimage of a 128-bit value
(2^128 work), the security level of the Ed25519 signatures around it. Collisions do not
help an attacker: the issuer chooses every salt. Seeds and salts are 16 bytes (128 bits, as
RFC 9901 section 9.3 recommends for salts), so an undisclosed ``true`` cannot be guessed.

Error codes: ``offline_qr_malformed`` (MalformedError) for a disclosure or proof of the
wrong shape; ``offline_disclosure_invalid`` (VerdictError) when the disclosed claims and
the proof do not lead to the signed root (a tampered claim).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

import cbor2

from passport.errors import MalformedError, VerdictError
from passport.offline.claims import ClaimName, ClaimValue

__all__ = [
    "NODE_SIZE",
    "SALT_SIZE",
    "compute_root",
    "cover",
    "derive_salts",
    "leaf_salts",
    "encode_disclosure",
    "leaf_digest",
    "merkle_root",
    "multiproof",
]

NODE_SIZE: Final = 16
SALT_SIZE: Final = 16
_LEAF: Final = b"\x00"
_NODE: Final = b"\x01"
_SEED: Final = b"\x02"


def _malformed(message: str) -> MalformedError:
    return MalformedError("offline_qr_malformed", message)


def encode_disclosure(salt: bytes, name: ClaimName, value: ClaimValue) -> bytes:
    """The disclosure ``[salt, name, value]`` in CBOR, deterministically encoded (RFC 8949
    section 4.2.1; a date as tag 1004 full-date text, RFC 8943)."""
    return cbor2.dumps([salt, name, value])


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
    """The sibling nodes that, with the ``disclosed`` leaves, give the root (none when
    nothing is disclosed: there is nothing to check against the root)."""
    levels = _levels(leaves)
    if not disclosed:
        return []
    return [levels[lv][i] for lv, i in _walk(len(leaves), set(disclosed))]


def compute_root(width: int, disclosed: Mapping[int, bytes], proof: Sequence[bytes]) -> bytes:
    """Recompute the root of a ``width``-leaf tree from disclosed leaf digests (by index,
    at least one) and a multiproof. Raises ``offline_qr_malformed`` (no leaf, an index
    beyond the tree, too few or too many proof nodes)."""
    if width < 1 or not disclosed or any(not 0 <= i < width for i in disclosed):
        raise _malformed("A disclosure's leaf index lies outside the credential's tree.")
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
    """Raises ``offline_disclosure_invalid`` unless the disclosures lead to ``root``. With
    nothing disclosed the proof must be empty (``offline_qr_malformed`` otherwise)."""
    if not disclosed:
        if proof:
            raise _malformed("With no claim disclosed the Merkle proof must be empty.")
        return
    if compute_root(width, disclosed, proof) != root:
        raise VerdictError(
            "offline_disclosure_invalid",
            "The disclosed claims are not the ones the issuer signed (a claim was changed "
            "or taken from another credential); refuse the QR.",
        )


# --- the seed tree --------------------------------------------------------------------------


def depth_of(width: int) -> int:
    """The seed tree's depth: ``ceil(log2(width))`` (0 for one leaf)."""
    return max(0, (width - 1).bit_length())


def _child(seed: bytes, bit: int) -> bytes:
    return hashlib.sha256(_SEED + bytes([bit]) + seed).digest()[:SALT_SIZE]


def _descend(seed: bytes, level: int, index: int, depth: int, width: int) -> dict[int, bytes]:
    """The salts of every existing leaf under node (level, index)."""
    nodes = {index: seed}
    for _ in range(depth - level):
        nodes = {2 * i + b: _child(v, b) for i, v in nodes.items() for b in (0, 1)}
    return {i: v for i, v in nodes.items() if i < width}


def leaf_salts(root_seed: bytes, width: int) -> list[bytes]:
    """Every leaf's salt from the root seed."""
    salts = _descend(root_seed, 0, 0, depth_of(width), width)
    return [salts[i] for i in range(width)]


def cover(width: int, disclosed: set[int]) -> list[tuple[int, int]]:
    """The (level, index) of the largest seed-tree nodes whose existing leaves are all
    disclosed, left to right. Level 0 is the root."""
    depth = depth_of(width)
    out: list[tuple[int, int]] = []

    def walk(level: int, index: int) -> None:
        span = 1 << (depth - level)
        first = index * span
        leaves = range(first, min(first + span, width))
        if not leaves:
            return
        hit = [i in disclosed for i in leaves]
        if all(hit):
            out.append((level, index))
        elif any(hit):
            walk(level + 1, 2 * index)
            walk(level + 1, 2 * index + 1)

    if disclosed:
        walk(0, 0)
    return out


def cover_seeds(root_seed: bytes, width: int, disclosed: set[int]) -> list[bytes]:
    """The seeds the holder reveals for ``disclosed`` (in ``cover`` order)."""
    seeds = []
    for level, index in cover(width, disclosed):
        seed = root_seed
        for shift in range(level - 1, -1, -1):
            seed = _child(seed, (index >> shift) & 1)
        seeds.append(seed)
    return seeds


def derive_salts(width: int, disclosed: set[int], seeds: Sequence[bytes]) -> dict[int, bytes]:
    """The salts of the disclosed leaves from the revealed ``seeds``. Raises
    ``offline_qr_malformed`` when the number of seeds is not the cover's."""
    nodes = cover(width, disclosed)
    if len(nodes) != len(seeds):
        raise _malformed(
            f"The disclosed claims need {len(nodes)} salt seed(s), the QR has {len(seeds)}."
        )
    depth = depth_of(width)
    out: dict[int, bytes] = {}
    for (level, index), seed in zip(nodes, seeds, strict=True):
        out.update(_descend(seed, level, index, depth, width))
    return out
