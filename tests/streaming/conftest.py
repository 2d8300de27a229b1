"""Streaming tests run against a real NATS server with JetStream, on loopback only.

The machine's shared server (127.0.0.1:4222) carries most tests, each on a
stream of its own (a unique name and subject prefix, deleted afterwards), so
tests can run in parallel. Tests that restart or kill servers start their own
``nats-server`` processes on free loopback ports with their own store
directories, and never touch the shared one.

Without NATS these tests are skipped with a message that says what to start;
under ``CI=true`` that is a failure instead, as for PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import run_dermawan, unavailable

T = TypeVar("T")

NATS_URL = os.environ.get("DERMAWAN_TEST_NATS", "nats://127.0.0.1:4222")
NATS_BINARY = shutil.which("nats-server") or "/usr/sbin/nats-server"
START_NATS = (
    "start NATS with JetStream on 127.0.0.1:4222, e.g. 'start-stop-daemon --start --oknodo "
    "--background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js "
    "-sd /var/lib/nats-server -l /var/log/nats-server.log' (Debian package nats-server)"
)


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("nats://").partition(":")
    return host, int(port or 4222)


def nats_problem(url: str = NATS_URL) -> str | None:
    """Why NATS with JetStream is not usable at ``url``, or None."""
    host, port = _host_port(url)
    if host not in ("127.0.0.1", "localhost", "::1"):
        return f"{url} is not a loopback address; tests only target this machine"
    try:
        with socket.create_connection((host, port), timeout=3) as connection:
            line = connection.makefile("rb").readline()
    except OSError as error:
        return f"NATS at {url} is not reachable ({error}); {START_NATS}"
    if not line.startswith(b"INFO "):
        return f"{url} does not speak the NATS protocol; {START_NATS}"
    if not json.loads(line[5:]).get("jetstream"):
        return f"NATS at {url} runs without JetStream (-js); {START_NATS}"
    return None


def _unavailable(problem: str) -> None:
    unavailable("NATS with JetStream", problem)


@pytest.fixture(scope="session")
def nats_url() -> str:
    problem = nats_problem()
    if problem:
        _unavailable(problem)
    return NATS_URL


@pytest.fixture(scope="session")
def nats_binary() -> str:
    """The nats-server program, for tests that run servers of their own."""
    if not os.access(NATS_BINARY, os.X_OK):
        _unavailable(f"no nats-server program at {NATS_BINARY}; install Debian's nats-server")
    return NATS_BINARY


# -- NATS from the test process ------------------------------------------------


def nats_call(urls: list[str], action: Callable[[Any], Any]) -> Any:
    """Run ``await action(jetstream)`` on a fresh connection."""
    return nats_session(urls, lambda nc: action(nc.jetstream()))


def nats_session(urls: list[str], action: Callable[[Any], Any]) -> Any:
    """Run ``await action(connection)`` on a fresh connection."""
    import nats

    async def main() -> Any:
        nc = await nats.connect(servers=urls, connect_timeout=5, max_reconnect_attempts=5)
        try:
            return await action(nc)
        finally:
            await nc.close()

    return run_async(main())


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` in a thread of its own: a browser test's Playwright
    (sync API) keeps an event loop running on this process's main thread."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, main).result()


def backlog(urls: list[str], stream: str, durable: str = "dermawan") -> dict[int, tuple[int, int]]:
    """Per partition consumer: (not yet delivered, not yet acknowledged)."""

    async def action(js: Any) -> dict[int, tuple[int, int]]:
        out = {}
        for info in await js.consumers_info(stream):
            name = info.name
            if name.startswith(f"{durable}-p"):
                out[int(name.rsplit("-p", 1)[1])] = (info.num_pending, info.num_ack_pending)
        return out

    return nats_call(urls, action)  # type: ignore[no-any-return]


@dataclass
class Stream:
    name: str
    subjects: str
    urls: list[str]

    def args(self) -> list[str]:
        out = ["--stream", self.name, "--subjects", self.subjects]
        for url in self.urls:
            out += ["--nats", url]
        return out


def new_stream(urls: list[str]) -> Stream:
    token = uuid.uuid4().hex[:10]
    return Stream(f"T{token}", f"t{token}.orders.>", urls)


def delete_stream(stream: Stream) -> None:
    async def action(js: Any) -> None:
        with contextlib.suppress(Exception):  # never created, or gone with its server
            await js.delete_stream(stream.name)

    with contextlib.suppress(Exception):
        nats_call(stream.urls, action)


@pytest.fixture
def stream(nats_url: str) -> Iterator[Stream]:
    """A stream of this test's own on the shared server, deleted afterwards."""
    created = new_stream([nats_url])
    try:
        yield created
    finally:
        delete_stream(created)


# -- servers of a test's own ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nats-server did not listen on 127.0.0.1:{port} in {timeout} s")


class NatsServer:
    """One nats-server on loopback with its own store; restartable on the same port."""

    def __init__(
        self, binary: str, directory: Path, name: str = "n1", routes: list[int] | None = None
    ) -> None:
        self.binary = binary
        self.directory = directory
        self.name = name
        self.port = free_port()
        self.cluster_port = free_port() if routes is not None else None
        self.routes = routes
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        store = self.directory / f"store-{self.name}"
        args = [
            self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(store),
            "-n", self.name, "-l", str(self.directory / f"{self.name}.log"),
        ]  # fmt: skip
        if self.cluster_port is not None:
            routes = ",".join(f"nats-route://127.0.0.1:{p}" for p in self.routes or [])
            args += [
                "--cluster_name", "dermawan-test",
                "--cluster", f"nats://127.0.0.1:{self.cluster_port}",
                "--routes", routes,
            ]  # fmt: skip
        self.process = subprocess.Popen(args)
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_servers(nats_binary: str, tmp_path: Path) -> Iterator[list[NatsServer]]:
    """A list to put this test's own servers in; every one is killed afterwards."""
    servers: list[NatsServer] = []
    try:
        yield servers
    finally:
        for server in servers:
            server.kill()


# -- databases, events, workers ------------------------------------------------


@dataclass
class Events:
    catalog: Path
    events: Path
    count: int


def simulate(directory: Path, events: int, seed: int, invalid_rate: float = 0.01) -> Events:
    """Simulated events: out of order, duplicated, some invalid (``dermawan simulate``)."""
    out = directory / f"sim-{events}-{seed}"
    subprocess.run(
        [sys.executable, "-m", "dermawan", "simulate", "--events", str(events), "--seed",
         str(seed), "--out", str(out), "--invalid-rate", str(invalid_rate), "--json"],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    return Events(out / "catalog.json", out / "events.jsonl", events)


def json_of(process: subprocess.CompletedProcess[str]) -> Any:
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def publish(database_url: str, stream: Stream, events: Path, *extra: str) -> Any:
    return json_of(
        run_dermawan(
            database_url,
            "publish",
            str(events),
            *stream.args(),
            "--json",
            *extra,
            check=False,
            timeout=300,
        )
    )


# Small batches and short timers, so faults land between and inside many commits
# and a restarted worker does not wait long for what its predecessor held.
WORKER_FLAGS = (
    "--batch-size", "2000", "--wait", "0.5", "--ack-wait", "4", "--lease-seconds", "3",
    "--report-every", "0", "--metrics-port", "0",
)  # fmt: skip


class Workers:
    """Worker subprocesses of one test; output goes to files (a full pipe would block)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, database_url: str, stream: Stream, *extra: str) -> subprocess.Popen[bytes]:
        index = len(self.processes)
        out = self.directory / f"worker-{index}.out"
        err = self.directory / f"worker-{index}.err"
        env = dict(os.environ, DERMAWAN_DATABASE_URL=database_url)
        process = subprocess.Popen(
            [sys.executable, "-m", "dermawan", "worker", *stream.args(), *WORKER_FLAGS,
             "--json", *extra],
            env=env,
            stdout=out.open("wb"),
            stderr=err.open("wb"),
        )  # fmt: skip
        self.processes.append((process, out))
        return process

    def result(self, process: subprocess.Popen[bytes], timeout: float) -> Any:
        """Wait for a worker to end by itself; its JSON (exit status 0 required)."""
        code = process.wait(timeout=timeout)
        out = next(path for p, path in self.processes if p is process)
        err = out.with_suffix(".err").read_text()
        assert code == 0, f"worker exited {code}:\n{err[-3000:]}"
        return json.loads(out.read_text())

    def stop_all(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.2)


def query(url: str, sql: str) -> int:
    """One integer from the database at ``url``, read as another client would."""
    if url.startswith("sqlite:"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
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


def line_states(url: str) -> list[tuple[Any, ...]]:
    """Every order line's donation, refunds, reversal and status, sorted."""
    sql = (
        "SELECT order_id, line_id, donation_minor, refunded_minor, reversed_minor, status "
        "FROM donations_orderline"
    )
    if url.startswith("sqlite:"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        try:
            return sorted(connection.execute(sql).fetchall())
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return sorted(connection.execute(sql).fetchall())


def assert_same_books(stream_url: str, clean_url: str, *, reordered: Events | None = None) -> None:
    """Exactly once: the stream's database is the clean ingest's, figure for figure.

    ``reordered`` (the events of the run) where a fault may deliver a line's
    events in another order (a JetStream leader failover, or a worker paused
    past its lease, redelivers unacknowledged messages after newer ones). The
    spec makes totals independent of order, but not everything else: a
    completion after a full refund posts nothing (before it, it posts twice),
    and a refund after its line's cancel is refused as a conflict (the cancel
    reversed the whole donation already; tests/properties allow the same).
    Then every line must end with the same donation, reversal and status, and
    every event must be applied or refused as a conflict on one side as on
    the other.
    """
    totals = json_of(run_dermawan(stream_url, "totals", "--json"))
    clean_totals = json_of(run_dermawan(clean_url, "totals", "--json"))
    assert totals["projects"], "nothing was donated: the comparison would prove nothing"
    assert totals == clean_totals, "the stream's totals differ from a clean ingest"
    books = json.loads(run_dermawan(stream_url, "check-ledger", "--json", check=False).stdout)
    clean_books = json.loads(run_dermawan(clean_url, "check-ledger", "--json", check=False).stdout)
    assert books["ok"] and clean_books["ok"], (books, clean_books)
    parked = "SELECT count(*) FROM donations_parkedevent"
    assert query(stream_url, parked) == query(clean_url, parked)
    if reordered is None:
        # Nothing counted twice: as many transactions and postings, no more.
        assert (books["transactions"], books["postings"]) == (
            clean_books["transactions"],
            clean_books["postings"],
        )
        assert_same_lines(line_states(stream_url), line_states(clean_url))
        assert applied_events(stream_url) == applied_events(clean_url)
        return
    # Nothing counted twice: every line ends as in the clean run.
    assert_same_lines(_order_free(line_states(stream_url)), _order_free(line_states(clean_url)))
    conflicts = "SELECT count(*) FROM streaming_streamreject WHERE reason = 'conflict'"
    clean_conflicts = sum(
        1
        for line in clean_rejects(reordered).read_text().splitlines()
        if json.loads(line)["reason"] == "conflict"
    )
    assert applied_events(stream_url) + query(stream_url, conflicts) == (
        applied_events(clean_url) + clean_conflicts
    )


def assert_same_lines(stream: list[tuple[Any, ...]], clean: list[tuple[Any, ...]]) -> None:
    """Line states equal; if not, the lines that differ (not 100,000 of them)."""
    if stream != clean:
        only_stream, only_clean = set(stream) - set(clean), set(clean) - set(stream)
        pytest.fail(
            f"{len(only_stream)} line states differ from a clean ingest; the stream's: "
            f"{sorted(only_stream)[:10]}; the clean ingest's: {sorted(only_clean)[:10]}"
        )


def _order_free(states: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Line states without what arrival order may change: a cancelled line's refunds."""
    return [
        (order, line, donation, None if status == "cancelled" else refunded, reversed_, status)
        for order, line, donation, refunded, reversed_, status in states
    ]


def clean_rejects(events: Events) -> Path:
    return events.events.with_name(events.events.stem + ".clean-rejects.jsonl")


def ingest_clean(clean_url: str, events: Events, rejects: Path | None = None) -> Any:
    json_of(run_dermawan(clean_url, "load-catalog", str(events.catalog), "--json"))
    rejects = rejects or clean_rejects(events)
    return json_of(
        run_dermawan(clean_url, "ingest", str(events.events), "--json", "--rejects", str(rejects))
    )
