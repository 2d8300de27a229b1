"""The engine's batch paths write the same books (core.bulk.SMALL_BATCH, PIPELINE_BATCH).

On PostgreSQL a batch of up to PIPELINE_BATCH events runs in pipeline mode,
its rows inside statements; a larger one copies its sets of more than
SMALL_BATCH rows into their tables or staging tables. The same story, told
once per path, must leave the same lines, balances and log.
"""

from __future__ import annotations

import importlib
import itertools
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from dermawan.core import bulk
from dermawan.donations import hooks
from dermawan.donations.engine import PARKED_COLUMNS, Engine
from dermawan.donations.events import read_event
from dermawan.donations.models import IngestRun
from dermawan.ledger.checks import check_ledger
from tests.donations.builders import completed, load_default_catalog, paid, refunded

pytestmark = pytest.mark.django_db(transaction=False)


class _Discard(Exception):
    pass


def _story() -> list[list[dict[str, Any]]]:
    """Batches: lines paid, completed and refunded; one completed before its paid
    (parked, then applied by a later batch); a duplicate; a rejected refund."""
    first = [paid(f"p{n}", f"o-{n}", quantity=n) for n in range(1, 6)]
    first += [completed("c6", "o-6")]  # parked: its paid comes next batch
    first += [completed("c7", "o-7")]  # parked until the last batch
    second = [paid("p6", "o-6"), completed("c1", "o-1"), refunded("r2", "o-2", refund_minor=5_000)]
    third = [paid("p1", "o-1"), refunded("r3", "o-3", refund_minor=999_999), completed("c3", "o-3")]
    # A batch of one event making two entries and two leaves: pipelined when
    # the threshold is 1, with sets of more rows than that inside it.
    alone = [paid("p7", "o-7")]
    return [first, second, third, alone]


def _books() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT order_id, status, donation_minor, refunded_minor, reversed_minor"
            " FROM donations_orderline ORDER BY order_id"
        )
        lines = cursor.fetchall()
        cursor.execute(
            "SELECT kind, owner_id, currency, balance_minor FROM ledger_account"
            " ORDER BY kind, owner_id, currency"
        )
        balances = cursor.fetchall()
        cursor.execute("SELECT kind, count(*) FROM ledger_transaction GROUP BY kind ORDER BY kind")
        transactions = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM transparency_entry")
        leaves = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM donations_parkedevent")
        parked = cursor.fetchone()[0]
    return {
        "lines": [tuple(row) for row in lines],
        "balances": [tuple(row) for row in balances],
        "transactions": [tuple(row) for row in transactions],
        "leaves": leaves,
        "parked": parked,
        "check": check_ledger(),
    }


def _tell(
    thresholds: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[list[str]], dict[str, Any]]:
    monkeypatch.setattr(bulk, "SMALL_BATCH", thresholds[0])
    monkeypatch.setattr(bulk, "PIPELINE_BATCH", thresholds[1])
    statuses: list[list[str]] = []
    books: dict[str, Any] = {}
    try:
        with transaction.atomic():
            run = IngestRun.objects.create(source="test")
            engine = Engine(run.pk)
            for number, batch in enumerate(_story()):
                events = [read_event(r, number * 100 + i) for i, r in enumerate(batch, 1)]
                statuses.append(engine.apply(events).statuses)
                hooks.run_after_commit()  # what a source does after each batch
            books = _books()
            raise _Discard
    except _Discard:
        pass
    return statuses, books


def test_small_and_large_batches_write_the_same_books(monkeypatch: pytest.MonkeyPatch) -> None:
    load_default_catalog()
    # (0, 0): no pipeline, every set large (COPY, staging tables); (1, 1):
    # one-event batches pipelined, with sets of more rows inside them, the
    # others not; the defaults: every batch here pipelined.
    paths = [(0, 0), (1, 1), (bulk.SMALL_BATCH, bulk.PIPELINE_BATCH)]
    told = {path: _tell(path, monkeypatch) for path in paths}
    statuses, books = told[paths[-1]]
    assert statuses[0][-1] == "parked" and statuses[1][0] == "applied"
    assert books["check"]["ok"]
    assert books["transactions"] and books["leaves"] > 0
    for path in paths[:-1]:
        assert told[path] == (statuses, books), path


def test_in_a_pipeline_each_statement_reads_its_own_result() -> None:
    """psycopg hands a pipeline's results to the cursor that sent them, in order:
    a reused cursor could be given an earlier statement's result for its query."""
    if connection.vendor != "postgresql":
        pytest.skip("pipeline mode is PostgreSQL's")
    with transaction.atomic(), bulk.pipelined(1):
        cursor = bulk.raw_cursor()
        cursor.executemany("SELECT %s", [(1,), (2,)])  # results nobody reads
        cursor.execute("SELECT 3")
        assert cursor.fetchall() == [(3,)]
        assert bulk.read_all(cursor, [bulk.Read("SELECT 4 WHERE", ("4",), [4])]) == [[(4,)]]


def _counting_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements sent through core.bulk's server cursors from now on."""
    import psycopg

    sent: list[str] = []

    class Counting(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
            sent.append(str(query))
            return super().execute(query, params, **kw)

    monkeypatch.setattr(bulk, "server_cursor", Counting)
    return sent


def test_writes_held_in_a_pipeline_go_out_as_one_statement_before_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("writes are held back in PostgreSQL's pipeline only")
    with transaction.atomic():
        with connection.cursor() as setup:
            for table in ("held_a", "held_b", "held_c"):
                setup.execute(f"CREATE TEMP TABLE {table} (v int) ON COMMIT DROP")
        sent = _counting_statements(monkeypatch)
        with bulk.pipelined(1):
            cursor = bulk.raw_cursor()
            bulk.execute_later(cursor, "held_a", "INSERT INTO held_a VALUES (%s)", (1,))
            bulk.execute_later(cursor, "held_b", "INSERT INTO held_b VALUES (%s)", (2,))
            bulk.execute_later(
                cursor,
                "held_c",
                "WITH x AS (SELECT %s AS v) INSERT INTO held_c SELECT v FROM x",
                (3,),
            )
            assert sent == []  # held back
            # a WITH statement goes last: the next write starts a new statement
            bulk.execute_later(cursor, "held_a", "UPDATE held_a SET v = v + %s", (10,))
            assert len(sent) == 1 and sent[0].startswith("WITH w0 AS (INSERT INTO held_a")
            # the same table again: what is held goes first, so this sees it
            bulk.execute_later(cursor, "held_a", "UPDATE held_a SET v = v * %s", (2,))
            assert len(sent) == 2
            # any other statement comes after the held writes, and sees them
            rows = bulk.read_all(cursor, [bulk.Read("SELECT v FROM held_a WHERE", ("v",), [22])])
            assert rows == [[(22,)]]
            with connection.cursor() as django_cursor:  # a Django cursor too
                bulk.execute_later(cursor, "held_b", "UPDATE held_b SET v = v + %s", (1,))
                django_cursor.execute("SELECT v FROM held_b")
                assert django_cursor.fetchall() == [(3,)]
            # rows other writers update too: one such write a statement, in order
            sent.clear()
            bulk.execute_later(cursor, "held_a", "UPDATE held_a SET v = v", (), shared=True)
            bulk.execute_later(cursor, "held_b", "UPDATE held_b SET v = v", (), shared=True)
            bulk.execute_later(cursor, "held_c", "UPDATE held_c SET v = v", ())
            assert sent == ["UPDATE held_a SET v = v"]  # the second went on to wait
        with connection.cursor() as check:
            check.execute(
                "SELECT (SELECT v FROM held_a), (SELECT v FROM held_b), (SELECT v FROM held_c)"
            )
            assert check.fetchone() == (22, 3, 3)


def test_the_shared_rows_lock_ends_the_held_writes_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer: there is no lock to take")
    from tests.conftest import other_session

    key = 0x7465737473  # not the engine's: nothing else takes it
    with transaction.atomic():
        with connection.cursor() as setup:
            setup.execute("CREATE TEMP TABLE held_a (v int) ON COMMIT DROP")
        sent = _counting_statements(monkeypatch)
        with bulk.pipelined(1):
            cursor = bulk.raw_cursor()
            bulk.execute_later(cursor, "held_a", "INSERT INTO held_a VALUES (%s)", (1,))
            bulk.lock_shared(cursor, key)
            # one statement: the held write as its WITH clause, the lock last
            assert len(sent) == 1
            assert sent[0].startswith("WITH w0 AS (INSERT INTO held_a")
            assert sent[0].endswith("SELECT pg_advisory_xact_lock(%s)")
            # a write after it is a statement of its own, not a WITH clause of the lock's
            bulk.execute_later(cursor, "held_a", "UPDATE held_a SET v = v + %s", (1,))
            # a held write with WITH clauses of its own cannot be one: it goes first
            bulk.execute_later(
                cursor, "held_a", "WITH x AS (SELECT %s AS d) UPDATE held_a SET v = v + x.d FROM x",
                (10,),
            )  # fmt: skip
            sent.clear()
            bulk.lock_shared(cursor, key)
            assert [q.split(" ", 1)[0] for q in sent] == ["WITH", "SELECT"]
        with connection.cursor() as check:
            check.execute("SELECT v FROM held_a")
            assert check.fetchall() == [(12,)]
        with other_session() as other:
            [(free,)] = other.execute("SELECT pg_try_advisory_xact_lock(%s)", (key,)).fetchall()
            assert free is False  # held by this transaction until it ends


def test_writes_held_when_a_pipeline_fails_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("writes are held back in PostgreSQL's pipeline only")
    sent = _counting_statements(monkeypatch)
    with pytest.raises(_Discard), transaction.atomic(), bulk.pipelined(1):
        bulk.execute_later(bulk.raw_cursor(), "t", "SELECT %s", (1,))
        raise _Discard
    assert sent == [] and connection.connection not in bulk._later
    # outside a pipeline a write goes at once
    with connection.cursor() as django_cursor:
        bulk.execute_later(django_cursor.cursor, "t", "SELECT %s", (1,))
        assert django_cursor.cursor.fetchone() == (1,)


def test_a_kept_staging_table_holds_only_the_rows_of_each_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large set goes through one temporary table per shape, kept per
    connection (decision 0035): a second use in the same transaction must not
    see the first one's rows (the ledger would post them twice)."""
    if connection.vendor != "postgresql":
        pytest.skip("staging tables are PostgreSQL's")
    monkeypatch.setattr(bulk, "SMALL_BATCH", 0)
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        for rows in ([(1, "a"), (2, "b")], [(3, "c")]):
            staged = bulk.staged(cursor, "s", ("id", "name"), rows, types=("bigint", "text"))
            with staged as (source, params):
                cursor.execute(f"SELECT id, name FROM {source} ORDER BY id", params)
                assert [tuple(row) for row in cursor.fetchall()] == rows


_numbers = itertools.count()


def _prepared() -> dict[str, str]:
    """This connection's prepared statements: text -> name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, name FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _small_batches(count: int) -> None:
    """``count`` batches of three new paid lines each."""
    with transaction.atomic():
        engine = Engine(IngestRun.objects.create(source="test").pk)
        for _ in range(count):
            number = next(_numbers)
            events = [paid(f"p{number}-{n}", f"o-{number}-{n}") for n in range(3)]
            engine.apply([read_event(r, i) for i, r in enumerate(events, 1)])


def test_a_small_batch_prepares_its_statements_once_per_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Django opens connections with preparing off; config.py turns it on for
    the cursors that ask (decision 0036). The next batch reuses the statements,
    and once REPLAN_SECONDS have passed they are prepared again."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    load_default_catalog()

    def known_read() -> str | None:  # the name of the statement reading known event ids
        names = [n for text, n in _prepared().items() if "donations_event WHERE event_id" in text]
        return names[0] if names else None

    _small_batches(1)
    first = known_read()
    assert first is not None
    _small_batches(2)
    assert known_read() == first  # the same statement, not prepared again
    monkeypatch.setattr(bulk, "REPLAN_SECONDS", 0.0)
    _small_batches(1)
    assert known_read() not in (None, first)  # prepared anew


def test_a_read_probes_the_index_of_a_table_of_thousands_of_rows() -> None:
    """The planner guesses 100 rows for a set-returning function; against a
    table of 20,000 rows that made a small batch hash the whole table. A small
    list as an array (core.bulk.in_json) is guessed at 10: it probes. A large
    list stays a set, hashed once: as an array it was compared with each row
    of a table the planner thought small, value by value."""
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE probe ON COMMIT DROP AS"
            " SELECT n AS id, 'k' || n AS key, 'o' || n / 4 AS order_id, 'l' || n % 4 AS line_id"
            " FROM generate_series(1, 20000) n"
        )
        cursor.execute("CREATE UNIQUE INDEX ON probe (key)")
        cursor.execute("CREATE UNIQUE INDEX ON probe (order_id, line_id)")
        cursor.execute("ANALYZE probe")
        reads = [
            bulk.Read("SELECT id FROM probe WHERE", ("key",), ["k1", "k2", "k3"]),
            bulk.Read(
                "SELECT order_id, line_id FROM probe WHERE",
                ("order_id", "line_id"),
                [("o1", "l1"), ("o2", "l3")],
            ),
        ]
        for read in reads:
            query, params = read.postgresql()
            cursor.execute(f"EXPLAIN {query}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on probe" not in plan, plan
        keys = [f"k{n}" for n in range(0, 20000, 20)]
        query, params = bulk.Read("SELECT id FROM probe WHERE", ("key",), keys).postgresql()
        cursor.execute(f"EXPLAIN {query}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "ANY" not in plan, plan


def test_a_large_set_of_pairs_probes_the_pair_index_with_both_values() -> None:
    """A large set of pairs (core.bulk.Read) travels as two columns, and each
    pair probes the (first, second) index whole: the rows of exactly those
    pairs, whatever characters they hold, and none for a pair not stored."""
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    odd = [('o"1', "l\\1"), ("ö", "💚"), ("o\t2", "l,2")]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE probe ON COMMIT DROP AS"
            " SELECT 'o' || n / 4 AS order_id, 'l' || n % 4 AS line_id"
            " FROM generate_series(1, 20000) n"
        )
        cursor.executemany("INSERT INTO probe VALUES (%s, %s)", odd)
        cursor.execute("CREATE UNIQUE INDEX probe_pair ON probe (order_id, line_id)")
        cursor.execute("ANALYZE probe")
        stored = [(f"o{n // 4}", f"l{n % 4}") for n in range(1, 20000, 7)] + odd
        wanted = [*stored, ("o1", "l9"), ("missing", "l1")]
        assert not bulk.is_small(len(wanted))
        pairs = ("order_id", "line_id")
        query, params = bulk.Read(
            "SELECT order_id, line_id FROM probe WHERE", pairs, wanted
        ).postgresql()
        cursor.execute("SET LOCAL enable_seqscan = off")  # as in an engine batch's pipeline
        cursor.execute(f"EXPLAIN {query}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "probe_pair" in plan and "line_id = k.b" in plan, plan
        cursor.execute(query, params)
        assert sorted(cursor.fetchall()) == sorted(stored)


def _runs() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM donations_ingestrun WHERE source = 'commit-test'")
        return int(cursor.fetchone()[0])


def _hold_a_run(cursor: Any) -> None:
    sql = "INSERT INTO donations_ingestrun (source, started_at, counts) VALUES (%s, %s, '{}')"
    params = ("commit-test", "2026-11-11 00:00:00+00:00")
    if bulk.in_pipeline():
        bulk.execute_later(cursor, "donations_ingestrun", sql, params)
        return
    with connection.cursor() as django_cursor:
        django_cursor.execute(sql, params)


def _outside_the_tests_transaction(work: Callable[[], None]) -> None:
    """Run ``work`` on a connection of its own (a thread's), where Django's
    outermost transaction is the work's own; its runs are deleted after."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # handed to the test's thread
            failed.append(error)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM donations_ingestrun WHERE source = 'commit-test'")
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    if failed:
        raise failed[0]


def test_the_commit_goes_with_the_pipelines_last_statements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In Django's outermost transaction, the held writes then COMMIT, in the
    pipeline: what the block does after it can no longer undo them."""
    if connection.vendor != "postgresql":  # no pipeline: Django's own commit does it
        with transaction.atomic(), bulk.pipelined(1):
            assert bulk.commit_with_pipeline() is False
        return
    sent = _counting_statements(monkeypatch)

    def work() -> None:
        with pytest.raises(_Discard), transaction.atomic():
            with bulk.pipelined(1):
                _hold_a_run(bulk.raw_cursor())
                assert bulk.commit_with_pipeline() is True
            raise _Discard  # Django rolls back: nothing is left to roll back
        assert [s.split()[0] for s in sent] == ["INSERT", "COMMIT"]
        assert _runs() == 1
        with transaction.atomic():  # the connection goes on as usual
            assert _runs() == 1

    _outside_the_tests_transaction(work)


def test_no_commit_inside_a_test_or_a_savepoint() -> None:
    with pytest.raises(_Discard), transaction.atomic():  # inside the test's: a savepoint
        with bulk.pipelined(1):
            _hold_a_run(bulk.raw_cursor())
            assert bulk.commit_with_pipeline() is False
        assert _runs() == 1
        raise _Discard
    assert _runs() == 0


def test_a_failed_write_before_the_commit_commits_nothing() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the commit rides PostgreSQL's pipeline only")
    from psycopg.errors import NotNullViolation

    def work() -> None:
        with pytest.raises(NotNullViolation), transaction.atomic(), bulk.pipelined(1):
            cursor = bulk.raw_cursor()
            _hold_a_run(cursor)
            no_source = "INSERT INTO donations_ingestrun (source) VALUES (NULL)"
            bulk.execute_later(cursor, "t", no_source, ())
            assert bulk.commit_with_pipeline() is True
        assert _runs() == 0
        with transaction.atomic():
            assert _runs() == 0

    _outside_the_tests_transaction(work)


def test_a_small_batch_finds_its_rows_by_index_whatever_the_tables_size() -> None:
    """Its prepared plans outlive the table sizes they were made for (a fresh
    database grows fast): inside ``pipelined`` the planner probes indexes."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite plans every statement afresh")
    read = "SELECT event_id FROM donations_event WHERE event_id = ANY(ARRAY['e-1', 'e-2'])"
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A table of no rows: scanned, unless statistics another test left
            # say otherwise (whichever: inside ``pipelined`` it is probed).
            cursor.execute("SELECT current_setting('enable_seqscan')")
            assert cursor.fetchone() == ("on",)
        with bulk.pipelined(1):
            cursor = bulk.raw_cursor()
            cursor.execute(f"EXPLAIN {read}")
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("SELECT current_setting('enable_seqscan')")
            assert cursor.fetchone() == ("off",)
        assert "Index" in plan and "Seq Scan" not in plan, plan
        with connection.cursor() as cursor:  # the rest of the transaction plans as before
            cursor.execute("SELECT current_setting('enable_seqscan')")
            assert cursor.fetchone() == ("on",)


def test_the_marketplaces_ids_compare_as_bytes_on_postgresql() -> None:
    """Decision 0044: the indexes the engine probes and extends per event
    compare with memcmp(), not strcoll()."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares text as bytes already")
    migration = importlib.import_module("dermawan.donations.migrations.0006_ids_in_c_collation")
    with connection.cursor() as cursor:
        for table, column in migration.COLUMNS:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = %s",
                [table, column],
            )
            assert cursor.fetchone() == ("C",), (table, column)


@pytest.mark.parametrize("small_batch", [0, 100], ids=["copy", "in-statement"])
def test_a_set_written_in_its_statement_keeps_every_value(
    monkeypatch: pytest.MonkeyPatch, small_batch: int
) -> None:
    """Rows travel as one JSON array per column (core.bulk.columns_relation)
    and come back in the table's types: the extremes of a bigint, NULLs,
    quotes, backslashes and non-ASCII text, and bytes."""
    monkeypatch.setattr(bulk, "SMALL_BATCH", small_batch)
    rows = [
        ('é"\\\n💚', -(2**63), "completed", "o\t1", "1", 2**63 - 1, None, None, None, None, 1, 2),
        ("plain", 0, "refunded", "o-2", "2", 0, "m", "p", "IDR", 10**14, 3, 4),
    ]
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        bulk.insert_rows(cursor, "donations_parkedevent", PARKED_COLUMNS, rows)
        bulk.insert_rows(
            cursor, "transparency_buyersalt", ("order_line_id", "salt"), [(7, bytes(range(256)))]
        )
        counts, keys = "api_productdonations", ("merchant_id", "product_id")
        bulk.add_to_rows(
            cursor, counts, keys, ("donations",), {("m", "é"): [2], ("m", "b"): [-(2**62)]}
        )
        bulk.add_to_rows(cursor, counts, keys, ("donations",), {("m", "é"): [3]})
        cursor.execute(f"SELECT {', '.join(PARKED_COLUMNS)} FROM donations_parkedevent ORDER BY id")
        assert [tuple(row) for row in cursor.fetchall()] == rows
        cursor.execute("SELECT salt FROM transparency_buyersalt WHERE order_line_id = 7")
        assert bytes(cursor.fetchone()[0]) == bytes(range(256))
        cursor.execute(f"SELECT product_id, donations FROM {counts} ORDER BY product_id")
        assert [tuple(row) for row in cursor.fetchall()] == [("b", -(2**62)), ("é", 5)]


def test_a_value_too_long_for_its_column_is_refused_not_cut() -> None:
    """The relation's casts drop length limits: an explicit cast to
    varchar(3) would cut "IDRX" to "IDR" without a word."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not limit a column's length")
    row = ("e", 1, "completed", "o", "1", 0, None, None, "IDRX", None, 1, 1)
    with pytest.raises(psycopg.errors.StringDataRightTruncation), transaction.atomic():
        bulk.insert_rows(bulk.raw_cursor(), "donations_parkedevent", PARKED_COLUMNS, [row])
