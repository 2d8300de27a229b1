"""Set-based reads and writes, one place per dialect difference.

The hot path talks to the DB-API cursor directly: SQLite gets ``executemany``
(inside one write transaction it runs at memory speed), PostgreSQL gets
``COPY`` and lists of values as JSON arrays (``in_json``). Everything
above this module is dialect-free.

PostgreSQL has two sizes of set, split at ``SMALL_BATCH`` rows (decision
0030). A large set of rows goes through ``COPY``, into its table or into a
temporary staging table that one set-based statement then reads. A small
set travels inside its statement as one JSON array per column, read back in
the table's own types (``columns_relation``, decision 0045). An engine batch
of up to ``PIPELINE_BATCH`` events runs in psycopg's pipeline mode
(``pipelined``, decision 0043), where every set travels in statements
whatever its size: statements whose results nobody reads are sent without
waiting, so a batch pays a loopback round trip only per read, and the
server works while the writer goes on. ``COPY`` cannot run in a pipeline,
and a staging table costs a statement of its own (kept per connection,
decision 0035); outside a pipeline JSON costs time per row that ``COPY``
does not, so above the threshold ``COPY`` wins.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connection, connections

# SQLite's default limit of host parameters in one statement is 32766.
SQLITE_IN_CHUNK = 30_000


def vendor() -> str:
    return connection.vendor


def marks(count: int = 1) -> str:
    """``count`` parameter placeholders, comma-separated, in the driver's style."""
    return ", ".join(["%s" if connection.vendor == "postgresql" else "?"] * count)


def raw_cursor() -> Any:
    """The driver's own cursor on Django's connection (same transaction)."""
    django = connections[DEFAULT_DB_ALIAS]  # once: the proxy looks it up per attribute
    django.ensure_connection()
    if in_pipeline():
        return _CursorPerStatement(django.connection)
    return driver_cursor(django.connection)


def driver_cursor(driver: Any) -> Any:
    """A new cursor of the driver connection ``driver``.

    PostgreSQL: one that binds parameters on the server. Django's own
    cursors bind them on the client, quoting each value into the query text
    in Python: a fifth of the writer thread's time under the API's load.
    """
    if isinstance(driver, psycopg.Connection):
        _flush_later(driver)  # what it runs comes after what was written before
        return server_cursor(driver)
    return driver.cursor()


# The class of ``driver_cursor``'s cursors on PostgreSQL (bench/engine_batch.py
# puts one that counts statements in its place).
server_cursor: type[psycopg.Cursor[Any]] = psycopg.Cursor


@dataclass(frozen=True)
class _Held:
    sql: str
    params: tuple[Any, ...]
    table: str
    shared: bool


# Writes whose results nobody reads, held back in a pipeline to go out as one
# statement (``execute_later``): per driver connection inside ``pipelined``.
_later: weakref.WeakKeyDictionary[Any, list[_Held]] = weakref.WeakKeyDictionary()


def execute_later(
    cursor: Any, table: str, sql: str, params: Sequence[Any], *, shared: bool = False
) -> None:
    """Run ``sql`` (an INSERT, UPDATE or DELETE of ``table`` whose result
    nobody reads) now, or in a pipeline together with the next such writes.

    Each statement costs the writer thread about 50 µs of psycopg's pipeline
    bookkeeping and the server a parse, bind and execute; consecutive writes
    go as one statement of data-modifying WITH clauses instead. Those share
    one snapshot, so a second write of the same table (which might need to
    see the first) sends what is held back first. Any other statement, a new
    cursor or the pipeline's end sends it too, so the order of everything
    else is kept. A write with WITH clauses of its own goes last in its
    statement (they join the list); parameters are positional (``%s``).

    ``shared``: the write updates rows other writers update too (balances,
    rollups), which concurrent writers lock in one order (decision 0008).
    The server runs a statement's WITH clauses in an order of its own, so a
    statement carries at most one such write: they keep their order.
    """
    driver, held = _held_writes(cursor)
    if held is None:  # not inside ``pipelined``: nothing would send it later
        cursor.execute(sql, params)
        return
    if any(h.table == table or h.sql.startswith("WITH ") or (shared and h.shared) for h in held):
        _flush_later(driver)
        held = _later[driver]
    held.append(_Held(sql, tuple(params), table, shared))


def _held_writes(cursor: Any) -> tuple[Any, list[_Held] | None]:
    """The cursor's driver connection and its held writes (None outside ``pipelined``)."""
    driver = getattr(cursor, "connection", None)
    return driver, None if driver is None else _later.get(driver)


def _flush_later(driver: Any) -> None:
    held = _later.get(driver)
    if not held:
        return
    _later[driver] = []
    *first, last = held
    sql = last.sql
    if first:
        clauses = ", ".join(f"w{n} AS ({h.sql})" for n, h in enumerate(first))
        sql = f"WITH {clauses}, {sql[5:]}" if sql.startswith("WITH ") else f"WITH {clauses} {sql}"
    params = tuple(p for h in held for p in h.params)
    server_cursor(driver).execute(sql, params, prepare=True)


def commit_with_pipeline() -> bool:
    """Send ``COMMIT`` now, with the pipeline's last statements: the commit
    costs no wait of its own (the pipeline's end reads its result).

    Only inside ``pipelined`` and Django's outermost transaction (never a
    test's, nor a savepoint's); True if sent. Django's own commit at the
    block's end then finds the transaction over and sends nothing. An error
    before it (or in it) surfaces at the pipeline's end, and the block rolls
    back as usual. Nothing may write after it: it is the transaction's end.
    """
    if not in_pipeline() or len(connection.atomic_blocks) != 1 or connection.needs_rollback:
        return False
    driver = connection.connection
    _flush_later(driver)
    driver_cursor(driver).execute("COMMIT")
    _pipeline.committed = True
    return True


class _CursorPerStatement:
    """A cursor for pipeline mode: each statement runs on a fresh driver cursor.

    In a pipeline, results come back in order when something is read, and
    psycopg hands each to the cursor that sent it: a cursor reused while an
    earlier statement's result is still on its way may be given that result
    in place of its query's. One driver cursor per statement cannot mix them.
    """

    def __init__(self, driver: Any) -> None:
        self.connection = driver
        self._last: Any = None  # made when first needed: making one sends held writes

    def _fresh(self) -> Any:
        self._last = driver_cursor(self.connection)
        return self._last

    def execute(self, query: Any, params: Any = None) -> _CursorPerStatement:
        # A small batch's statements repeat from batch to batch: prepared
        # once per connection, the server stops parsing and planning them.
        self._fresh().execute(query, params, prepare=True)
        return self

    def executemany(self, query: Any, params_seq: Any) -> None:
        self._fresh().executemany(query, params_seq)

    def __getattr__(self, name: str) -> Any:  # fetchone, fetchall, rowcount, copy, ...
        if self._last is None:
            self._fresh()
        return getattr(self._last, name)


# The threshold between the small and the large path of a set of rows
# written on its own (module docstring): at 100 rows both cost the same.
SMALL_BATCH = 100
# Up to this many events an engine batch runs in one pipeline (``pipelined``),
# its sets in statements whatever their size. Measured at 1,000 events
# (bench/engine_batch.py --pipeline-batch): 3 waits instead of 25, a third
# less time and no more CPU on either side than the COPY path (decision
# 0043). Above it (large ingests), COPY's lower cost per row wins.
PIPELINE_BATCH = 5_000


def is_small(count: int) -> bool:
    return count <= SMALL_BATCH


# The driver connection whose pipeline ``pipelined`` opened, per thread.
_pipeline = threading.local()


def in_pipeline() -> bool:
    """Whether statements now go out in psycopg's pipeline mode (``pipelined``).

    Asked a few times per statement: a thread's own attribute, where asking
    Django's connection proxy twice cost a tenth of the writer thread's time.
    """
    return getattr(_pipeline, "driver", None) is not None


def _in_statements(count: int) -> bool:
    """Whether ``count`` rows travel inside statements (PostgreSQL): a small
    set, or any set inside a pipeline, where ``COPY`` cannot run (a small
    batch of events can still make a few more rows than events)."""
    return is_small(count) or in_pipeline()


@contextmanager
def pipelined(count: int) -> Iterator[None]:
    """Run the block in pipeline mode when ``count`` events are at most
    ``PIPELINE_BATCH`` (PostgreSQL).

    Inside, a statement's error may surface at a later statement's read (or
    at the block's end); the caller's transaction fails whole either way.
    """
    if in_pipeline():  # already in one: ride it
        yield
        return
    if connection.vendor != "postgresql" or count > PIPELINE_BATCH:
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    _replan_if_due(driver)

    def after_held_writes(execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
        _flush_later(driver)  # a Django cursor's statement, in order too
        return execute(sql, params, many, context)

    with driver.pipeline(), connection.execute_wrapper(after_held_writes):
        _later[driver] = []
        _pipeline.driver, _pipeline.committed = driver, False
        driver.execute(_INDEX_PROBES)
        try:
            yield
            _flush_later(driver)
            if not _pipeline.committed:
                driver.execute(_PLANS_AS_BEFORE)
        finally:  # on an error the transaction fails whole: what is held goes with it
            _pipeline.driver = None
            _later.pop(driver, None)


# A small batch finds its rows by index: its statements are prepared, and a
# plan made while a table was small (a fresh database) scanned it whole long
# after it had grown: a 16-event read of donations_event cost 0.87 ms of the
# server's CPU at 8,000 rows (decision 0038). Not a ban: a statement with no
# index to use still scans. For the block only (its transaction or savepoint).
_INDEX_PROBES = "SET LOCAL enable_seqscan = off"
_PLANS_AS_BEFORE = "SET LOCAL enable_seqscan TO DEFAULT"


# A prepared statement keeps its plan (PostgreSQL's generic plan) until the
# server sees new statistics of its tables; autovacuum takes those only after
# a tenth of a table changed, and at most once a minute. A plan made while a
# table was nearly empty would scan it whole long after it has grown (measured
# on a fresh database: 0.9 ms a read against 0.1 ms by index). So a
# connection's statements are prepared again, from the tables as they are
# now, every few seconds (decision 0036); that costs a parse per statement.
REPLAN_SECONDS = 10.0
_prepared_at: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def _replan_if_due(driver: Any) -> None:
    now = time.monotonic()
    since = _prepared_at.setdefault(driver, now)
    if now - since >= REPLAN_SECONDS:
        driver.execute("DEALLOCATE ALL")  # psycopg forgets its names with it
        _prepared_at[driver] = now


# Tables whose ids the engine reserves in bulk step their PostgreSQL identity
# sequence by this much (migrations call ``id_blocks_sql``): one nextval then
# reserves a block of ids, and concurrent writers can never share one.
ID_BLOCK = 1024


def id_blocks_sql(table: str) -> str:
    return f"ALTER TABLE {table} ALTER COLUMN id SET INCREMENT BY {ID_BLOCK}"


_increments: dict[str, int] = {}


def allocate_ids(cursor: Any, table: str, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, reserved in bulk."""
    return allocate_many(cursor, {table: count})[table]


def allocate_many(cursor: Any, counts: dict[str, int]) -> dict[str, list[int]]:
    """Fresh primary keys for several tables (``{table: count}``) in one statement.

    Each table's ids come in ascending order.
    """
    wanted = {table: count for table, count in counts.items() if count > 0}
    ids: dict[str, list[int]] = {table: [] for table in counts}
    if not wanted:
        return ids
    if connection.vendor == "postgresql":
        _know_increments(cursor, wanted)
        tables = sorted(wanted)
        blocks = [-(-wanted[table] // _increments[table]) for table in tables]
        cursor.execute(_RESERVE, (tables, blocks))
        return {**ids, **_ids_of_blocks(cursor.fetchall(), wanted)}
    # SQLite: the engine's transaction holds the write lock (BEGIN IMMEDIATE),
    # so nobody else can take these ids; sqlite_sequence keeps AUTOINCREMENT's
    # promise never to reuse an id.
    for table, count in wanted.items():
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0))",
            (table,),
        )
        first = cursor.fetchone()[0] + 1
        ids[table] = list(range(first, first + count))
    return ids


def send_allocation(
    cursor: Any, tables: Sequence[str]
) -> Callable[[dict[str, int]], dict[str, list[int]]]:
    """Reserve a block of ids for each of ``tables`` now, before the counts are
    known; the returned function gives ``{table: count}`` ids from them.

    In a pipeline the reservation rides the next wait (a small batch's
    reads), so the batch need not wait again once it knows its counts. A
    count larger than a block reserves anew (``allocate_many``); so does
    every count outside a pipeline. Ids reserved and not used are skipped,
    as a block's rest always is.
    """
    if not in_pipeline():
        return lambda counts: allocate_many(cursor, counts)
    _know_increments(cursor, tables)
    names = sorted(tables)
    own = driver_cursor(cursor.connection)  # its rows are read later: a cursor of its own
    own.execute(_RESERVE, (names, [1] * len(names)), prepare=True)

    def ids(counts: dict[str, int]) -> dict[str, list[int]]:
        blocks = own.fetchall()
        if any(count > 0 and (table not in names or count > _increments[table])
               for table, count in counts.items()):  # fmt: skip
            return allocate_many(cursor, counts)
        wanted = {table: count for table, count in counts.items() if count > 0}
        return {**{table: [] for table in counts}, **_ids_of_blocks(blocks, wanted)}

    return ids


# The transaction gets its id (xid) before it holds any of these ids: a
# settlement run waits for every transaction with an xid when it takes its
# watermark (settlement.runs._watermark), and a batch holding ledger ids below
# the watermark without an xid would commit them unseen, never to be settled.
# pg_current_xact_id() is in nextval's argument, so it has run before each
# nextval does.
_RESERVE = (
    "SELECT t.name, nextval(CASE WHEN pg_current_xact_id() IS NOT NULL"
    " THEN pg_get_serial_sequence(t.name, 'id') END) "
    "FROM unnest(%s::text[], %s::int[]) AS t(name, blocks), generate_series(1, t.blocks)"
)


def _know_increments(cursor: Any, tables: Iterable[str]) -> None:
    """Each table's block size (its sequence's step), read once per process."""
    unknown = [table for table in tables if table not in _increments]
    if unknown:
        cursor.execute(
            "SELECT t.name, s.increment_by FROM unnest(%s::text[]) AS t(name) "
            "JOIN pg_sequences s "
            "ON s.schemaname || '.' || s.sequencename = pg_get_serial_sequence(t.name, 'id')",
            (unknown,),
        )
        _increments.update(cursor.fetchall())


def _ids_of_blocks(
    firsts: Iterable[tuple[str, int]], wanted: dict[str, int]
) -> dict[str, list[int]]:
    """The first ``wanted[table]`` ids of each table's reserved blocks, ascending."""
    starts: dict[str, list[int]] = {table: [] for table in wanted}
    for table, first in firsts:
        if table in starts:
            starts[table].append(first)
    ids: dict[str, list[int]] = {}
    for table, count in wanted.items():
        # Only the ids wanted, in C: a block holds 1,024 and a small batch needs a few.
        blocks = (range(first, first + _increments[table]) for first in sorted(starts[table]))
        ids[table] = list(itertools.islice(itertools.chain.from_iterable(blocks), count))
    return ids


def _small_or_all(rows: Iterable[Sequence[Any]]) -> tuple[list[Sequence[Any]] | None, Any]:
    """(the rows as a list, if they make a small batch; else None) and all the rows."""
    if isinstance(rows, Sequence):
        return (list(rows) if _in_statements(len(rows)) else None), rows
    if in_pipeline():
        listed = list(rows)
        return listed, listed
    iterator = iter(rows)
    head = list(itertools.islice(iterator, SMALL_BATCH + 1))
    if is_small(len(head)):
        return head, head
    return None, itertools.chain(head, iterator)


def insert_rows(
    cursor: Any,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    types: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; ``types`` (PostgreSQL type names) make a large batch's
    ``COPY`` binary, worth it for rows of mostly bytes."""
    listed = ", ".join(columns)
    if connection.vendor == "postgresql":
        small, rows = _small_or_all(rows)
        if small is not None:
            if small:  # one statement, the rows in it
                source, params = columns_relation("s", columns, table_types(table, columns), small)
                execute_later(
                    cursor, table, f"INSERT INTO {table} ({listed}) SELECT * FROM {source}", params
                )
            return
        binary = " (FORMAT BINARY)" if types else ""
        with cursor.copy(f"COPY {table} ({listed}) FROM STDIN{binary}") as copy:
            if types:
                copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", rows)


def columns_relation(
    name: str, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, tuple[str, ...]]:
    """PostgreSQL: ``rows`` as a FROM item called ``name``, with ``columns``
    of ``types``, and its parameters: one JSON array per column. A type's
    length limit is dropped (a cast would cut the value): a value too long
    for its column is refused when written, as any other.

    Against one array of objects (``json_populate_recordset``), measured at
    1,000 rows: a third of the client's CPU (no dict per row: ``zip`` turns
    the rows into columns in C) and less of the server's time to read them.
    Bytes travel as bytea's hex text.
    """
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    # orjson calls ``default`` only for what it cannot encode (bytes): the
    # other values cost no Python call each.
    params = tuple(orjson.dumps(v, default=_bytea_text).decode() for v in values)
    scans = ", ".join(["json_array_elements_text(%s::json)"] * len(columns))
    typed = ", ".join(
        f"r.{c}::{_UNLIMITED.sub('', t)} AS {c}" for c, t in zip(columns, types, strict=True)
    )
    relation = f"(SELECT {typed} FROM ROWS FROM ({scans}) AS r({', '.join(columns)})) AS {name}"
    return relation, params


_UNLIMITED = re.compile(r"\(.*\)$")  # varchar(20) -> varchar


def table_types(table: str, columns: Sequence[str]) -> tuple[str, ...]:
    """The PostgreSQL types of ``columns`` of ``table`` (a model's)."""
    types = _model_types(table)
    return tuple(types[column] for column in columns)


@functools.cache
def _model_types(table: str) -> dict[str, str]:
    for model in apps.get_models():
        if model._meta.db_table == table:
            fields = model._meta.concrete_fields
            return {str(field.column): str(field.db_type(connection)) for field in fields}
    raise LookupError(f"no model has the table {table}")


def _bytea_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# PostgreSQL: a list of values (ids, keys) goes into a statement as one JSON
# array. psycopg adapts a Python list to an array value by value in Python:
# measured here 2 ms of client CPU per 1,000 values, against 0.1 ms for
# orjson, and the server reads the JSON faster too.


def json_array(values: Iterable[Any]) -> str:
    return orjson.dumps(list(values)).decode()


def in_json(values: Sequence[Any]) -> tuple[str, str]:
    """What follows ``column`` to keep the rows whose ``column`` is among
    ``values``, and its one parameter.

    Ids (ints) compare as ``bigint``; anything else as text, which compares
    with any character column. The planner guesses 100 rows for a
    set-returning function and 10 for an array it cannot see (decision 0036):
    - a small list is an array, so its rows are found by index probes; as a
      set, a table of a few thousand rows was hashed whole (2.6 ms a read
      against 0.1 ms);
    - a large list is a set, hashed once; as an array, a table the planner
      thought small was scanned with each row compared to every value (a
      1,000-value read took 42 ms).
    """
    cast = "::bigint" if type(values[0]) is int else ""
    elements = f"SELECT jsonb_array_elements_text(%s::jsonb){cast}"
    among = f"= ANY(ARRAY({elements}))" if is_small(len(values)) else f"IN ({elements})"
    return among, json_array(values)


@dataclass(frozen=True)
class Read:
    """One set-based read: ``select`` (a query ending in WHERE) for rows whose
    ``columns`` are among ``values`` (one column: values; two: pairs, and the
    first two selected values must be the pair itself). Run by ``read_all``.

    Pairs are of text columns (an order's id and a line's): PostgreSQL
    compares them as text, so a pair of numbers would need casts here."""

    select: str
    columns: tuple[str, ...]
    values: Sequence[Any]

    def among(self, values: Sequence[Any]) -> Read:
        """This read for other ``values``."""
        return Read(self.select, self.columns, values)

    def postgresql(self) -> tuple[str, tuple[Any, ...]]:
        if len(self.columns) == 1:
            among, values = in_json(self.values)
            return f"{self.select} {self.columns[0]} {among}", (values,)
        first, second = self.columns
        if not is_small(len(self.values)):
            # A large set: the pairs as two columns, each pair probing the
            # (first, second) index whole. Matching the first column, then
            # keeping the pairs, took the server 11.9 ms for the lines of
            # 4,000 events against 9.5 ms (2.9 against 2.7 for 1,000).
            lefts, rights = zip(*self.values, strict=True)
            return (
                f"{self.select} ({first}, {second}) IN (SELECT k.a, k.b FROM ROWS FROM"
                " (json_array_elements_text(%s::json), json_array_elements_text(%s::json))"
                " AS k(a, b))",
                (json_array(lefts), json_array(rights)),
            )
        # A small one: the first column's values as an array find the rows by
        # index (in_json; as a set, the planner's guess of 100 rows would hash
        # a whole table); the pairs then keep the right ones.
        among, firsts = in_json(sorted({pair[0] for pair in self.values}))
        return (
            f"{self.select} {first} {among} AND ({first}, {second}) IN "
            "(SELECT pair->>0, pair->>1 FROM jsonb_array_elements(%s::jsonb) AS pair)",
            (firsts, json_array(self.values)),
        )

    def sqlite(self, cursor: Any) -> list[tuple[Any, ...]]:
        if len(self.columns) == 2:
            # Probing the (first, second) index by its first column and
            # filtering here beats a list of row values, which SQLite scans per row.
            wanted = set(self.values)
            firsts = sorted({p[0] for p in self.values})
            by_first = Read(self.select, self.columns[:1], firsts).sqlite(cursor)
            return [row for row in by_first if row[:2] in wanted]
        rows: list[tuple[Any, ...]] = []
        column = self.columns[0]
        for start in range(0, len(self.values), SQLITE_IN_CHUNK):
            chunk = self.values[start : start + SQLITE_IN_CHUNK]
            cursor.execute(f"{self.select} {column} IN ({', '.join('?' * len(chunk))})", chunk)
            rows += cursor.fetchall()
        return rows


def read_all(cursor: Any, reads: Sequence[Read]) -> list[list[tuple[Any, ...]]]:
    """The rows of independent ``reads``, in order.

    On PostgreSQL each read gets its own cursor and all are sent before any
    is fetched: inside ``pipelined`` that is one round trip for them all.
    """
    return send_reads(cursor, reads)()


def send_reads(cursor: Any, reads: Sequence[Read]) -> Callable[[], list[list[tuple[Any, ...]]]]:
    """Send ``reads`` now; the returned function fetches their rows, in order.

    Inside ``pipelined``, statements sent between the two (reads whose rows
    are fetched first included) share the same round trip. SQLite runs them
    at once.
    """
    if connection.vendor != "postgresql":
        rows = [read.sqlite(cursor) if read.values else [] for read in reads]
        return lambda: rows
    sent: list[Any] = []
    for read in reads:
        if not read.values:
            sent.append(None)
            continue
        query, params = read.postgresql()
        # A cursor of its own: the caller's may run other statements before
        # the fetch. In a pipeline, prepared (see _CursorPerStatement). Rows
        # come in binary: integers load in half the client's time of text.
        own = driver_cursor(cursor.connection)
        own.execute(query, params, prepare=True if in_pipeline() else None, binary=True)
        sent.append(own)
    return lambda: [[] if own is None else list(own.fetchall()) for own in sent]


def select_in(
    cursor: Any, select: str, column: str, values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Rows of ``select`` (a query ending in WHERE) with ``column`` among ``values``."""
    return read_all(cursor, [Read(select, (column,), values)])[0]


def update_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set ``columns`` of the rows whose id is each row's first value."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        # The rows as a relation with the updated columns' own types, then one join.
        assignments = ", ".join(f"{c} = s.{c}" for c in columns)
        probe, ids = "", tuple[str, ...]()
        if is_small(len(rows)):  # the ids again, as an array: the table's key is probed (in_json)
            among, listed = in_json([row[0] for row in rows])
            probe, ids = f" AND t.id {among}", (listed,)
        with staged(cursor, "s", ("id", *columns), rows, like=table) as (source, params):
            execute_later(
                cursor,
                table,
                f"UPDATE {table} AS t SET {assignments} FROM {source} WHERE t.id = s.id{probe}",
                (*params, *ids),
            )
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
    columns = (*keys, *figures)
    listed = ", ".join(columns)
    upsert = f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET " + ", ".join(
        f"{f} = {table}.{f} + excluded.{f}" for f in figures
    )
    ordered = [(*key, *values) for key, values in sorted(rows.items())]
    if vendor() == "postgresql":  # the rows in the statement, read in their order
        source, params = columns_relation("s", columns, table_types(table, columns), ordered)
        execute_later(
            cursor,
            table,
            f"INSERT INTO {table} ({listed}) SELECT * FROM {source}{upsert}",
            params,
            shared=True,
        )
        return
    marks = ", ".join("?" * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks}){upsert}", ordered)


def delete_in(cursor: Any, table: str, column: str, values: Sequence[Any]) -> None:
    if not values:
        return
    if connection.vendor == "postgresql":
        among, listed = in_json(values)
        execute_later(cursor, table, f"DELETE FROM {table} WHERE {column} {among}", (listed,))
        return
    _sqlite_delete_in(cursor, table, column, values)


def delete_counted(cursor: Any, table: str, column: str, values: Sequence[Any]) -> int:
    """``delete_in``, waiting for the number of rows it deleted."""
    if not values:
        return 0
    if connection.vendor == "postgresql":
        among, listed = in_json(values)
        cursor.execute(f"DELETE FROM {table} WHERE {column} {among}", (listed,))
        return int(cursor.rowcount)
    return _sqlite_delete_in(cursor, table, column, values)


def _sqlite_delete_in(cursor: Any, table: str, column: str, values: Sequence[Any]) -> int:
    deleted = 0
    for start in range(0, len(values), SQLITE_IN_CHUNK):
        chunk = values[start : start + SQLITE_IN_CHUNK]
        cursor.execute(
            f"DELETE FROM {table} WHERE {column} IN ({', '.join('?' * len(chunk))})", chunk
        )
        deleted += cursor.rowcount
    return deleted


@contextmanager
def staged(
    cursor: Any,
    name: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    types: Sequence[str] | None = None,
    like: str | None = None,
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """PostgreSQL: ``rows`` as a relation called ``name``, for the block's statements.

    Yields the FROM item and its parameters. Column types are ``types`` (SQL
    types, in ``columns`` order) or table ``like``'s own. A small batch
    travels in the statement (``columns_relation``); a large one goes to a
    temporary table filled by ``COPY``.
    """
    if (types is None) == (like is None):
        raise ValueError("staged() takes one of types= and like=")
    if _in_statements(len(rows)):
        typed = types if types is not None else table_types(str(like), columns)
        yield columns_relation(name, columns, typed, rows)
        return
    # One temporary table per shape and connection, kept for the next batch:
    # emptied before each use and at every commit (a transaction that made
    # it and rolled back takes it along; the next batch makes it again).
    # Creating and dropping one per batch cost four statements of catalog
    # churn, each a round trip.
    if not connection.in_atomic_block:  # in autocommit the rows would go with each statement
        raise RuntimeError("a staging table needs the caller's transaction.atomic()")
    definition = None if types is None else column_definitions(columns, types)
    shape = definition or f"{like}({', '.join(columns)})"
    stage = f"_stage_{like or name}_{zlib.crc32(shape.encode()):08x}"
    if like is not None:
        make = (
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS"
            f" AS SELECT {', '.join(columns)} FROM {like} WITH NO DATA"
        )
    else:
        make = f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({definition}) ON COMMIT DELETE ROWS"
    # Without parameters both go as one query: one round trip.
    cursor.execute(f"{make}; DELETE FROM {stage}")
    insert_rows(cursor, stage, columns, rows)
    yield f"{stage} AS {name}", ()


def column_definitions(columns: Sequence[str], types: Sequence[str]) -> str:
    """``id bigint, kind varchar(20)``: for a table's definition."""
    return ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))


def create_stage(cursor: Any, name: str, columns_sql: str) -> None:
    """SQLite: an empty temporary table private to this connection, for one batch."""
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
    buckets = sorted({lock_bucket(key) for key in keys})
    if buckets:
        # The elements come in the array's order, so the locks are taken in it.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, bucket::int))"
            " FROM jsonb_array_elements_text(%s::jsonb) AS bucket",
            (namespace, json_array(buckets)),
        )


def lock_shared(cursor: Any, key: int) -> None:
    """Until commit, one writer at a time past this point (PostgreSQL: a
    transaction advisory lock; SQLite admits one writer anyway).

    In a pipeline it ends the statement of the writes held so far
    (``execute_later``), which run as its WITH clauses: it costs no
    statement of its own.
    """
    if connection.vendor != "postgresql":
        return
    sql, params = "SELECT pg_advisory_xact_lock(%s)", (key,)
    driver, held = _held_writes(cursor)
    if held is None:
        cursor.execute(sql, params)
        return
    if held and held[-1].sql.startswith("WITH "):  # its clauses cannot nest in a WITH clause
        _flush_later(driver)
        held = _later[driver]
    held.append(_Held(sql, params, "", False))
    _flush_later(driver)  # sent now: a later write must not make it a WITH clause


def lock_bucket(key: str) -> int:
    """The advisory lock bucket of a key (``lock_keys``)."""
    return zlib.crc32(key.encode()) % LOCK_BUCKETS


def try_lock_keys(cursor: Any, namespace: int, keys: Iterable[str]) -> set[int]:
    """``lock_keys`` without waiting (PostgreSQL): the buckets locked now,
    until commit. A bucket another transaction holds is left out; since
    nothing waits, the order they are tried in cannot deadlock."""
    buckets = sorted({lock_bucket(key) for key in keys})
    if not buckets:
        return set()
    cursor.execute(
        "SELECT bucket::int FROM jsonb_array_elements_text(%s::jsonb) AS bucket"
        " WHERE pg_try_advisory_xact_lock(%s, bucket::int)",
        (json_array(buckets), namespace),
    )
    return {row[0] for row in cursor.fetchall()}
