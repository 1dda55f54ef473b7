"""The Merkle tree against RFC 9162 §2.1 written out naively, against published vectors,
and under tampering.

The reference functions below follow the RFC's recursive definitions line by line, over leaf
*data*, with hashlib directly: they share no code with gongkai.ledger.merkle.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    MissingNodeError,
    consistency_path,
    inclusion_path,
    leaf_hash,
    node_hash,
    root,
    root_at,
    subtree_nodes,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 9162 §2.1, naively -------------------------------------------------------------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def largest_power_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    """§2.1.1 MTH(D[n])."""
    n = len(d)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + d[0])
    k = largest_power_below(n)
    return sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """§2.1.3.1 PATH(m, D[n])."""
    n = len(d)
    if n == 1:
        return []
    k = largest_power_below(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """§2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = largest_power_below(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    """§2.1.4.1 PROOF(m, D[n])."""
    return ref_subproof(m, d, True)


def ref_path_length(m: int, n: int) -> int:
    """len(PATH(m, D[n])) by the same recursion, without the data."""
    if n == 1:
        return 0
    k = largest_power_below(n)
    return 1 + (ref_path_length(m, k) if m < k else ref_path_length(m - k, n - k))


def ref_proof_length(m: int, n: int, b: bool = True) -> int:
    """len(PROOF(m, D[n])) (len(SUBPROOF(m, D[n], b))) without the data."""
    if m == n:
        return 0 if b else 1
    k = largest_power_below(n)
    return 1 + (ref_proof_length(m, k, b) if m <= k else ref_proof_length(m - k, n - k, False))


# --- stores --------------------------------------------------------------------------------


class Store:
    """Every node `Frontier.append` completes, kept in a dict, as the ledger keeps them in
    the database; `fetch` records each call and checks it asks only for nodes that exist."""

    def __init__(self, leaf_hashes: list[bytes]) -> None:
        self.frontier = Frontier()
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.roots = [EMPTY_ROOT]
        for h in leaf_hashes:
            for level, index, value in self.frontier.append(h):
                assert (level, index) not in self.nodes
                self.nodes[(level, index)] = value
            self.roots.append(self.frontier.root())
        self.calls: list[list[tuple[int, int]]] = []

    def fetch(self, addresses: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        self.calls.append(list(addresses))
        return {a: self.nodes[a] for a in addresses if a in self.nodes}

    def fetched_once_within(self, size: int) -> bool:
        """Exactly one call, no address twice, every node complete within `size` leaves."""
        if len(self.calls) != 1:
            return False
        (addresses,) = self.calls
        return len(set(addresses)) == len(addresses) and all(
            (index + 1) << level <= size for level, index in addresses
        )


def data(n: int) -> list[bytes]:
    return [f"leaf {i}".encode() * (i % 3) for i in range(n)]


# --- known answers (transparency-dev/merkle testonly/constants.go, proof/verify_test.go) --

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# Every complete subtree of the 8-leaf tree, by level then index.
NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# (index, size, path); the Go vectors number leaves from 1, these from 0.
INCLUSION = [
    (0, 1, []),
    (0, 8, [NODES[0][1], NODES[1][1], NODES[2][1]]),
    (5, 8, [NODES[0][4], NODES[1][3], NODES[2][0]]),
    (2, 3, [NODES[1][0]]),
    (1, 5, [NODES[0][0], NODES[1][1], NODES[0][4]]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [NODES[0][1], NODES[1][1], NODES[2][1]]),
    (6, 8, [NODES[1][2], NODES[1][3], NODES[2][0]]),
    (2, 5, [NODES[1][1], NODES[0][4]]),
    (6, 7, [NODES[1][2], NODES[0][6], NODES[2][0]]),
]


@pytest.fixture(scope="module")
def vectors() -> Store:
    return Store([leaf_hash(d) for d in LEAVES])


def unhex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_the_empty_root_and_the_hashes_are_rfc_9162_s():
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert root([]) == EMPTY_ROOT == Frontier().root()
    assert leaf_hash(b"") == bytes.fromhex(NODES[0][0])
    assert node_hash(bytes(32), bytes(32)) == sha(b"\x01" + bytes(64))


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_published_vectors(size):
    hashes = [leaf_hash(d) for d in LEAVES[:size]]
    assert root(hashes).hex() == ROOTS[size]
    assert ref_mth(LEAVES[:size]).hex() == ROOTS[size]


def test_the_frontier_completes_exactly_the_published_nodes(vectors):
    expected = {
        (level, index): bytes.fromhex(value)
        for level, row in enumerate(NODES)
        for index, value in enumerate(row)
    }
    assert vectors.nodes == expected
    assert [r.hex() for r in vectors.roots] == ROOTS
    # The compact ranges of testonly.CompactTrees().
    n = expected
    compact = [
        [],
        [n[0, 0]],
        [n[1, 0]],
        [n[1, 0], n[0, 2]],
        [n[2, 0]],
        [n[2, 0], n[0, 4]],
        [n[2, 0], n[1, 2]],
        [n[2, 0], n[1, 2], n[0, 6]],
        [n[3, 0]],
    ]
    frontier = Frontier()
    for size in range(9):
        assert list(frontier.hashes) == compact[size]
        assert [vectors.nodes[a] for a in subtree_nodes(0, size)] == compact[size]
        if size < 8:
            frontier.append(leaf_hash(LEAVES[size]))


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_of_the_published_vectors(vectors, index, size, path):
    vectors.calls.clear()
    assert inclusion_path(index, size, vectors.fetch) == unhex(path)
    assert verify_inclusion(
        leaf_hash(LEAVES[index]), index, size, unhex(path), bytes.fromhex(ROOTS[size])
    )


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_of_the_published_vectors(vectors, first, second, path):
    assert consistency_path(first, second, vectors.fetch) == unhex(path)
    assert verify_consistency(
        first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), unhex(path)
    )


# --- every tree up to 70 leaves against the reference ------------------------------------


def nearby_sizes(size: int) -> set[int]:
    """Sizes a proof might be wrongly presented for (as the Go suite probes them)."""
    return {size - 1, size + 1, size // 2, size * 2, size * 2 + 1, 1 << size.bit_length()} - {
        0,
        size,
    }


@pytest.mark.parametrize("size", range(1, 71))
def test_every_proof_of_a_small_tree_is_the_rfc_s(size):
    d = data(size)
    store = Store([leaf_hash(x) for x in d])
    mth = ref_mth(d)
    assert root([leaf_hash(x) for x in d]) == mth == store.frontier.root()
    store.calls.clear()
    assert root_at(size, store.fetch) == mth
    assert store.fetched_once_within(size)
    for index in range(size):
        store.calls.clear()
        path = inclusion_path(index, size, store.fetch)
        assert path == ref_path(index, d)
        assert store.fetched_once_within(size) or (size == 1 and not store.calls)
        assert verify_inclusion(leaf_hash(d[index]), index, size, path, mth)
        assert len(path) == ref_path_length(index, size)
        for other in nearby_sizes(size):
            if other > index and ref_path_length(index, other) != len(path):
                assert not verify_inclusion(leaf_hash(d[index]), index, other, path, mth)
    for first in range(1, size + 1):
        store.calls.clear()
        path = consistency_path(first, size, store.fetch)
        assert path == (ref_proof(first, d) if first < size else [])
        assert store.fetched_once_within(size) or (first == size and not store.calls)
        old = ref_mth(d[:first])
        assert verify_consistency(first, size, old, mth, path)
        assert len(path) == ref_proof_length(first, size)
        for other in nearby_sizes(size):
            if other >= first and ref_proof_length(first, other) != len(path):
                assert not verify_consistency(first, other, old, mth, path)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, []),
        (0, 1, [(0, 0)]),
        (0, 7, [(2, 0), (1, 2), (0, 6)]),
        (0, 8, [(3, 0)]),
        (3, 8, [(0, 3), (2, 1)]),
        (5, 13, [(0, 5), (1, 3), (2, 2), (0, 12)]),
        (6, 7, [(0, 6)]),
        (2**40, 2**40 + 3, [(1, 2**39), (0, 2**40 + 2)]),
    ],
)
def test_a_leaf_range_decomposes_into_aligned_perfect_subtrees(start, end, expected):
    assert subtree_nodes(start, end) == expected


@given(st.integers(0, 2**64), st.integers(0, 2**20))
def test_a_decomposition_tiles_its_range_with_maximal_subtrees(start, length):
    end = start + length
    position = start
    for level, index in subtree_nodes(start, end):
        assert index << level == position
        position += 1 << level
        # Its parent reaches outside the range, so no larger subtree would do.
        parent_start = (index >> 1) << (level + 1)
        assert parent_start < start or parent_start + (2 << level) > end
    assert position == end


# --- property tests on one log of 5000 leaves -----------------------------------------------

BIG = 5000


@pytest.fixture(scope="module")
def log() -> Store:
    return Store([sha(b"entry %d" % i) for i in range(BIG)])


def flip(value: bytes, position: int, bit: int) -> bytes:
    changed = bytearray(value)
    changed[position % len(value)] ^= 1 << bit
    return bytes(changed)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_inclusion_proofs_verify_and_any_change_breaks_them(log, data):
    size = data.draw(st.integers(1, BIG), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf = sha(b"entry %d" % index)
    head = log.roots[size]
    log.calls.clear()
    path = inclusion_path(index, size, log.fetch)
    assert log.fetched_once_within(size) or size == 1
    assert verify_inclusion(leaf, index, size, path, head)
    assert len(path) <= (size - 1).bit_length()

    position = data.draw(st.integers(0, 31), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    assert not verify_inclusion(flip(leaf, position, bit), index, size, path, head)
    assert not verify_inclusion(leaf, index, size, path, flip(head, position, bit))
    for k in range(len(path)):
        changed = [*path[:k], flip(path[k], position, bit), *path[k + 1 :]]
        assert not verify_inclusion(leaf, index, size, changed, head)
    assert not verify_inclusion(leaf, index, size, [*path, head], head)
    assert not verify_inclusion(leaf, index, size, [head, *path], head)
    if path:
        assert not verify_inclusion(leaf, index, size, path[:-1], head)

    other_index = data.draw(st.integers(0, BIG), label="other index")
    if other_index != index:
        assert not verify_inclusion(leaf, other_index, size, path, head)
    # Another size, with that size's head (a checkpoint binds the size to its root).
    other_size = data.draw(st.integers(1, BIG), label="other size")
    if other_size != size:
        assert not verify_inclusion(leaf, index, other_size, path, log.roots[other_size])
    # Another size with this head: refused whenever that size needs a path of another
    # length (with the same length RFC 9162 cannot tell: the signed head binds the size).
    other_size = data.draw(
        st.sampled_from(sorted(nearby_sizes(size))) | st.integers(1, 2**40), label="size'"
    )
    if other_size > index and ref_path_length(index, other_size) != len(path):
        assert not verify_inclusion(leaf, index, other_size, path, head)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_consistency_proofs_verify_and_any_change_breaks_them(log, data):
    second = data.draw(st.integers(2, BIG), label="second")
    first = data.draw(st.integers(1, second - 1), label="first")
    old, new = log.roots[first], log.roots[second]
    log.calls.clear()
    path = consistency_path(first, second, log.fetch)
    assert log.fetched_once_within(second)
    assert verify_consistency(first, second, old, new, path)
    assert len(path) <= 2 * second.bit_length()

    position = data.draw(st.integers(0, 31), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    assert not verify_consistency(first, second, flip(old, position, bit), new, path)
    assert not verify_consistency(first, second, old, flip(new, position, bit), path)
    assert not verify_consistency(first, second, new, old, path)
    for k in range(len(path)):
        changed = [*path[:k], flip(path[k], position, bit), *path[k + 1 :]]
        assert not verify_consistency(first, second, old, new, changed)
    assert not verify_consistency(first, second, old, new, [])
    assert not verify_consistency(first, second, old, new, path[:-1])
    assert not verify_consistency(first, second, old, new, [*path, new])
    assert not verify_consistency(first, second, old, new, [old, *path])

    # Other sizes, each with its own head.
    other_first = data.draw(st.integers(1, BIG), label="other first")
    other_second = data.draw(st.integers(other_first, BIG), label="other second")
    if (other_first, other_second) != (first, second):
        assert not verify_consistency(
            other_first, other_second, log.roots[other_first], log.roots[other_second], path
        )
    # Another second size with these heads: refused whenever it needs a proof of another
    # length.
    other_second = data.draw(
        st.sampled_from(sorted(nearby_sizes(second))) | st.integers(1, 2**40), label="second'"
    )
    if other_second >= first and ref_proof_length(first, other_second) != len(path):
        assert not verify_consistency(first, other_second, old, new, path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=300))
def test_the_frontier_root_is_the_root_of_every_prefix(leaves):
    hashes = [leaf_hash(x) for x in leaves]
    frontier = Frontier()
    assert frontier.root() == root([])
    for n, h in enumerate(hashes, start=1):
        completed = frontier.append(h)
        assert completed[0] == (0, n - 1, h)
        assert [level for level, _, _ in completed] == list(range(len(completed)))
        for level, index, value in completed:
            start = index << level
            assert value == root(hashes[start : start + (1 << level)])
        assert frontier.size == n
        assert frontier.root() == root(hashes[:n])
        restored = Frontier.from_bytes(n, frontier.to_bytes())
        assert restored == frontier
        assert restored.root() == frontier.root()
    if leaves:
        assert root(hashes) == ref_mth(leaves)


def test_a_restored_frontier_keeps_appending_like_the_original():
    original = Frontier()
    for i in range(37):
        original.append(sha(b"%d" % i))
    restored = Frontier.from_bytes(37, original.to_bytes())
    for i in range(37, 100):
        assert restored.append(sha(b"%d" % i)) == original.append(sha(b"%d" % i))
    assert restored == original


@pytest.mark.parametrize(
    ("size", "length"), [(0, 32), (1, 0), (1, 64), (3, 32), (7, 64), (2**63, 0), (-1, 0)]
)
def test_a_frontier_of_the_wrong_length_is_refused(size, length):
    with pytest.raises(ValueError):
        Frontier.from_bytes(size, bytes(length))


# --- a sparse tree of 2**40 leaves ------------------------------------------------------------

FILL = sha(b"fill")


class Sparse:
    """A log of 2**40 leaves, all FILL except a few marked ones. Its nodes are computed on
    demand from their definition (level 0 the leaf hash, above that the node hash of the two
    children), so a fetch here is what a full store of that log would answer."""

    def __init__(self, marked: dict[int, bytes]) -> None:
        self.marked = marked
        self.positions = sorted(marked)
        self.calls = 0
        self.known: dict[tuple[int, int], bytes] = {}

    def leaf(self, index: int) -> bytes:
        return self.marked.get(index, FILL)

    def has_mark(self, start: int, end: int) -> bool:
        k = bisect_left(self.positions, start)
        return k < len(self.positions) and self.positions[k] < end

    def node(self, level: int, index: int) -> bytes:
        if level == 0:
            return self.leaf(index)
        if not self.has_mark(index << level, (index + 1) << level):
            return uniform(level)
        if (level, index) not in self.known:
            left, right = self.node(level - 1, 2 * index), self.node(level - 1, 2 * index + 1)
            self.known[(level, index)] = node_hash(left, right)
        return self.known[(level, index)]

    def fetch(self, addresses: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        self.calls += 1
        return {(level, index): self.node(level, index) for level, index in addresses}

    def ref_mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) by RFC 9162's recursion (perfect FILL runs short-cut)."""
        n = end - start
        if n == 1:
            return self.leaf(start)
        if n & (n - 1) == 0 and not self.has_mark(start, end):
            return uniform(n.bit_length() - 1)
        k = largest_power_below(n)
        return sha(b"\x01" + self.ref_mth(start, start + k) + self.ref_mth(start + k, end))


@cache
def uniform(level: int) -> bytes:
    return FILL if level == 0 else node_hash(uniform(level - 1), uniform(level - 1))


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.integers(0, 2**40 - 1), st.binary(min_size=32, max_size=32), max_size=6),
    st.data(),
)
def test_proofs_of_a_huge_sparse_log(marked, data):
    tree = Sparse(marked)
    second = data.draw(st.integers(2, 2**40), label="second")
    first = data.draw(st.integers(1, second - 1), label="first")
    candidates = [i for i in marked if i < second] or [second - 1]
    index = data.draw(st.sampled_from(candidates), label="index")
    head, old = tree.ref_mth(0, second), tree.ref_mth(0, first)

    assert root_at(second, tree.fetch) == head
    path = inclusion_path(index, second, tree.fetch)
    assert verify_inclusion(tree.leaf(index), index, second, path, head)
    assert not verify_inclusion(flip(tree.leaf(index), 0, 0), index, second, path, head)
    proof = consistency_path(first, second, tree.fetch)
    assert verify_consistency(first, second, old, head, proof)
    assert not verify_consistency(first, second, old, flip(head, 5, 5), proof)
    assert tree.calls == 3


def test_ten_million_leaves_need_few_nodes():
    tree = Sparse({4_321_987: sha(b"x")})
    requested: list[list[tuple[int, int]]] = []

    def fetch(addresses):
        requested.append(addresses)
        return tree.fetch(addresses)

    size = 10_000_000
    path = inclusion_path(4_321_987, size, fetch)
    assert verify_inclusion(sha(b"x"), 4_321_987, size, path, tree.ref_mth(0, size))
    proof = consistency_path(9_999_999, size, fetch)
    assert verify_consistency(
        9_999_999, size, tree.ref_mth(0, 9_999_999), tree.ref_mth(0, size), proof
    )
    assert all(len(addresses) <= 2 * 24 for addresses in requested)


# --- edges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 1), (5, 3), (-1, 4)])
def test_an_inclusion_proof_outside_the_tree_is_refused(log, index, size):
    with pytest.raises(ValueError):
        inclusion_path(index, size, log.fetch)
    assert not verify_inclusion(leaf_hash(b""), index, size, [], EMPTY_ROOT)


@pytest.mark.parametrize(("first", "second"), [(-1, 3), (4, 3), (1, -1)])
def test_a_consistency_proof_backwards_is_refused(log, first, second):
    with pytest.raises(ValueError):
        consistency_path(first, second, log.fetch)
    assert not verify_consistency(first, second, EMPTY_ROOT, EMPTY_ROOT, [])


def test_every_tree_extends_the_empty_tree_and_itself(log):
    log.calls.clear()
    assert consistency_path(0, 10, log.fetch) == []
    assert consistency_path(10, 10, log.fetch) == []
    assert root_at(0, log.fetch) == EMPTY_ROOT
    assert not log.calls
    assert verify_consistency(0, 10, EMPTY_ROOT, log.roots[10], [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, log.roots[1], [])
    assert not verify_consistency(0, 10, log.roots[1], log.roots[10], [])
    assert not verify_consistency(0, 10, EMPTY_ROOT, log.roots[10], [log.roots[10]])
    assert verify_consistency(10, 10, log.roots[10], log.roots[10], [])
    assert not verify_consistency(10, 10, log.roots[10], log.roots[11], [])
    assert not verify_consistency(10, 10, log.roots[10], log.roots[10], [log.roots[10]])


def test_a_single_leaf_proves_itself_with_an_empty_path():
    h = leaf_hash(b"data")
    assert verify_inclusion(h, 0, 1, [], h)
    assert not verify_inclusion(h, 0, 1, [], leaf_hash(b"other"))
    assert not verify_inclusion(h[:31], 0, 1, [], h[:31])


def test_hashes_of_the_wrong_length_never_verify(log):
    path = inclusion_path(3, 10, log.fetch)
    leaf = sha(b"entry 3")
    assert verify_inclusion(leaf, 3, 10, path, log.roots[10])
    assert not verify_inclusion(leaf, 3, 10, [*path[:-1], path[-1] + b"\x00"], log.roots[10])
    assert not verify_inclusion(leaf + b"\x00", 3, 10, path, log.roots[10])
    with pytest.raises(ValueError):
        root([leaf, b"short"])
    with pytest.raises(ValueError):
        Frontier().append(b"short")


def test_a_missing_node_is_reported_not_guessed(log):
    def forgetful(addresses):
        found = log.fetch(addresses)
        found.pop(addresses[-1])
        return found

    with pytest.raises(MissingNodeError):
        inclusion_path(3, 1000, forgetful)
    with pytest.raises(MissingNodeError):
        root_at(1000, forgetful)


def test_stored_nodes_may_come_back_as_memoryviews(log):
    def as_views(addresses):
        return {a: memoryview(h) for a, h in log.fetch(addresses).items()}

    assert root_at(777, as_views) == log.roots[777]
    assert inclusion_path(5, 777, as_views) == inclusion_path(5, 777, log.fetch)
