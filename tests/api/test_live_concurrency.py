"""Concurrent requests through ``dermawan serve`` (2 processes): group commit and locks.

Each line's ``paid`` and ``completed`` go in different requests sent at the
same time, so the engine transactions of both server processes race for the
same lines. Every event must be applied exactly once: nothing left parked,
totals exact, the ledger balanced.
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from dermawan.api import event_batches
from tests.api.live import prepare, serving
from tests.conftest import run_dermawan
from tests.donations.builders import PROJECT, catalog, completed, paid, percent_pledge

LINES = 120
REQUESTS = 2 * LINES


def post(base: str, key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/api/v1/events",
        data=json.dumps({"events": events}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
        return json.loads(answer.read())  # type: ignore[no-any-return]


def test_racing_requests_apply_every_event_once(scratch_database_url: str, tmp_path: Path) -> None:
    keys = prepare(scratch_database_url, tmp_path, catalog(percent_pledge("pl-wide")))
    # Interleaved so that a line's completed often races its paid.
    requests = []
    for n in range(LINES):
        requests.append([paid(f"p-{n}", f"o-{n}")])
        requests.append([completed(f"c-{n}", f"o-{n}")])
    with serving(scratch_database_url, workers=2) as base:
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda events: post(base, keys["marketplace"], events),
                                    requests))  # fmt: skip
        outcomes = [a["outcomes"][0]["outcome"] for a in answers]
        assert set(outcomes) <= {"applied", "parked"}
        # Sent again, everything is a duplicate.
        again = post(base, keys["marketplace"], [e for r in requests[:20] for e in r])
        assert {o["outcome"] for o in again["outcomes"]} == {"duplicate"}
        runs = {a["run_id"] for a in answers}
    assert len(runs) < REQUESTS  # some requests shared a transaction
    assert_each_line_paid_and_completed_once(scratch_database_url, LINES)


def test_racing_large_requests_apply_every_event_once(
    scratch_database_url: str, tmp_path: Path
) -> None:
    """Requests of BESIDE_FROM events: on PostgreSQL each group runs beside
    the other process's, its busy orders left for a second transaction."""
    keys = prepare(scratch_database_url, tmp_path, catalog(percent_pledge("pl-wide")))
    size, chunks = event_batches.BESIDE_FROM, 4
    requests = []
    for chunk in range(chunks):
        orders = range(chunk * size, (chunk + 1) * size)
        requests.append([paid(f"p-{n}", f"o-{n}") for n in orders])
        requests.append([completed(f"c-{n}", f"o-{n}") for n in orders])
    with (
        serving(scratch_database_url, workers=2) as base,
        ThreadPoolExecutor(max_workers=len(requests)) as pool,
    ):
        answers = list(pool.map(lambda events: post(base, keys["marketplace"], events), requests))
    for events, answer in zip(requests, answers, strict=True):
        assert [o["event_id"] for o in answer["outcomes"]] == [e["event_id"] for e in events]
        assert {o["outcome"] for o in answer["outcomes"]} <= {"applied", "parked"}
    assert_each_line_paid_and_completed_once(scratch_database_url, chunks * size)


def assert_each_line_paid_and_completed_once(database_url: str, lines: int) -> None:
    totals = json.loads(run_dermawan(database_url, "totals", "--json").stdout)
    [row] = [r for r in totals["projects"] if r["project_id"] == PROJECT]
    # 5 % of 20,000 per line, every line completed: all confirmed, none pending.
    assert (row["donations"], row["confirmed_minor"], row["pending_minor"]) == (
        lines, lines * 1_000, 0,
    )  # fmt: skip
    ledger = json.loads(run_dermawan(database_url, "check-ledger", "--json").stdout)
    assert ledger["ok"] is True
    # Both processes appended to the transparency log, one tree. A leaf per
    # effect (pledged and confirmed, per line): in the tree, or waiting for it
    # if the server stopped before its next append.
    audit = json.loads(run_dermawan(database_url, "audit", "--json").stdout)
    assert audit["ok"] is True, audit
    assert audit["tree_size"] + audit["leaves_waiting"] == 2 * lines, audit
    signed = json.loads(run_dermawan(database_url, "log-sign", "--json").stdout)
    assert signed["appended"] == audit["leaves_waiting"]
    audit = json.loads(run_dermawan(database_url, "audit", "--json").stdout)
    assert audit["ok"] is True, audit
    assert (audit["tree_size"], audit["leaves_waiting"]) == (2 * lines, 0), audit
