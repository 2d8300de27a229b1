"""Test set-up shared by every suite.

``make test`` runs the suite twice: on SQLite (the default) and on PostgreSQL
(``DERMAWAN_DATABASE_URL=postgresql://...``). When PostgreSQL is asked for but
not reachable, the tests are skipped with a message saying what to start;
under ``CI=true`` that is a failure instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# The suite's data (the embedded database, the log's signing key, uploads) never
# lands in the user's data directory: one scratch directory per test process,
# inherited by the ``dermawan`` subprocesses the tests run.
os.environ["DERMAWAN_DATA_DIR"] = tempfile.mkdtemp(prefix="dermawan-tests-")
atexit.register(shutil.rmtree, os.environ["DERMAWAN_DATA_DIR"], ignore_errors=True)

DATABASE_URL = os.environ.get("DERMAWAN_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START_POSTGRES = (
    "start PostgreSQL on 127.0.0.1:5432 with trust auth, e.g. "
    "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'"
)


def _postgres_problem() -> str | None:
    if not ON_POSTGRES:
        return None
    import psycopg

    try:
        psycopg.connect(DATABASE_URL, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"PostgreSQL at {DATABASE_URL} is not reachable ({error}); {START_POSTGRES}"
    return None


def pytest_configure(config: pytest.Config) -> None:
    problem = _postgres_problem()
    config.stash[_problem_key] = problem
    if problem and IN_CI:
        pytest.exit(f"CI needs PostgreSQL: {problem}", returncode=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = config.stash[_problem_key]
    if problem:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=problem))


_problem_key = pytest.StashKey[str | None]()


def unavailable(service: str, problem: str) -> None:
    """A service a test needs is missing: skip saying what to start; fail under CI."""
    if IN_CI:
        pytest.fail(f"CI needs {service}: {problem}", pytrace=False)
    pytest.skip(problem)


REDIS_URL = os.environ.get("DERMAWAN_TEST_REDIS", "redis://127.0.0.1:6379/0")
START_REDIS = (
    "start Redis on 127.0.0.1:6379, e.g. 'redis-server --daemonize yes --bind 127.0.0.1 "
    '--port 6379 --save "" --appendonly no\''
)


CHROMIUM = Path("/usr/bin/chromium")


def need_chromium() -> None:
    """Browser tests drive Debian's Chromium (Playwright never downloads one here)."""
    if not CHROMIUM.exists():
        unavailable("Chromium", f"{CHROMIUM} is missing: apt-get install -y chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium, one per test process for every browser test.

    One Playwright per process: its sync API keeps an event loop running on the
    main thread while it lives, so a second instance (or ``asyncio.run``) in the
    same thread would fail.
    """
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def redis_url() -> str:
    """A real Redis on loopback (DERMAWAN_TEST_REDIS), for the shared rate limits."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError as error:
        unavailable("Redis", f"Redis at {REDIS_URL} is not reachable ({error}); {START_REDIS}")
    return REDIS_URL


def database_url(name: str) -> str:
    """DATABASE_URL's server, database ``name``."""
    return DATABASE_URL.rsplit("/", 1)[0] + "/" + name


def other_session() -> Any:
    """PostgreSQL: a second session on the test database, as another writer
    (another server process, a worker) would open."""
    import psycopg
    from django.db import connection

    return psycopg.connect(database_url(connection.settings_dict["NAME"]))


def _migrate(url: str, up_to: tuple[tuple[str, str], ...]) -> None:
    for app_migration in up_to or ((),):
        run_dermawan(url, "migrate", *app_migration)


@contextmanager
def fresh_database(
    tmp_path: Path, label: str, up_to: tuple[tuple[str, str], ...] = ()
) -> Iterator[str]:
    """A new, migrated database of the suite's vendor; dropped afterwards.
    Migrated only as far as each (app, migration) of ``up_to``, when given."""
    if ON_POSTGRES:
        import psycopg

        name = f"dermawan_{label}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = database_url(name)
        try:
            _migrate(url, up_to)
            yield url
        finally:
            with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
        _migrate(url, up_to)
        yield url


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database, for tests that run ``dermawan`` in
    subprocesses (which cannot see the test transaction)."""
    with fresh_database(tmp_path, "scratch") as url:
        yield url


@pytest.fixture
def clean_database_url(tmp_path: Path) -> Iterator[str]:
    """A second fresh database, for a clean run to compare a faulted one with."""
    with fresh_database(tmp_path, "clean") as url:
        yield url


def run_dermawan(
    database_url: str, *args: str, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the ``dermawan`` command as a user would, against ``database_url``."""
    env = dict(os.environ, DERMAWAN_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "dermawan", *args],
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )
