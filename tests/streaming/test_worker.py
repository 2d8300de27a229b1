"""A published file, applied by a worker, is a clean ingest of that file.

Also: bad messages are rejected as the spec says, recorded with their stream
sequence, and acknowledged; SIGTERM finishes the batch in hand; the worker
reports on a local Prometheus port.
"""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import run_dermawan
from tests.streaming.conftest import (
    Stream,
    Workers,
    applied_events,
    assert_same_books,
    backlog,
    free_port,
    ingest_clean,
    json_of,
    publish,
    simulate,
    wait_until,
)


def stream_rejects(url: str, stream: str) -> list[tuple[int, str, str, bytes]]:
    """(sequence, event_id, reason, payload) of the stream's recorded rejects."""
    sql = (
        "SELECT sequence, event_id, reason, payload FROM streaming_streamreject"
        f" WHERE stream = '{stream}' ORDER BY sequence, event_id"
    )
    if url.startswith("sqlite:"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        try:
            return [(s, e, r, bytes(p)) for s, e, r, p in connection.execute(sql)]
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return [(s, e, r, bytes(p)) for s, e, r, p in connection.execute(sql).fetchall()]


def test_a_worker_applies_a_published_file_as_ingest_would(
    scratch_database_url: str,
    clean_database_url: str,
    stream: Stream,
    workers: Workers,
    tmp_path: Path,
) -> None:
    events = simulate(tmp_path, 12_000, seed=11, invalid_rate=0.03)
    clean_rejects = tmp_path / "clean-rejects.jsonl"
    clean = ingest_clean(clean_database_url, events, clean_rejects)
    url = scratch_database_url
    json_of(run_dermawan(url, "load-catalog", str(events.catalog), "--json"))

    published = publish(url, stream, events.events)
    assert published["read"] == events.count
    assert published["published"] + published["duplicates"] == events.count
    # A marketplace sending garbage: lines that are no event at all, sent raw.
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"not json at all\n[1, 2]\n")
    assert publish(url, stream, garbage)["published"] == 2

    result = workers.result(workers.start(url, stream, "--exit-when-idle", "2"), timeout=240)
    assert result["stopped_by"] == "idle"
    assert result["read"] == published["published"] + 2
    assert result["applied"] == clean["applied"]
    assert_same_books(url, clean_database_url)
    # Everything was acknowledged: nothing waits, nothing will come back.
    assert set(backlog(stream.urls, stream.name).values()) == {(0, 0)}
    # A worker that stops has appended every leaf of its batches to the log
    # (on PostgreSQL beside its batches, decision 0053): none is left waiting.
    audit = json_of(run_dermawan(url, "audit", "--json", check=False))
    clean_audit = json_of(run_dermawan(clean_database_url, "audit", "--json", check=False))
    assert audit["ok"] is True and audit["leaves_waiting"] == 0
    assert audit["tree_size"] == clean_audit["tree_size"] > 0

    rejects = stream_rejects(url, stream.name)
    ingest_judged = {
        (r["event_id"] or "", r["reason"])
        for r in map(json.loads, clean_rejects.read_text().splitlines())
    }
    assert ingest_judged, "the simulated file has invalid events"
    # Every reject is recorded once, with the message's own bytes.
    assert len({(s, e) for s, e, _, _ in rejects}) == len(rejects)
    assert {(e, r) for s, e, r, _ in rejects if r != "malformed" or e} == {
        (e, r) for e, r in ingest_judged if r != "malformed" or e
    }
    unreadable = [(r, p) for _, e, r, p in rejects if p in (b"not json at all", b"[1, 2]")]
    assert unreadable == [("malformed", b"not json at all"), ("malformed", b"[1, 2]")]
    assert result["rejected"] == len(rejects)


def scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line.startswith("dermawan_stream_"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_sigterm_finishes_the_batch_in_hand_and_a_restart_completes_the_stream(
    scratch_database_url: str,
    clean_database_url: str,
    stream: Stream,
    workers: Workers,
    tmp_path: Path,
) -> None:
    events = simulate(tmp_path, 20_000, seed=12)
    ingest_clean(clean_database_url, events)
    url = scratch_database_url
    json_of(run_dermawan(url, "load-catalog", str(events.catalog), "--json"))
    publish(url, stream, events.events)

    port = free_port()
    worker = workers.start(url, stream, "--metrics-port", str(port), "--name", "w1")
    wait_until(lambda: applied_events(url) >= 4_000, 120, "the worker applying")
    samples: dict[str, Any] = {}

    def metrics_show_progress() -> bool:
        samples.update(scrape(port))
        return samples.get('dermawan_stream_events_total{outcome="applied"}', 0) > 0

    wait_until(metrics_show_progress, 30, "applied events in the metrics")
    assert samples["dermawan_stream_partitions_owned"] == 8
    assert any(name.startswith("dermawan_stream_lag_messages{") for name in samples)

    worker.send_signal(signal.SIGTERM)
    stopped = workers.result(worker, timeout=60)
    assert stopped["stopped_by"] == "signal"
    # Every committed batch is counted, and only those: the one in hand was finished.
    assert stopped["applied"] == applied_events(url) > 0
    assert stopped["read"] < events.count, "the stream was done before the signal"

    finished = workers.result(
        workers.start(url, stream, "--exit-when-idle", "2", "--name", "w1"), timeout=240
    )
    assert finished["stopped_by"] == "idle"
    assert_same_books(url, clean_database_url)
    assert set(backlog(stream.urls, stream.name).values()) == {(0, 0)}
