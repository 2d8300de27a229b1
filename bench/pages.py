"""Benchmark: the site's pages under ``dermawan serve``, with about a million donations.

Loopback only, bounded in requests and seconds. It fills a fresh database the
way ``make demo`` does (simulate, load-catalog, ingest, demo-content,
demo-users), starts the production server (Granian, 2 workers), and loads it
from a second process (this script run with ``--client``: keep-alive
HTTP/1.1 connections in threads). For each page it reports p50 and p95
latency beside a bare endpoint of the same server measured in the same run
(``/api/v1/health``: no database), and the goal: p95 under 100 ms.

    python bench/pages.py [--events N] [--requests N] [--databases sqlite,postgresql]
    python bench/pages.py --hook-cost [--events N]   what the rollups cost an ingest

About 2.7 events make one donation in the simulation (paid, then completed,
cancelled or refunded), so --events 2700000 gives about a million.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH_NAME, dermawan, fresh_database, simulate

HOST = "127.0.0.1"  # loopback only, always
GOAL_MS = 100.0
BARE = "/api/v1/health"
MAX_SECONDS_PER_PAGE = 60.0


# --- the load client (a second process) -------------------------------------


def sign_in(port: int, username: str, password: str) -> str:
    """A session cookie for ``username``, through the sign-in form as a browser does."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    connection.request("GET", "/accounts/login/")
    answer = connection.getresponse()
    page = answer.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", answer.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not csrf_cookie or not token:
        raise SystemExit("the sign-in page gave no CSRF token")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie.group(1)}",
            "Referer": f"http://{HOST}:{port}/accounts/login/",
        },
    )
    answer = connection.getresponse()
    answer.read()
    session = re.search(r"dermawan_session=([^;]+)", answer.getheader("Set-Cookie") or "")
    if answer.status != 302 or not session:
        raise SystemExit(f"could not sign in as {username} ({answer.status})")
    return f"dermawan_session={session.group(1)}"


def measure(port: int, path: str, requests: int, concurrency: int, cookie: str) -> dict[str, Any]:
    """``requests`` GETs of ``path`` over ``concurrency`` keep-alive connections."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + MAX_SECONDS_PER_PAGE
    share = [
        requests // concurrency + (1 if n < requests % concurrency else 0)
        for n in range(concurrency)
    ]
    headers = {"Accept-Language": "id", **({"Cookie": cookie} if cookie else {})}

    def worker(count: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        bad: list[int] = []
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - started)
            if answer.status != 200:
                bad.append(answer.status)
        connection.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0

    return {
        "path": path,
        "requests": len(ordered),
        "failures": failures[:5],
        "failed": len(failures),
        "seconds": seconds,
        "p50_ms": percentile(50),
        "p95_ms": percentile(95),
        "per_second": len(ordered) / seconds if seconds else 0,
    }


def client(port: int, pages: list[str], requests: int, concurrency: int, password: str) -> None:
    cookie = sign_in(port, "buyer", password)
    results = []
    for path in [BARE, *pages]:
        signed = path.startswith("/me/")
        measure(port, path, max(10, requests // 10), concurrency, cookie if signed else "")
        results.append(measure(port, path, requests, concurrency, cookie if signed else ""))
    print(json.dumps(results))


# --- the benchmark ----------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(
    url: str, data_dir: Path, port: int, page_seconds: int | None = None
) -> subprocess.Popen[bytes]:
    """``dermawan serve``; ``page_seconds`` sets the public page cache (default: the platform's)."""
    import urllib.request

    env = dict(os.environ, DERMAWAN_DATABASE_URL=url, DERMAWAN_DATA_DIR=str(data_dir))
    if page_seconds is not None:
        env["DERMAWAN_PAGE_SECONDS"] = str(page_seconds)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dermawan",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "8",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{BARE}", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("dermawan serve did not start")


def pages_to_load(url: str, data_dir: Path) -> list[str]:
    """The busiest project and charity, so their pages have the most to show."""
    script = (
        "from dermawan.donations.models import ProjectTotals as T;"
        "from dermawan.catalog.models import Project as P;"
        "t = T.objects.order_by('-donations').first();"
        "p = P.objects.get(id=t.project_id);"
        "print(p.id, p.charity_id, p.category, p.region)"
    )
    env = dict(os.environ, DERMAWAN_DATABASE_URL=url, DERMAWAN_DATA_DIR=str(data_dir))
    out = subprocess.run(
        [sys.executable, "-m", "dermawan", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    project, charity, category, region = out[-4:]
    return [
        "/",
        "/live/totals/",
        "/projects/",
        f"/projects/?category={category}&region={region}",
        f"/projects/{project}/",
        "/charities/",
        f"/charities/{charity}/",
        "/transparency/",
        "/me/donations/",
    ]


def donations(url: str, data_dir: Path) -> int:
    script = (
        "from dermawan.donations.models import ProjectTotals as T;"
        "from django.db.models import Sum;"
        "print(T.objects.aggregate(n=Sum('donations'))['n'])"
    )
    env = dict(os.environ, DERMAWAN_DATABASE_URL=url, DERMAWAN_DATA_DIR=str(data_dir))
    out = subprocess.run(
        [sys.executable, "-m", "dermawan", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[-1])


def fill(url: str, kind: str, events: int, workdir: Path, data_dir: Path) -> None:
    source = simulate(events, 1111, workdir / f"input-{events}")
    dermawan(url, "load-catalog", str(source / "catalog.json"))
    _, seconds, _ = dermawan(
        url, "ingest", str(source / "events.jsonl"), "--rejects", str(workdir / "rejects.jsonl")
    )
    dermawan(url, "demo-content")
    dermawan(url, "demo-users", "--password", "bench-password")
    print(f"{kind}: {events:,} events ingested in {seconds:.0f} s")


def run(
    kind: str, events: int, requests: int, concurrency: int, workdir: Path, reuse: bool
) -> list[dict[str, Any]]:
    data_dir = workdir / f"data-{kind}"
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DERMAWAN_DATA_DIR"] = str(data_dir)
    marker = workdir / f".filled-{kind}-{events}"
    kept = workdir / f"{BENCH_NAME}.sqlite3"
    if reuse and kind == "sqlite" and marker.exists() and kept.exists():
        url = f"sqlite:///{kept}"  # the database a previous run filled, as it was left
        results = measure_site(url, kind, requests, concurrency, data_dir)
    else:
        marker.unlink(missing_ok=True)
        with fresh_database(kind, workdir) as url:
            fill(url, kind, events, workdir, data_dir)
            marker.touch()
            results = measure_site(url, kind, requests, concurrency, data_dir)
    return results


def measure_site(
    url: str, kind: str, requests: int, concurrency: int, data_dir: Path
) -> list[dict[str, Any]]:
    made = donations(url, data_dir)
    print(f"{kind}: {made:,} donations in the database")
    pages = pages_to_load(url, data_dir)
    everything = []
    for page_seconds in (5, 0):
        print(
            f"  pages kept {page_seconds} s per process"
            if page_seconds
            else "  page caches off: every request reads and renders"
        )
        everything += measure_pages(
            url, kind, requests, concurrency, data_dir, pages, page_seconds, made
        )
    return everything


def measure_pages(
    url: str,
    kind: str,
    requests: int,
    concurrency: int,
    data_dir: Path,
    pages: list[str],
    page_seconds: int,
    made: int,
) -> list[dict[str, Any]]:
    port = free_port()
    server = start_server(url, data_dir, port, page_seconds)
    try:
        results = run_client(
            __file__,
            port,
            ["--requests", str(requests), "--concurrency", str(concurrency),
             "--pages", ",".join(pages)],
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    print_results(results, per_second=True)
    for result in results:
        result.update(database=kind, donations=made, cache=page_seconds)
    return results


def run_client(script: str, port: int, arguments: list[str]) -> list[dict[str, Any]]:
    """Run ``script --client PORT ARGUMENTS`` (the load from a second process); its results."""
    answer = subprocess.run(
        [sys.executable, script, "--client", str(port), *arguments],
        capture_output=True,
        text=True,
        timeout=60 + MAX_SECONDS_PER_PAGE * 12,
    )
    if answer.returncode != 0:
        raise SystemExit(f"the load client failed:\n{answer.stderr[-3000:]}")
    results: list[dict[str, Any]] = json.loads(answer.stdout.strip().splitlines()[-1])
    return results


def print_results(results: list[dict[str, Any]], per_second: bool = False) -> None:
    """One line per page against the goal; the first result is the bare endpoint."""
    bare = results[0]
    rate = f" {'req/s':>7s}" if per_second else ""
    print(f"  {'page':58s} {'p50 ms':>7s} {'p95 ms':>7s}{rate} {'p95/bare':>8s}  goal")
    for result in results:
        ratio = result["p95_ms"] / bare["p95_ms"] if bare["p95_ms"] else 0
        result["p95_over_bare"] = ratio
        verdict = "ok" if result["p95_ms"] < GOAL_MS and not result["failed"] else "MISSED"
        if result["failed"]:
            verdict += f" ({result['failed']} non-200: {result['failures']})"
        rate = f" {result['per_second']:7.0f}" if per_second else ""
        print(
            f"  {result['path'][:58]:58s} {result['p50_ms']:7.1f} {result['p95_ms']:7.1f}{rate} "
            f"{ratio:8.1f}  {verdict}"
        )


WITHOUT_ROLLUPS = (
    "import sys, django; django.setup();"
    "from dermawan.donations import hooks; from dermawan.impact import rollups;"
    "hooks._after_write.remove(rollups.record);"
    "from django.core.management import call_command;"
    "call_command(*sys.argv[1:])"
)


RECORD_COST = """
import time, django; django.setup()
from dermawan.impact import rollups
from dermawan.donations.rules import PLEDGED, Effect, Line
lines = [Line(order_id=f"o{i}", line_id="1", merchant_id="m", product_id="p", currency="IDR",
              quantity=1, unit_price_minor=1000, discount_minor=0, net_minor=1000, buyer_id="b",
              campaign_id="c1" if i % 3 == 0 else None, livestream_id=None,
              paid_at_us=1789059600000000 + i * 60_000_000, pledge_id="pl",
              project_id=f"p{i % 50}", charity_id="c", donation_minor=50) for i in range(1000)]
effects = [(Effect(PLEDGED, 50), line, i) for i, line in enumerate(lines)]
class Cursor:
    def executemany(self, sql, rows): pass
rounds, started = 200, time.process_time()
for _ in range(rounds):
    rollups.record(Cursor(), effects, [])
print((time.process_time() - started) / rounds / len(effects) * 1e6)
"""


def hook_cost(events: int, workdir: Path) -> None:
    """Ingest the same events into fresh databases with and without the site's rollups."""
    source = simulate(events, 1111, workdir / f"input-{events}")
    timings = {}
    for label in ("without", "with"):
        with fresh_database("sqlite", workdir) as url:
            dermawan(url, "load-catalog", str(source / "catalog.json"))
            env = dict(
                os.environ, DERMAWAN_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="dermawan.settings"
            )
            command = [
                "ingest",
                str(source / "events.jsonl"),
                "--rejects",
                str(workdir / "rejects.jsonl"),
                "--json",
            ]
            argv = (
                [sys.executable, "-c", WITHOUT_ROLLUPS, *command]
                if label == "without"
                else [sys.executable, "-m", "dermawan", *command]
            )
            started = time.perf_counter()
            subprocess.run(argv, env=env, check=True, capture_output=True)
            timings[label] = time.perf_counter() - started
        print(
            f"  ingest {events:,} events {label} the rollups: {timings[label]:.1f} s "
            f"({events / timings[label]:,.0f} events/s)"
        )
    print(
        f"  the rollups cost {100 * (timings['with'] / timings['without'] - 1):+.1f} % "
        "of the ingest's wall time (same events, same run)"
    )
    # Wall times swing with the machine's load; the hook's own CPU time does not.
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="dermawan.settings")
    answer = subprocess.run(
        [sys.executable, "-c", RECORD_COST], env=env, check=True, capture_output=True, text=True
    )
    per_effect = float(answer.stdout.split()[-1])
    whole = timings["without"] / events * 1e6
    print(
        f"  their Python, CPU time: {per_effect:.2f} us per donation effect (batches of 1,000;"
        f" the SQL is one upsert per table and batch), against {whole:.1f} us of wall time"
        " per event for the whole ingest"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_700_000)
    parser.add_argument("--requests", type=int, default=400, help="per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench/pages"))
    parser.add_argument(
        "--reuse", action="store_true", help="SQLite: measure the database a previous run filled"
    )
    parser.add_argument("--hook-cost", action="store_true", help="ingest with and without")
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pages", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(
            args.client, args.pages.split(","), args.requests, args.concurrency, "bench-password"
        )
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.hook_cost:
        print(
            "Ingest with and without the site's rollups (ProjectDay, CampaignTotals), SQLite; "
            "machine shared with other engineers' work."
        )
        hook_cost(args.events, args.workdir)
        return
    print(
        "Site pages under dermawan serve (2 workers x 8 threads) on loopback, loaded from a "
        f"second process with {args.concurrency} keep-alive connections; machine shared "
        "with other engineers' work, so figures are noisy."
    )
    for kind in args.databases.split(","):
        run(kind, args.events, args.requests, args.concurrency, args.workdir, args.reuse)


if __name__ == "__main__":
    main()
