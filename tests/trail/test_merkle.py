"""Checkpoint roots and inclusion proofs are RFC 9162's (Certificate Transparency)."""

from __future__ import annotations

import hashlib

import pytest

from infra.merkle import EMPTY_ROOT, RootBuilder, Tree, leaf_hash, merkle_root, root_from_proof


def _mth(hashes: list[str]) -> str:
    """RFC 9162 2.1.1, as written: the reference the implementation must agree with."""
    if not hashes:
        return hashlib.sha256(b"").hexdigest()
    if len(hashes) == 1:
        return hashlib.sha256(b"\x00" + bytes.fromhex(hashes[0])).hexdigest()
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    left, right = bytes.fromhex(_mth(hashes[:k])), bytes.fromhex(_mth(hashes[k:]))
    return hashlib.sha256(b"\x01" + left + right).hexdigest()


def _hashes(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 8, 13, 64, 100])
def test_the_root_is_the_rfc_9162_merkle_tree_hash(size: int) -> None:
    streamed = RootBuilder()  # the sealer's way: O(log n) memory
    for event_hash in _hashes(size):
        streamed.add(leaf_hash(event_hash))
    assert merkle_root(_hashes(size)) == _mth(_hashes(size)) == Tree(_hashes(size)).root() == streamed.root()
    assert merkle_root([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", [1, 2, 3, 7, 16, 33])
def test_every_event_has_an_inclusion_proof_to_the_root(size: int) -> None:
    hashes = _hashes(size)
    tree = Tree(hashes)
    for index, event_hash in enumerate(hashes):
        assert root_from_proof(event_hash, index, size, tree.proof(index)) == tree.root()


def test_a_proof_does_not_fit_another_event_or_place() -> None:
    hashes = _hashes(11)
    tree = Tree(hashes)
    proof = tree.proof(4)
    assert root_from_proof(hashes[5], 4, 11, proof) != tree.root()
    assert root_from_proof(hashes[4], 5, 11, proof) != tree.root()
