"""A crash at any point, then a restart, gives the ledger of a clean run (DESIGN.md).

``dermawan ingest`` of ~200k events (valid, out of order, with duplicates and
never-paid events) is killed with SIGKILL three times at moments drawn after
it has started committing batches, then run again to the end. Its totals, its
books and its parked events must be those of one clean run into another
database, and the spec model's totals.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.properties.model import totals_of
from tests.properties.strategies import random_catalog, random_history, same_content

pytestmark = pytest.mark.slow

SEED = 20261111
LINES = 68_000  # about 200k events with their follow-ups, duplicates and orphans
BATCH_SIZE = 4_000  # small, so kills land between and inside many commits
KILLS = 3
# About 60 s per database alone on two cores; the limit only stops a hang
# (a kill never reached, a resumed run that never ends) from holding CI.
TIME_LIMIT = 240.0


def build_input(directory: Path) -> tuple[Path, Path, list[dict[str, Any]], dict[str, Any], int]:
    """catalog.json and events.jsonl; the valid events, the catalog, applied-event count.

    Arrival order: the canonical order with every event moved by up to a few
    thousand places (so many arrive before their line's paid and are parked),
    3 % of events sent a second time (some in other words, same content), and
    never-paid events.
    """
    rng = random.Random(SEED)
    catalog = random_catalog(rng, merchants=12)
    history = random_history(rng, catalog, LINES, orphans=300)
    events = history.all_events
    keyed = [(index + rng.uniform(-3_000, 3_000), event) for index, event in enumerate(events)]
    for event in rng.sample(events, len(events) * 3 // 100):
        copy = same_content(event, rng) if rng.random() < 0.5 else event
        keyed.append((rng.uniform(0, len(events)), copy))
    keyed.sort(key=lambda pair: pair[0])
    catalog_path = directory / "catalog.json"
    catalog_path.write_bytes(orjson.dumps(catalog))
    events_path = directory / "events.jsonl"
    with events_path.open("wb") as out:
        for _, event in keyed:
            out.write(orjson.dumps(event) + b"\n")
    return catalog_path, events_path, events, catalog, len(history.events)


def query(url: str, sql: str) -> int:
    """One integer from the database at ``url``, read as another client would."""
    if url.startswith("sqlite:"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            return int(connection.execute(sql).fetchone()[0])
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


def applied_events(url: str) -> int:
    return query(url, "SELECT count(*) FROM donations_event")


def books_balance(url: str) -> tuple[int, int]:
    """(unbalanced transactions, accounts whose balance is not their postings' sum)."""
    unbalanced = query(
        url,
        "SELECT count(*) FROM (SELECT transaction_id FROM ledger_posting"
        " GROUP BY transaction_id HAVING sum(amount_minor) <> 0) t",
    )
    mismatched = query(
        url,
        "SELECT count(*) FROM ledger_account a LEFT JOIN (SELECT account_id,"
        " sum(amount_minor) AS total FROM ledger_posting GROUP BY account_id) p"
        " ON p.account_id = a.id WHERE a.balance_minor <> coalesce(p.total, 0)",
    )
    return unbalanced, mismatched


def start(url: str, *args: str) -> subprocess.Popen[str]:
    """``dermawan ARGS`` against ``url``, in the background."""
    env = dict(os.environ, DERMAWAN_DATABASE_URL=url)
    return subprocess.Popen(
        [sys.executable, "-m", "dermawan", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], *, ok: tuple[int, ...] = (0,)) -> Any:
    """Wait for a ``--json`` command; its JSON document."""
    out, err = process.communicate(timeout=TIME_LIMIT)
    assert process.returncode in ok, err
    return orjson.loads(out)


def both(first: str, second: str, *args: str, ok: tuple[int, ...] = (0,)) -> tuple[Any, Any]:
    """The same command against two databases at once."""
    one, two = start(first, *args), start(second, *args)
    return finish(one, ok=ok), finish(two, ok=ok)


def test_a_killed_ingest_resumes_to_the_ledger_of_a_clean_run(
    scratch_database_url: str, clean_database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    catalog_path, events_path, events, catalog, to_apply = build_input(tmp_path)
    url, clean_url = scratch_database_url, clean_database_url
    both(url, clean_url, "load-catalog", str(catalog_path), "--json")
    ingest = ("ingest", str(events_path), "--json")
    running: list[subprocess.Popen[str]] = []
    try:
        # The clean run goes on beside the crashing ones (two cores).
        clean = start(clean_url, *ingest)
        running.append(clean)
        rng = random.Random(SEED)
        done = 0
        for kill in range(KILLS):
            # Kill once this many applied events have committed: progress each time.
            share = rng.uniform(0.08 + 0.2 * kill, 0.2 + 0.2 * kill)
            target = max(done + 1, int(to_apply * share))
            process = start(url, *ingest, "--batch-size", str(BATCH_SIZE))
            running.append(process)
            while (done := applied_events(url)) < target:
                assert process.poll() is None, f"ingest ended before kill {kill}"
                assert time.monotonic() - started < TIME_LIMIT, f"kill {kill} not reached in time"
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 0.15))  # between commits, or inside a batch
            process.send_signal(signal.SIGKILL)
            process.communicate()
            assert process.returncode == -signal.SIGKILL, "the ingest finished before its kill"
            # What committed before the kill is whole batches: the books balance.
            assert books_balance(url) == (0, 0), f"unbalanced books after kill {kill}"

        resume = start(url, *ingest)
        running.append(resume)
        expected = totals_of(catalog, events)  # while both runs finish
        resumed, clean_counts = finish(resume), finish(clean)
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.communicate()

    totals, clean_totals = both(url, clean_url, "totals", "--json")
    assert totals == clean_totals, "a killed and resumed ingest differs from a clean run"
    assert totals["projects"] == expected, "the clean run differs from the spec model"
    assert resumed["parked"] == clean_counts["parked"] == 300

    # check-ledger exits 1 when the books do not balance; its JSON says why.
    books, clean_books = both(url, clean_url, "check-ledger", "--json", ok=(0, 1))
    assert books["ok"] and clean_books["ok"], (books, clean_books)
    # No transaction was written twice by the runs that were killed.
    assert (books["transactions"], books["postings"]) == (
        clean_books["transactions"],
        clean_books["postings"],
    )
    assert applied_events(url) == applied_events(clean_url)
    assert time.monotonic() - started < TIME_LIMIT, "the crash test took too long"
