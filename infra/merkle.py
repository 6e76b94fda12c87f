"""Merkle trees as in Certificate Transparency (RFC 9162, section 2.1), over event hashes.

The entries are the events' hashes (32 bytes each, infra/chain.py) in log order:

    leaf    = SHA-256(0x00 || event hash)
    node    = SHA-256(0x01 || left || right)
    MTH(n)  = node(MTH(first k), MTH(the rest)), k the largest power of two below n

An inclusion proof (audit path) shows that one event is in a checkpoint's tree with
O(log n) hashes, without the other events. scripts/verify_export.py re-implements the
verification with the standard library only, for reviewers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(event_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class RootBuilder:
    """The root of a growing list of leaves, in O(log n) memory (for streaming scans)."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees

    def add(self, leaf: bytes) -> None:
        node, height = leaf, 0
        while self._stack and self._stack[-1][0] == height:
            node = node_hash(self._stack.pop()[1], node)
            height += 1
        self._stack.append((height, node))
        self.size += 1

    def root(self) -> str:
        """MTH of the leaves so far: the complete subtrees, merged from the right."""
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node.hex()


def merkle_root(event_hashes: Iterable[str]) -> str:
    """MTH of the hashes: pair neighbours level by level, an odd last node moving up as is
    (the same tree as RFC 9162's split at the largest power of two; faster in Python)."""
    sha = hashlib.sha256
    level = [sha(b"\x00" + bytes.fromhex(h)).digest() for h in event_hashes]
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [sha(b"\x01" + left + right).digest() for left, right in zip(level[::2], level[1::2])]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """A checkpoint's whole tree, for inclusion proofs (subtree roots are memoised)."""

    def __init__(self, event_hashes: Sequence[str]) -> None:
        self.leaves = [leaf_hash(h) for h in event_hashes]
        self._roots: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self.leaves)

    def root(self) -> str:
        return self._root(0, self.size).hex() if self.leaves else EMPTY_ROOT

    def _root(self, start: int, end: int) -> bytes:
        if end - start == 1:
            return self.leaves[start]
        found = self._roots.get((start, end))
        if found is None:
            k = _split(end - start)
            found = node_hash(self._root(start, start + k), self._root(start + k, end))
            self._roots[(start, end)] = found
        return found

    def proof(self, index: int) -> list[str]:
        """PATH(index) of RFC 9162 2.1.3.1: the sibling hashes, from the leaf up."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is not in a tree of {self.size}")
        siblings: list[bytes] = []
        start, end = 0, self.size
        while end - start > 1:  # walk down from the root, keeping the other side
            k = _split(end - start)
            if index - start < k:
                siblings.append(self._root(start + k, end))
                end = start + k
            else:
                siblings.append(self._root(start, start + k))
                start += k
        return [sibling.hex() for sibling in reversed(siblings)]


def root_from_proof(event_hash: str, index: int, size: int, proof: Sequence[str]) -> str | None:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2), or None if it cannot fit."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    node = leaf_hash(event_hash)
    for sibling_hex in proof:
        sibling = bytes.fromhex(sibling_hex)
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return node.hex() if sn == 0 else None
