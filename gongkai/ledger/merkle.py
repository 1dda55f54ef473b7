"""The ledger's Merkle tree: RFC 9162 §2.1 with SHA-256 (docs/ledger-format.md, sections 4-5).

Pure computation, no Django and no database. Hashes are 32-byte `bytes`.

A **node address** is `(level, index)`: the perfect subtree of `2**level` leaves starting at
leaf `index * 2**level`; level 0 is a leaf hash. Only such complete subtrees are ever stored
(`Frontier.append` returns each one as it is completed). The hash of any other range, such
as the right-hand part of a tree whose size is not a power of two, is computed from the
perfect subtrees it decomposes into (`subtree_nodes`), folded from the right:

    MTH(D[a:b]) = H(T1, H(T2, … H(Tk-1, Tk)))   for the decomposition T1 … Tk of [a, b)

which is RFC 9162's definition whenever `a` is a multiple of a power of two at least
`b - a` (always the case for the ranges a proof needs).

Proof functions take a `fetch` callable and call it at most once, with every address they
need (no duplicates, all inside the tree), so a caller backed by a database makes one query.
They make no call at all when no node is needed (a one-leaf inclusion proof, an empty
consistency proof).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hashlib import sha256

HASH_SIZE = 32

#: MTH of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT: bytes = sha256(b"").digest()

#: A node address: (level, index), see the module docstring.
Address = tuple[int, int]

#: Fetches stored complete-subtree nodes: given addresses, returns their hashes.
FetchNodes = Callable[[list[tuple[int, int]]], dict[tuple[int, int], bytes]]


class MissingNodeError(LookupError):
    """`fetch` did not return a node a computation needs (the store is incomplete)."""


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 ‖ leaf)."""
    return sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right)."""
    return sha256(b"\x01" + left + right).digest()


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes")


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its decomposition into perfect subtrees (left to right)."""
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over the given leaf hashes (EMPTY_ROOT for none). Iterative, level by level: an
    odd node at the end of a level is carried up unchanged, which is RFC 9162's split at the
    largest power of two."""
    if not leaf_hashes:
        return EMPTY_ROOT
    for h in leaf_hashes:
        _check_hash(h, "a leaf hash")
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def subtree_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The decomposition of the leaf range [start, end) into aligned perfect subtrees, left
    to right, as node addresses (at most 2·64 of them)."""
    if not 0 <= start <= end:
        raise ValueError("need 0 <= start <= end")
    nodes: list[tuple[int, int]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


class Frontier:
    """The compact range of a log: the roots of its perfect subtrees, left to right (one
    per bit set in `size`, the largest first; at most 64)."""

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The subtree roots, left to right; their addresses are `subtree_nodes(0, size)`."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return every node this completes as (level, index, hash), level 0
        (the leaf itself) first."""
        _check_hash(leaf_hash, "a leaf hash")
        index = self._size
        h = leaf_hash
        level = 0
        completed = [(0, index, h)]
        while index & 1:
            h = node_hash(self._hashes.pop(), h)
            level += 1
            index >>= 1
            completed.append((level, index, h))
        self._hashes.append(h)
        self._size += 1
        return completed

    def root(self) -> bytes:
        """MTH of everything appended (EMPTY_ROOT when nothing is)."""
        if not self._hashes:
            return EMPTY_ROOT
        return _fold(self._hashes)

    def to_bytes(self) -> bytes:
        """The subtree roots concatenated, left to right (32 bytes each)."""
        return b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        """The frontier of a log of `size` leaves from `to_bytes()`; the size gives the shape."""
        if size < 0:
            raise ValueError("size must not be negative")
        count = size.bit_count()
        if len(data) != HASH_SIZE * count:
            raise ValueError(
                f"a frontier of size {size} is {HASH_SIZE * count} bytes, not {len(data)}"
            )
        frontier = cls()
        frontier._size = size
        frontier._hashes = [bytes(data[i * HASH_SIZE : (i + 1) * HASH_SIZE]) for i in range(count)]
        return frontier

    def copy(self) -> Frontier:
        frontier = Frontier()
        frontier._size = self._size
        frontier._hashes = list(self._hashes)
        return frontier

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frontier):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"


def _fetch_ranges(ranges: Sequence[tuple[int, int]], fetch: FetchNodes) -> list[bytes]:
    """MTH of each leaf range, from one call to `fetch` (none when `ranges` is empty)."""
    if not ranges:
        return []
    decompositions = [subtree_nodes(start, end) for start, end in ranges]
    # The ranges of a proof are disjoint, so no address is asked for twice.
    wanted = [address for nodes in decompositions for address in nodes]
    found = fetch(wanted)
    hashes: dict[tuple[int, int], bytes] = {}
    missing = []
    for address in wanted:
        value = found.get(address)
        if value is None:
            missing.append(address)
            continue
        value = bytes(value)  # a database may hand back a memoryview
        if len(value) != HASH_SIZE:
            raise ValueError(f"stored node {address} is {len(value)} bytes, not {HASH_SIZE}")
        hashes[address] = value
    if missing:
        shown = ", ".join(f"({level}, {index})" for level, index in missing[:8])
        raise MissingNodeError(f"{len(missing)} tree node(s) not stored: {shown}")
    return [_fold([hashes[address] for address in nodes]) for nodes in decompositions]


def inclusion_path(index: int, size: int, fetch: FetchNodes) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[size]): the audit path, from the leaf's sibling up."""
    if size < 1 or not 0 <= index < size:
        raise ValueError("an inclusion proof needs 0 <= index < size")
    siblings: list[tuple[int, int]] = []  # from the root down
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            siblings.append((start + k, end))
            end = start + k
        else:
            siblings.append((start, start + k))
            start += k
    siblings.reverse()
    return _fetch_ranges(siblings, fetch)


def consistency_path(first: int, second: int, fetch: FetchNodes) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(first, D[second]).

    Empty when first == second. Also empty for first == 0: RFC 9162 defines no proof from the
    empty tree, which every tree extends (`verify_consistency` accepts it against EMPTY_ROOT).
    """
    if not 0 <= first <= second:
        raise ValueError("a consistency proof needs 0 <= first <= second")
    if first in (0, second):
        return []
    ranges: list[tuple[int, int]] = []  # SUBPROOF's appended MTHs, from the root down
    start, end = 0, second
    whole = True  # SUBPROOF's b: the current subtree is a prefix of the old tree's root
    while first != end:
        k = _split(end - start)
        if first - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            whole = False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return _fetch_ranges(ranges, fetch)


def root_at(size: int, fetch: FetchNodes) -> bytes:
    """MTH of the first `size` leaves from stored nodes (no fetch for size 0)."""
    if size < 0:
        raise ValueError("size must not be negative")
    if size == 0:
        return EMPTY_ROOT
    return _fetch_ranges([(0, size)], fetch)[0]


def _hashes_ok(*values: bytes) -> bool:
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `path` prove leaf `index` of a tree of `size` has `leaf_hash`
    under `root`?"""
    if not 0 <= index < size or not _hashes_ok(leaf_hash, root, *path):
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `second` leaves under `second_root` an extension of
    the tree of `first` leaves under `first_root`?

    first == second: the path must be empty and the roots equal. first == 0: the path must
    be empty and `first_root` EMPTY_ROOT (every tree extends the empty one).
    """
    if not 0 <= first <= second or not _hashes_ok(first_root, second_root, *path):
        return False
    if first == 0:
        return not path and first_root == EMPTY_ROOT and (second > 0 or second_root == EMPTY_ROOT)
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    nodes = list(path)
    if first & (first - 1) == 0:
        nodes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
