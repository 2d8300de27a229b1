"""The log in the database: appends in batches, roots and proofs from stored subtrees."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction
from hypothesis import given
from hypothesis import strategies as st

from dermawan.transparency import store, tree
from dermawan.transparency.hashing import (
    leaf_hash,
    mth,
    verify_consistency,
    verify_inclusion,
)
from tests.transparency import vectors as v
from tests.transparency.support import DATABASE, fresh_log, path, proof

pytestmark = pytest.mark.django_db


class CountingCursor:
    """A cursor that counts the statements it runs."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.statements = 0

    def execute(self, *args: Any) -> Any:
        self.statements += 1
        return self.cursor.execute(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_the_reference_leaves_give_the_reference_answers() -> None:
    with fresh_log() as cursor:
        assert store.append(cursor, v.LEAVES[:3]) == store.Appended(0, 3)
        assert store.append(cursor, []) == store.Appended(3, 3)
        assert store.append(cursor, v.LEAVES[3:4]) == store.Appended(3, 4)
        assert store.append(cursor, v.LEAVES[4:]) == store.Appended(4, 8)
        assert store.size(cursor) == 8
        assert [store.root(cursor, n) for n in range(9)] == v.ROOTS
        for index, size, audit_path in v.INCLUSION:
            found = store.inclusion_proof(cursor, index, size)
            assert found == store.InclusionProof(
                index, size, leaf_hash(v.LEAVES[index]), audit_path
            )
        for first, second, consistency in v.CONSISTENCY:
            assert store.consistency_proof(cursor, first, second) == consistency
        assert store.entries(cursor, 2, 5) == [(2, v.LEAVES[2]), (3, v.LEAVES[3]), (4, v.LEAVES[4])]
        assert list(store.all_entries(cursor, chunk=3)) == list(enumerate(v.LEAVES))


def test_an_empty_log() -> None:
    with fresh_log() as cursor:
        assert store.size(cursor) == 0
        assert store.root(cursor, 0) == v.EMPTY_ROOT
        assert store.consistency_proof(cursor, 0, 0) == []


def test_only_sizes_the_log_has_had_are_answered() -> None:
    with fresh_log() as cursor:
        store.append(cursor, v.LEAVES)
        with pytest.raises(ValueError, match="not one the log has had"):
            store.root(cursor, 9)
        with pytest.raises(ValueError, match="not one the log has had"):
            store.inclusion_proof(cursor, 0, 9)
        with pytest.raises(ValueError, match="outside a tree of size 4"):
            store.inclusion_proof(cursor, 4, 4)
        with pytest.raises(ValueError, match="cannot precede"):
            store.consistency_proof(cursor, 5, 4)
        with pytest.raises(ValueError, match="not one the log has had"):
            store.consistency_proof(cursor, 9, 9)
        with pytest.raises(ValueError, match="negative"):
            store.root(cursor, -1)


def test_appending_outside_a_transaction_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # (the wrapper itself: patching the proxy would delete the attribute afterwards)
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)
    with pytest.raises(RuntimeError, match="transaction"):
        store.append(None, [b"x"])


def test_the_right_edge_read_by_the_log_size_in_sql_is_the_one_tree_py_names() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the edge is read in SQL on PostgreSQL only (SQLite costs no round trip)")
    with fresh_log() as cursor:
        assert store.send_frontier(cursor)() == {}  # type: ignore[misc]
        for size in [*range(1, 70), 1023, 1024, 1025, 4096 + 255]:
            grown = store.size(cursor)
            store.append(cursor, [i.to_bytes(4, "big") for i in range(grown, size)])
            read = store.send_frontier(cursor)()  # type: ignore[misc]
            edge = tree.subtrees(0, size)
            assert sorted(read) == sorted(edge), size
            assert read == store._read(cursor, edge), size  # the same hashes
            # and append takes them as they are: the roots stay the reference ones
            assert store.root(cursor, size) == tree.fold([read[i] for i in edge])


def test_a_proof_is_one_statement_whatever_the_size() -> None:
    with fresh_log() as cursor:
        for start in range(0, 5000, 1000):
            store.append(cursor, [i.to_bytes(4, "big") for i in range(start, start + 1000)])
        counting = CountingCursor(cursor)
        for size, index in [(5000, 0), (5000, 4999), (4097, 2048), (1, 0)]:
            counting.statements = 0
            store.inclusion_proof(counting, index, size)
            assert counting.statements == 1  # the nodes it needs, all at once
        counting.statements = 0
        store.consistency_proof(counting, 1234, 4999)
        assert counting.statements == 1
        counting.statements = 0
        store.append(counting, [b"one more"])
        assert counting.statements <= 5  # lock, size, frontier, entries, nodes


def node_rows(cursor: Any) -> list[int]:
    cursor.execute("SELECT id FROM transparency_node ORDER BY id")
    return [row[0] for row in cursor.fetchall()]


def test_the_store_keeps_the_nodes_of_16_leaves_or_more() -> None:
    leaves = [i.to_bytes(4, "big") for i in range(1000)]
    with fresh_log() as cursor:
        for start, end in [(0, 7), (7, 16), (16, 17), (17, 500), (500, 1000)]:
            store.append(cursor, leaves[start:end])
        every = tree.grow(0, [], [leaf_hash(leaf) for leaf in leaves])
        assert node_rows(cursor) == sorted(i for i, _ in every if tree.level_of(i) >= 4)
        assert len(node_rows(cursor)) == 62 + 31 + 15 + 7 + 3 + 1  # 1000 >> 4, >> 5, ...
        # and every answer is the reference one, a leaf's neighbours hashed from their entries
        for size in [1, 15, 16, 17, 31, 33, 999, 1000]:
            assert store.root(cursor, size) == mth(leaves[:size])
            for index in {0, size // 2, size - 1}:
                found = store.inclusion_proof(cursor, index, size)
                hashes = [leaf_hash(leaf) for leaf in leaves[:size]]
                assert found.path == path(index, hashes)
            assert store.consistency_proof(cursor, size // 3 or 1, size) == (
                proof(size // 3 or 1, [leaf_hash(leaf) for leaf in leaves[:size]])
                if 0 < (size // 3 or 1) < size
                else []
            )


class _Editor:
    """What the log's migrations use of a schema editor, inside the test's transaction."""

    def __init__(self) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Any = ()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migration_drops_the_lower_nodes_and_makes_them_again_if_reversed() -> None:
    from django.apps import apps

    migration = importlib.import_module("dermawan.transparency.migrations.0006_nodes_from_level_4")
    leaves = [i.to_bytes(4, "big") for i in range(300)]
    with fresh_log() as cursor:
        store.append(cursor, leaves[:123])
        store.append(cursor, leaves[123:])
        kept = node_rows(cursor)
        migration._make_lower_nodes(apps, _Editor())  # as an older log stored them
        every = tree.grow(0, [], [leaf_hash(leaf) for leaf in leaves])
        assert node_rows(cursor) == sorted(i for i, _ in every)
        stored = store.stored_nodes(cursor, [i for i, _ in every])
        assert stored == dict(every)  # the lower ones hashed right
        migration._drop_lower_nodes(apps, _Editor())
        assert node_rows(cursor) == kept
        assert store.root(cursor, 300) == mth(leaves)
        refused = pytest.raises(DatabaseError, match="append-only")  # the triggers are back
        with refused, transaction.atomic(), connection.cursor() as sql:
            sql.execute("DELETE FROM transparency_node")


@pytest.mark.parametrize("table", ["transparency_entry", "transparency_node"])
@pytest.mark.parametrize("change", ["UPDATE {} SET id = id", "DELETE FROM {}"])
def test_the_database_refuses_to_change_the_log(table: str, change: str) -> None:
    with fresh_log() as raw:
        store.append(raw, [i.to_bytes(4, "big") for i in range(40)])  # stored nodes too
        refused = pytest.raises(DatabaseError, match="append-only")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(change.format(table))


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=300)


@DATABASE
@given(leaves=leaf_lists, data=st.data())
def test_every_proof_from_the_store_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    # where one batch ends and the next begins (0 and len(leaves) make empty batches)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(leaves)), max_size=5), label="cuts"))
    with fresh_log() as cursor:
        for start, end in zip([0, *cuts], [*cuts, len(leaves)], strict=True):
            store.append(cursor, leaves[start:end])
        size = len(leaves)
        roots = [store.root(cursor, n) for n in range(size + 1)]
        assert roots == [mth(leaves[:n]) for n in range(size + 1)]
        for _ in range(5):
            n = data.draw(st.integers(1, size), label="tree size")
            index = data.draw(st.integers(0, n - 1), label="leaf index")
            found = store.inclusion_proof(cursor, index, n)
            assert found.path == path(index, hashes[:n])
            assert verify_inclusion(index, n, leaf_hash(leaves[index]), found.path, roots[n])
            first = data.draw(st.integers(0, n), label="first size")
            consistency = store.consistency_proof(cursor, first, n)
            assert consistency == (proof(first, hashes[:n]) if 0 < first < n else [])
            assert verify_consistency(first, n, roots[first], roots[n], consistency)
