"""Merkle trees of issuance batches: sorted-pair keccak256, odd levels carried up."""

from __future__ import annotations

import hashlib
import time

import pytest

from passport.chain.merkle import (
    LEAF_PREFIX,
    MerkleTree,
    credential_leaf,
    hash_pair,
    keccak256,
    leaf_from_digest,
    new_salt,
    verify,
)
from passport.errors import MalformedError


def _leaves(n: int) -> list[bytes]:
    return [keccak256(i.to_bytes(4, "big")) for i in range(n)]


def test_keccak256_is_ethereum_keccak_not_sha3() -> None:
    # keccak256("") as every Ethereum tool prints it (SHA3-256("") would be a7ffc6...).
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )


def test_hash_pair_is_order_independent() -> None:
    a, b = _leaves(2)
    assert hash_pair(a, b) == hash_pair(b, a) == keccak256(min(a, b) + max(a, b))


def test_single_leaf_is_its_own_root_with_empty_proof() -> None:
    (leaf,) = _leaves(1)
    tree = MerkleTree([leaf])
    assert tree.root == leaf
    assert tree.proof(0) == []
    assert verify(tree.root, leaf, [])


def test_two_and_three_leaves_by_hand() -> None:
    a, b, c = _leaves(3)
    assert MerkleTree([a, b]).root == hash_pair(a, b)
    tree = MerkleTree([a, b, c])
    # c has no partner on the first level: it is carried up unchanged, not duplicated.
    assert tree.root == hash_pair(hash_pair(a, b), c)
    assert tree.proof(2) == [hash_pair(a, b)]
    assert tree.proof(0) == [b, c]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33, 100])
def test_every_proof_verifies_and_only_for_its_leaf(n: int) -> None:
    leaves = _leaves(n)
    tree = MerkleTree(leaves)
    assert len(tree) == n
    assert tree.leaves == tuple(leaves)
    for i, leaf in enumerate(leaves):
        proof = tree.proof(i)
        assert len(proof) <= max(1, (n - 1).bit_length())
        assert verify(tree.root, leaf, proof)
        assert MerkleTree.verify(tree.root, leaf, proof)
        assert not verify(tree.root, keccak256(b"other" + leaf), proof)
        if proof:
            tampered = [*proof[:-1], keccak256(proof[-1])]
            assert not verify(tree.root, leaf, tampered)


def test_proof_does_not_verify_against_another_root() -> None:
    tree = MerkleTree(_leaves(8))
    other = MerkleTree(_leaves(9))
    assert not verify(other.root, tree.leaves[3], tree.proof(3))


def test_index_finds_leaf() -> None:
    leaves = _leaves(10)
    tree = MerkleTree(leaves)
    assert tree.index(leaves[7]) == 7
    with pytest.raises(MalformedError) as err:
        tree.index(keccak256(b"absent"))
    assert err.value.code == "merkle_leaf_not_found"


@pytest.mark.parametrize("index", [-1, 5])
def test_proof_index_out_of_range(index: int) -> None:
    with pytest.raises(MalformedError) as err:
        MerkleTree(_leaves(5)).proof(index)
    assert err.value.code == "merkle_leaf_not_found"


def test_empty_tree_is_refused() -> None:
    with pytest.raises(MalformedError) as err:
        MerkleTree([])
    assert err.value.code == "merkle_tree_empty"


@pytest.mark.parametrize("bad", [b"", b"\x01" * 31, b"\x01" * 33, "00" * 32])
def test_leaf_of_wrong_shape_is_refused(bad: object) -> None:
    with pytest.raises(MalformedError) as err:
        MerkleTree([_leaves(1)[0], bad])  # type: ignore[list-item]
    assert err.value.code == "merkle_leaf_malformed"


def test_verify_refuses_malformed_proof() -> None:
    tree = MerkleTree(_leaves(4))
    for root, leaf, proof in [
        (tree.root[:31], tree.leaves[0], tree.proof(0)),
        (tree.root, tree.leaves[0] + b"\x00", tree.proof(0)),
        (tree.root, tree.leaves[0], [*tree.proof(0), b"\x00" * 16]),
    ]:
        with pytest.raises(MalformedError) as err:
            verify(root, leaf, proof)
        assert err.value.code == "merkle_proof_malformed"


def test_credential_leaf_is_salted_digest_with_domain_prefix() -> None:
    credential = b"eyJhbGciOiJFZERTQSJ9.payload.signature~disclosure~"
    salt = bytes(range(32))
    digest = hashlib.sha256(credential).digest()
    leaf = credential_leaf(credential, salt)
    assert leaf == keccak256(LEAF_PREFIX + salt + digest) == leaf_from_digest(digest, salt)
    # A different salt gives an unlinkable leaf for the same credential.
    assert credential_leaf(credential, new_salt()) != leaf
    # A leaf preimage is 65 bytes, an inner node's 64: no leaf equals an inner node.
    assert leaf != hash_pair(salt, digest)


def test_new_salt_is_random_32_bytes() -> None:
    a, b = new_salt(), new_salt()
    assert len(a) == len(b) == 32 and a != b


@pytest.mark.parametrize(
    ("digest", "salt"), [(b"\x00" * 31, b"\x00" * 32), (b"\x00" * 32, b"short")]
)
def test_leaf_from_digest_refuses_wrong_lengths(digest: bytes, salt: bytes) -> None:
    with pytest.raises(MalformedError) as err:
        leaf_from_digest(digest, salt)
    assert err.value.code == "merkle_leaf_malformed"


def test_credential_leaf_refuses_short_salt() -> None:
    with pytest.raises(MalformedError) as err:
        credential_leaf(b"credential", b"\x01" * 16)
    assert err.value.code == "merkle_leaf_malformed"


def test_ten_thousand_leaves_build_fast() -> None:
    leaves = [credential_leaf(i.to_bytes(8, "big"), new_salt()) for i in range(10_000)]
    started = time.perf_counter()
    tree = MerkleTree(leaves)
    elapsed = time.perf_counter() - started
    print(f"MerkleTree(10,000 leaves) built in {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0  # typically ~0.1 s; generous for a shared CI machine
    assert len(tree.proof(0)) == 14  # ceil(log2(10,000))
    last = tree.proof(9_999)
    assert len(last) < 14  # the last leaf is carried up on the odd levels
    assert verify(tree.root, leaves[0], tree.proof(0))
    assert verify(tree.root, leaves[9_999], last)
