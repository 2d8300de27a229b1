"""The production server (``dermawan serve``) on a free loopback port, for live tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import run_dermawan

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(database_url: str, workers: int = 1) -> Iterator[str]:
    """Runs ``dermawan serve`` until the block ends; yields its base URL."""
    port = free_port()
    env = dict(os.environ, DERMAWAN_DATABASE_URL=database_url)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dermawan",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            "8",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/health", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"dermawan serve did not start: {server.stderr.read().decode()[-2000:]}"
                        if server.stderr
                        else "dermawan serve did not start"
                    ) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def prepare(database_url: str, workdir: Path, catalog: dict[str, object]) -> dict[str, str]:
    """Load ``catalog`` and make a fast-rated key per kind; returns the keys."""
    path = workdir / "catalog.json"
    path.write_text(json.dumps(catalog))
    run_dermawan(database_url, "load-catalog", str(path), "--json")
    made = {}
    for kind, owner in (("marketplace", ""), ("admin", ""), ("merchant", "toko-tani")):
        args = ["create-api-key", "--kind", kind, "--rate", "100000", "--burst", "100000", "--json"]
        if owner:
            args += ["--owner", owner]
        made[kind] = json.loads(run_dermawan(database_url, *args).stdout)["key"]
    return made
