"""After-commit work beside the source (hooks.after_commits, PostgreSQL).

``dermawan ingest`` appends each batch's leaves to the transparency log on a
thread of its own while its next batch runs. These run the ingest in a
child process over a fresh database, as the command does: outside any
transaction (a test's transaction would keep the thread from seeing the
batches, and the ledger's append-only triggers forbid the flush a
transactional test ends with).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ON_POSTGRES, run_dermawan

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite admits one writer: its after-commit work runs inline"
)

REPO = Path(__file__).resolve().parents[2]

# The child: a catalog, then six paid lines in three batches of two. Its
# after-commit work is the log's append behind a probe; what it saw is printed.
CHILD = r"""
import json, os, sys, threading, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dermawan.settings")
import django
django.setup()
from django.db import connection
from dermawan.donations import hooks
from dermawan.donations.engine import Engine
from dermawan.transparency import appending
from tests.donations.builders import ingest, load_default_catalog, paid

mode = sys.argv[1]
applied = []
original_apply = Engine.apply
def counting_apply(self, events, **options):
    outcome = original_apply(self, events, **options)
    applied.append(len(events))
    return outcome
Engine.apply = counting_apply

seen = {"threads": set(), "next_batch_ran_meanwhile": None}
def probe(gate, wait):
    seen["threads"].add(threading.current_thread().name)
    if seen["next_batch_ran_meanwhile"] is None:
        # Hold the first run until the source has applied its next batch,
        # which it can only do if it did not wait for this run.
        deadline = time.monotonic() + 10
        while len(applied) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        seen["next_batch_ran_meanwhile"] = len(applied) >= 2
    if mode == "failing":
        raise RuntimeError("the log's store is down")
    return appending.append_after_commit(gate, wait)
hooks._after_commit[hooks._after_commit.index(appending.append_after_commit)] = probe

load_default_catalog()
events = [paid(f"p-{n}", f"o-{n}", "1", buyer_id=f"b-{n}") for n in range(6)]
error = None
try:
    ingest(*events, batch_size=2)
except RuntimeError as raised:
    error = str(raised)

def count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]

figures = {"error": error, "applied": applied, "threads": sorted(seen["threads"]),
           "next_batch_ran_meanwhile": seen["next_batch_ran_meanwhile"],
           "waiting": count("transparency_pendingleaves"),
           "leaves": count("transparency_entry"),
           "transactions": count("ledger_transaction")}
if error is not None:
    figures["appended_later"] = appending.append_pending()
    figures["leaves_after"] = count("transparency_entry")
print(json.dumps(figures))
"""


def run_child(database_url: str, mode: str) -> dict[str, Any]:
    env = dict(os.environ, DERMAWAN_DATABASE_URL=database_url, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


def audit(database_url: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(run_dermawan(database_url, "audit", "--json").stdout)
    return report


def test_the_log_is_appended_beside_the_next_batch(scratch_database_url: str) -> None:
    figures = run_child(scratch_database_url, "beside")
    assert figures["error"] is None
    assert figures["applied"] == [2, 2, 2]
    # The append ran on its own thread, and the source did not wait for it.
    assert figures["threads"] == ["after-commit"]
    assert figures["next_batch_ran_meanwhile"] is True
    # When the ingest returned, every leaf was in the tree: one per effect.
    assert figures["waiting"] == 0
    assert figures["leaves"] == figures["transactions"] == 6
    report = audit(scratch_database_url)
    assert report["ok"] is True and report["leaves_waiting"] == 0


def test_a_failed_append_stops_the_ingest_and_its_leaves_wait(scratch_database_url: str) -> None:
    figures = run_child(scratch_database_url, "failing")
    # The source heard of it: at its next commit, or when it finished.
    assert figures["error"] == "the log's store is down"
    # What the failed runs would have appended waits for the next appender.
    assert figures["waiting"] > 0
    assert figures["leaves"] == 0 < figures["transactions"]
    assert figures["leaves_after"] == figures["transactions"]
    report = audit(scratch_database_url)
    assert report["ok"] is True and report["leaves_waiting"] == 0
