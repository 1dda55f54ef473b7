"""Proofs served from the database-backed log hold against the signed heads, and fail when
any node in them (or any node stored in the database that they read) is altered.

Each example appends a random number of entries to a fresh log with `log.append` (witness
documents: nothing to build from records), signs a head at every append as appending does,
and checks inclusion proofs for random (index, size) and consistency proofs for random
(first, second) against the roots of the signed checkpoints, verified with the key."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, signing
from gongkai.ledger.canonical import canonical_time
from gongkai.ledger.models import Kind, Log, LogEntry, LogNode, SignedHead
from gongkai.ledger.tests.conftest import rolled_back

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
MAX_ENTRIES = 300

EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def grow(log: Log, organization: Any, count: int) -> None:
    log.refresh_from_db()  # an earlier example's appends were rolled back
    for i in range(log.size, log.size + count):
        ledger.append(
            log,
            kind=Kind.WITNESS,
            organization=organization,
            document={
                "kind": Kind.WITNESS.value,
                "log": "X",
                "size": i,
                "root": "",
                "checkpoint": "",
            },
            at=T0 + dt.timedelta(seconds=i),
        )


def signed_roots(log: Log) -> dict[int, bytes]:
    """The root at every signed size, from the signed checkpoint text (signature checked),
    never from the stored columns."""
    keys = signing.verifiers()
    origin = ledger.origin_of(log.name)
    roots: dict[int, bytes] = {}
    for text in SignedHead.objects.filter(log=log).values_list("checkpoint", flat=True):
        checkpoint = notes.verify_checkpoint(text, keys, origin=origin)
        roots[checkpoint.size] = checkpoint.root
    return roots


def leaves(log: Log) -> list[bytes]:
    """Leaf hashes recomputed from each entry's four public values."""
    out = []
    for index, at, code, commitment, stored in (
        LogEntry.objects.filter(log=log)
        .order_by("index")
        .values_list("index", "at", "organization__code", "commitment", "leaf_hash")
    ):
        leaf = merkle.leaf_hash(
            ledger.leaf_bytes(log.name, index, canonical_time(at) or "", code, commitment)
        )
        assert leaf.hex() == stored
        out.append(leaf)
    return out


def altered(path: list[bytes]) -> list[list[bytes]]:
    """Every way of changing one node of `path` (one bit of it), and of dropping or adding
    one node."""
    variants = []
    for i, node in enumerate(path):
        for position in (0, len(node) - 1):
            changed = bytearray(node)
            changed[position] ^= 0x01
            variants.append([*path[:i], bytes(changed), *path[i + 1 :]])
    if path:
        variants.append(path[:-1])
        variants.append(path[1:])
    variants.append([*path, bytes(32)])
    return variants


def check_inclusion(
    log: Log, hashes: list[bytes], roots: dict[int, bytes], index: int, size: int
) -> None:
    path = ledger.inclusion(log, index, size)
    root = roots[size]
    assert merkle.verify_inclusion(hashes[index], index, size, path, root)
    for wrong in altered(path):
        assert not merkle.verify_inclusion(hashes[index], index, size, wrong, root)
    if size > 1:
        other = (index + 1) % size
        assert not merkle.verify_inclusion(hashes[other], index, size, path, root)
        assert not merkle.verify_inclusion(hashes[index], other, size, path, root)


def check_consistency(log: Log, roots: dict[int, bytes], first: int, second: int) -> None:
    path = ledger.consistency(log, first, second)
    first_root = roots[first] if first else merkle.EMPTY_ROOT
    second_root = roots[second]
    assert merkle.verify_consistency(first, second, first_root, second_root, path)
    for wrong in altered(path):
        assert not merkle.verify_consistency(first, second, first_root, second_root, wrong)
    if 0 < first < second:
        assert not merkle.verify_consistency(first, second, roots[second], second_root, path)
        assert not merkle.verify_consistency(first, second, first_root, roots[first], path)


@pytest.fixture
def log(tree) -> Log:  # type: ignore[no-untyped-def]
    return Log.objects.create(root=tree.county, created_at=T0)


@EXAMPLES
@given(count=st.integers(1, MAX_ENTRIES), data=st.data())
def test_proofs_from_the_database_hold_against_the_signed_heads(tree, log, count, data):  # type: ignore[no-untyped-def]
    with rolled_back():
        grow(log, tree.county, count)
        log.refresh_from_db()
        assert log.size == count
        hashes = leaves(log)
        roots = signed_roots(log)
        assert sorted(roots) == list(range(1, count + 1))
        assert roots[count] == merkle.root(hashes) == bytes.fromhex(log.root_hash)
        for _ in range(8):
            size = data.draw(st.integers(1, count), label="size")
            index = data.draw(st.integers(0, size - 1), label="index")
            check_inclusion(log, hashes, roots, index, size)
        for _ in range(8):
            second = data.draw(st.integers(1, count), label="second")
            first = data.draw(st.integers(0, second), label="first")
            check_consistency(log, roots, first, second)


def test_every_proof_of_a_small_log_holds(tree, log):  # type: ignore[no-untyped-def]
    """Exhaustively, for every size up to 33 (every shape of a tree's right edge)."""
    grow(log, tree.county, 33)
    hashes = leaves(log)
    roots = signed_roots(log)
    for size in range(1, 34):
        for index in range(size):
            check_inclusion(log, hashes, roots, index, size)
        for first in range(size + 1):
            check_consistency(log, roots, first, size)


class Memory:
    """The nodes of a log computed here from its leaves, as a `fetch` that also records
    which nodes each proof reads."""

    def __init__(self, hashes: list[bytes]) -> None:
        frontier = merkle.Frontier()
        self.nodes: dict[tuple[int, int], bytes] = {}
        for leaf in hashes:
            for level, index, node in frontier.append(leaf):
                self.nodes[(level, index)] = node
        self.read: set[tuple[int, int]] = set()

    def fetch(self, addresses: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        self.read = set(addresses)
        return {a: self.nodes[a] for a in addresses}


@EXAMPLES
@given(data=st.data())
def test_a_changed_stored_node_breaks_exactly_the_proofs_that_read_it(tree, log, data):  # type: ignore[no-untyped-def]
    with rolled_back():
        count = data.draw(st.integers(2, 70), label="count")
        grow(log, tree.county, count)
        hashes = leaves(log)
        roots = signed_roots(log)
        memory = Memory(hashes)
        pk, level, position = data.draw(
            st.sampled_from(
                list(LogNode.objects.filter(log=log).values_list("pk", "level", "index"))
            ),
            label="node",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(LogNode._meta.db_table)} "
                "SET hash = %s WHERE id = %s",
                [LogNode._meta.get_field("hash").get_db_prep_save(bytes(32), connection), pk],
            )
        inclusions = [(i, n) for n in range(1, count + 1) for i in range(n)]
        reading = []
        for index, size in inclusions:
            memory.read = set()  # a proof that needs no node does not fetch at all
            merkle.inclusion_path(index, size, memory.fetch)
            if (level, position) in memory.read:
                reading.append((index, size))
        drawn = data.draw(st.lists(st.sampled_from(inclusions), max_size=12), label="proofs")
        if reading:
            drawn.append(data.draw(st.sampled_from(reading), label="a proof reading it"))
        for index, size in drawn:
            memory.read = set()
            true = merkle.inclusion_path(index, size, memory.fetch)
            served = ledger.inclusion(log, index, size)
            holds = merkle.verify_inclusion(hashes[index], index, size, served, roots[size])
            assert holds == (served == true), (index, size, level, position)
            assert holds == ((level, position) not in memory.read)
        for _ in range(12):
            second = data.draw(st.integers(1, count), label="second")
            first = data.draw(st.integers(0, second), label="first")
            true = merkle.consistency_path(first, second, memory.fetch)
            served = ledger.consistency(log, first, second)
            first_root = roots[first] if first else merkle.EMPTY_ROOT
            holds = merkle.verify_consistency(first, second, first_root, roots[second], served)
            assert holds == (served == true), (first, second, level, position)
