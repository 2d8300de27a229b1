"""Set-based reads and writes, one place per dialect difference.

The hot path talks to the DB-API cursor directly: SQLite gets ``executemany``
(inside one write transaction it runs at memory speed), PostgreSQL gets
``COPY`` and ``= ANY(array)``. Everything above this module is dialect-free.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

# SQLite's default limit of host parameters in one statement is 32766.
SQLITE_IN_CHUNK = 30_000


def vendor() -> str:
    return connection.vendor


def raw_cursor() -> Any:
    """The driver's own cursor on Django's connection (same transaction)."""
    connection.ensure_connection()
    return connection.connection.cursor()


# Tables whose ids the engine reserves in bulk step their PostgreSQL identity
# sequence by this much (migrations call ``id_blocks_sql``): one nextval then
# reserves a block of ids, and concurrent writers can never share one.
ID_BLOCK = 1024


def id_blocks_sql(table: str) -> str:
    return f"ALTER TABLE {table} ALTER COLUMN id SET INCREMENT BY {ID_BLOCK}"


_increments: dict[str, int] = {}


def allocate_ids(cursor: Any, table: str, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, reserved in bulk."""
    if count == 0:
        return []
    if connection.vendor == "postgresql":
        step = _increments.get(table)
        if step is None:
            cursor.execute(
                "SELECT increment_by FROM pg_sequences "
                "WHERE schemaname || '.' || sequencename = pg_get_serial_sequence(%s, 'id')",
                (table,),
            )
            step = _increments[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, -(-count // step)),
        )
        ids = [first + offset for (first,) in cursor.fetchall() for offset in range(step)]
        return ids[:count]
    # SQLite: the engine's transaction holds the write lock (BEGIN IMMEDIATE),
    # so nobody else can take these ids; sqlite_sequence keeps AUTOINCREMENT's
    # promise never to reuse an id.
    cursor.execute(
        f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "
        f"coalesce((SELECT max(id) FROM {table}), 0))",
        (table,),
    )
    first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


def insert_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def select_in(
    cursor: Any, select: str, column: str, values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Rows of ``select`` (a query ending in WHERE) with ``column`` among ``values``."""
    if not values:
        return []
    if connection.vendor == "postgresql":
        cursor.execute(f"{select} {column} = ANY(%s)", (list(values),))
        return list(cursor.fetchall())
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), SQLITE_IN_CHUNK):
        chunk = values[start : start + SQLITE_IN_CHUNK]
        cursor.execute(f"{select} {column} IN ({', '.join('?' * len(chunk))})", chunk)
        rows += cursor.fetchall()
    return rows


def select_pairs_in(
    cursor: Any, select: str, columns: tuple[str, str], pairs: Sequence[tuple[Any, Any]]
) -> list[tuple[Any, ...]]:
    """Rows of ``select`` (ending in WHERE) whose two ``columns`` are among ``pairs``.

    The first two selected values must be the pair itself.
    """
    if not pairs:
        return []
    first, second = columns
    if connection.vendor == "postgresql":
        cursor.execute(
            f"{select} ({first}, {second}) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            ([p[0] for p in pairs], [p[1] for p in pairs]),
        )
        return list(cursor.fetchall())
    # SQLite: probing the (first, second) index by its first column and
    # filtering here beats a list of row values, which SQLite scans per row.
    wanted = set(pairs)
    firsts = sorted({p[0] for p in pairs})
    return [row for row in select_in(cursor, select, first, firsts) if row[:2] in wanted]


def update_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set ``columns`` of the rows whose id is each row's first value."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        # A staging table with the updated columns' own types, then one join.
        stage = f"_stage_{table}"
        listed = ", ".join(["id", *columns])
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMP TABLE {stage} AS SELECT {listed} FROM {table} WITH NO DATA")
        insert_rows(cursor, stage, ["id", *columns], rows)
        assignments = ", ".join(f"{c} = s.{c}" for c in columns)
        cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {stage} AS s WHERE t.id = s.id")
        drop_stage(cursor, stage)
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = ?", [(*r[1:], r[0]) for r in rows])


def add_to_rows(
    cursor: Any,
    table: str,
    keys: Sequence[str],
    figures: Sequence[str],
    rows: dict[tuple[Any, ...], list[int]],
) -> None:
    """Add each row's figures to the stored row of its key, inserting missing rows.

    One statement; keys in sorted order, so concurrent writers on PostgreSQL
    lock the rows in one order (no deadlock between two batches).
    """
    if not rows:
        return
    mark = "%s" if vendor() == "postgresql" else "?"
    columns = (*keys, *figures)
    additions = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in figures)
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {additions}",
        [(*key, *values) for key, values in sorted(rows.items())],
    )


def delete_in(cursor: Any, table: str, column: str, values: Sequence[Any]) -> None:
    if not values:
        return
    if connection.vendor == "postgresql":
        cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", (list(values),))
        return
    for start in range(0, len(values), SQLITE_IN_CHUNK):
        chunk = values[start : start + SQLITE_IN_CHUNK]
        cursor.execute(
            f"DELETE FROM {table} WHERE {column} IN ({', '.join('?' * len(chunk))})", chunk
        )


def create_stage(cursor: Any, name: str, columns_sql: str) -> None:
    """An empty temporary table private to this connection, for one batch."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({columns_sql})")


def drop_stage(cursor: Any, name: str) -> None:
    cursor.execute(f"DROP TABLE {name}")


LOCK_BUCKETS = 4096


def lock_keys(cursor: Any, namespace: int, keys: Iterable[str]) -> None:
    """Serialise concurrent writers that touch the same keys, until commit.

    PostgreSQL: transaction advisory locks on hash buckets of the keys, taken
    in one sorted order so two writers cannot deadlock. SQLite needs nothing:
    its write transaction (BEGIN IMMEDIATE) already admits one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    buckets = sorted({zlib.crc32(key.encode()) % LOCK_BUCKETS for key in keys})
    if buckets:
        # unnest keeps the array's order, so the locks are taken in it.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, bucket)) FROM unnest(%s::int[]) AS bucket",
            (namespace, buckets),
        )
