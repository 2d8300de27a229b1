"""Exactly once under faults: whatever breaks, the books are those of a clean ingest.

Each test publishes simulated events (out of order, duplicated, some invalid),
runs workers while something fails, lets them finish, and compares with a
clean ``dermawan ingest`` of the same file: the same totals, as many ledger
transactions and postings, as many applied and parked events. Nothing
missing, nothing counted twice.

The faults: a worker killed with SIGKILL at random moments and restarted;
the database cut off under the worker (PostgreSQL: its connections
terminated again and again; SQLite: the write lock held by another
connection past the busy timeout); the NATS server killed and restarted;
two workers on disjoint partitions; a worker added mid-run; a worker paused
(SIGSTOP) past its lease while another takes its partitions; one node of a
three-node JetStream cluster killed. The machine's own PostgreSQL and NATS
are never restarted: other tests use them.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ON_POSTGRES, run_dermawan
from tests.streaming.conftest import (
    Events,
    NatsServer,
    Stream,
    Workers,
    applied_events,
    assert_same_books,
    backlog,
    delete_stream,
    ingest_clean,
    json_of,
    nats_call,
    new_stream,
    publish,
    query,
    simulate,
    wait_until,
)

IDLE = ("--exit-when-idle", "3")


def prepare(url: str, clean_url: str, stream: Stream, events: Events) -> Any:
    """Catalog in both databases, the clean ingest, the events on the stream."""
    clean = ingest_clean(clean_url, events)
    json_of(run_dermawan(url, "load-catalog", str(events.catalog), "--json"))
    published = publish(url, stream, events.events)
    assert published["published"] + published["duplicates"] == events.count
    return clean


def child_pids(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its (new) parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def none_alive(pids: list[int]) -> bool:
    return not any(alive(pid) for pid in pids)


@pytest.mark.slow
def test_a_worker_killed_at_random_moments_and_restarted_counts_everything_once(
    scratch_database_url: str,
    clean_database_url: str,
    stream: Stream,
    workers: Workers,
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    events = simulate(tmp_path, 200_000, seed=2026)
    clean = prepare(scratch_database_url, clean_database_url, stream, events)
    url = scratch_database_url
    rng = random.Random(1111)
    done = 0
    for kill in range(3):
        share = rng.uniform(0.1 + 0.25 * kill, 0.3 + 0.25 * kill)
        target = max(done + 1, int(clean["applied"] * share))
        # The same name: the restarted worker takes its leases back at once.
        process = workers.start(url, stream, "--name", "killed", "--batch-size", "5000")
        deadline = time.monotonic() + 240
        while (done := applied_events(url)) < target:
            assert process.poll() is None, f"the worker ended before kill {kill}"
            assert time.monotonic() < deadline, f"kill {kill} not reached in time"
            time.sleep(0.1)
        time.sleep(rng.uniform(0, 0.5))  # between commits, or inside a batch
        children = child_pids(process.pid)
        assert children, "the worker runs its database side in a child process"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
        # Its database process must not outlive it (nor keep its connection).
        wait_until(partial(none_alive, children), 10, "the orphan to exit")
    result = workers.result(workers.start(url, stream, "--name", "killed", *IDLE), timeout=300)
    assert result["stopped_by"] == "idle"
    assert_same_books(url, clean_database_url)
    assert set(backlog(stream.urls, stream.name).values()) == {(0, 0)}
    assert time.monotonic() - started < 420


def test_the_database_cut_off_under_the_worker_loses_nothing(
    scratch_database_url: str,
    clean_database_url: str,
    stream: Stream,
    workers: Workers,
    tmp_path: Path,
) -> None:
    events = simulate(tmp_path, 30_000, seed=31)
    prepare(scratch_database_url, clean_database_url, stream, events)
    url = scratch_database_url
    process = workers.start(url, stream, *IDLE)
    wait_until(lambda: applied_events(url) > 2_000, 120, "the worker applying")
    if ON_POSTGRES:
        import psycopg

        database = url.rsplit("/", 1)[1]
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        # Not a restart of the shared server: the worker's sessions are ended
        # under it, which is what a restart or a failover does to a client.
        for _ in range(6):
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (database,),
                )
            time.sleep(1.0)
    else:
        # Held past the 30 s busy timeout: the batch fails with "database is
        # locked", is given back unacknowledged, and comes back. The worker may
        # be seconds into a batch and its log append when the hold begins
        # (more on a loaded machine), and its wait starts only then: 8 s spare.
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        time.sleep(38)
        holder.execute("ROLLBACK")
        holder.close()
    result = workers.result(process, timeout=300)
    assert result["retries"] > 0, "the fault never reached the worker"
    assert_same_books(url, clean_database_url)


def test_a_restarted_nats_server_loses_nothing(
    scratch_database_url: str,
    clean_database_url: str,
    own_servers: list[NatsServer],
    nats_binary: str,
    workers: Workers,
    tmp_path: Path,
) -> None:
    server = NatsServer(nats_binary, tmp_path)
    own_servers.append(server)
    server.start()
    stream = new_stream([server.url])
    events = simulate(tmp_path, 30_000, seed=41)
    prepare(scratch_database_url, clean_database_url, stream, events)
    url = scratch_database_url
    process = workers.start(url, stream, *IDLE)
    wait_until(lambda: applied_events(url) > 5_000, 120, "the worker applying")
    server.kill()  # SIGKILL: no goodbye to the clients
    time.sleep(2)
    server.start()  # same port, same store
    result = workers.result(process, timeout=300)
    assert result["read"] > 0
    assert_same_books(url, clean_database_url)
    assert set(backlog(stream.urls, stream.name).values()) == {(0, 0)}


def test_two_workers_on_disjoint_partitions_count_everything_once(
    scratch_database_url: str,
    clean_database_url: str,
    stream: Stream,
    workers: Workers,
    tmp_path: Path,
) -> None:
    events = simulate(tmp_path, 30_000, seed=51)
    prepare(scratch_database_url, clean_database_url, stream, events)
    url = scratch_database_url
    low = workers.start(url, stream, "--only-partitions", "0-3", "--name", "low", *IDLE)
    high = workers.start(url, stream, "--only-partitions", "4-7", "--name", "high", *IDLE)
    results = [workers.result(low, timeout=300), workers.result(high, timeout=300)]
    assert all(r["read"] > 0 for r in results), "a worker had nothing to do"
    assert_same_books(url, clean_database_url)


def test_a_worker_added_mid_run_takes_a_share_and_nothing_is_counted_twice(
    scratch_database_url: str,
    clean_database_url: str,
    stream: Stream,
    workers: Workers,
    tmp_path: Path,
) -> None:
    events = simulate(tmp_path, 40_000, seed=61)
    clean = prepare(scratch_database_url, clean_database_url, stream, events)
    url = scratch_database_url
    first = workers.start(url, stream, "--name", "first", *IDLE)
    wait_until(lambda: applied_events(url) > clean["applied"] // 8, 120, "the first worker")
    second = workers.start(url, stream, "--name", "second", *IDLE)
    results = [workers.result(first, timeout=300), workers.result(second, timeout=300)]
    assert results[1]["read"] > 0, "the added worker was given no partition"
    assert_same_books(url, clean_database_url)


def test_a_worker_paused_past_its_lease_loses_it_and_nothing_is_counted_twice(
    scratch_database_url: str,
    clean_database_url: str,
    stream: Stream,
    workers: Workers,
    tmp_path: Path,
) -> None:
    events = simulate(tmp_path, 40_000, seed=77)
    clean = prepare(scratch_database_url, clean_database_url, stream, events)
    url = scratch_database_url
    held_by_second = (
        "SELECT COUNT(*) FROM streaming_partitionlease "
        f"WHERE stream = '{stream.name}' AND owner = 'second'"
    )
    paused = workers.start(url, stream, "--name", "paused", *IDLE)
    wait_until(lambda: applied_events(url) > clean["applied"] // 8, 120, "the first worker")
    second = None
    for _attempt in range(5):
        paused.send_signal(signal.SIGSTOP)
        if second is None:
            second = workers.start(url, stream, "--name", "second", *IDLE)
        # Lease 3 s: the second worker takes every partition once the first's expire.
        # (Paused inside its SQLite write transaction, the first blocks every
        # writer: SQLite's single writer, not a lease question; pause again.)
        deadline = time.monotonic() + 20
        while query(url, held_by_second) < 8 and time.monotonic() < deadline:
            time.sleep(0.2)
        taken = query(url, held_by_second) == 8
        paused.send_signal(signal.SIGCONT)
        if taken:
            break
        time.sleep(1)
    assert taken, "the second worker never took the paused worker's partitions"
    assert second is not None
    resumed, other = workers.result(paused, timeout=300), workers.result(second, timeout=300)
    assert resumed["lost_leases"] >= 1  # it noticed, and committed nothing of theirs
    assert other["read"] > 0
    # What the paused worker had fetched comes back after newer messages.
    assert_same_books(url, clean_database_url, reordered=events)


def test_a_cluster_node_killed_during_the_run_loses_nothing(
    scratch_database_url: str,
    clean_database_url: str,
    own_servers: list[NatsServer],
    nats_binary: str,
    workers: Workers,
    tmp_path: Path,
) -> None:
    nodes = [NatsServer(nats_binary, tmp_path, f"n{i}", routes=[]) for i in range(3)]
    for node in nodes:
        node.routes = [other.cluster_port for other in nodes if other is not node]  # type: ignore[misc]
    own_servers.extend(nodes)
    for node in nodes:
        node.start()
    urls = [node.url for node in nodes]

    async def jetstream_ready(js: Any) -> bool:
        await js.account_info()
        return True

    def cluster_ready() -> bool:
        try:
            return bool(nats_call(urls, jetstream_ready))
        except Exception:
            return False

    wait_until(cluster_ready, 60, "the cluster electing its JetStream leader")
    stream = new_stream(urls)
    events = simulate(tmp_path, 30_000, seed=71)
    clean = ingest_clean(clean_database_url, events)
    url = scratch_database_url
    json_of(run_dermawan(url, "load-catalog", str(events.catalog), "--json"))
    published = publish(url, stream, events.events, "--replicas", "3")
    assert published["published"] + published["duplicates"] == events.count

    async def leader(js: Any) -> str:
        info = await js.stream_info(stream.name)
        return str(info.cluster.leader)

    process = workers.start(url, stream, *IDLE)
    wait_until(lambda: applied_events(url) > clean["applied"] // 4, 120, "the worker applying")
    # The stream's leader is the node whose loss hurts most.
    victim = next(node for node in nodes if node.name == nats_call(urls, leader))
    victim.kill()
    result = workers.result(process, timeout=300)
    assert result["read"] > 0
    assert_same_books(url, clean_database_url, reordered=events)
    survivors = [node.url for node in nodes if node is not victim]
    assert set(backlog(survivors, stream.name).values()) == {(0, 0)}
    delete_stream(Stream(stream.name, stream.subjects, survivors))
