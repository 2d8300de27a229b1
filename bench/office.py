"""Benchmark: the back office's pages under ``dermawan serve``, with about a million donations.

Loopback only, bounded in requests and seconds (the machinery of bench/pages.py:
a fresh database filled as ``make demo`` fills it, Granian with 2 workers, a
load client in a second process). Each role signs in through the form and
loads its own pages; each page's p50 and p95 are printed beside a bare
endpoint of the same server measured in the same run (``/api/v1/health``),
against the goal: p95 under 100 ms.

    python bench/office.py [--events N] [--requests N] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dermawan, fresh_database, simulate
from pages import BARE, free_port, measure, print_results, run_client, sign_in, start_server

PASSWORD = "bench-password"


def busiest(url: str, data_dir: Path) -> tuple[str, str]:
    """The demo merchant's busiest pledge and the demo charity's busiest project."""
    script = (
        "from dermawan.accounts.models import Membership as M;"
        "from dermawan.backoffice.models import PledgeTotals as T;"
        "from dermawan.donations.models import ProjectTotals as PT;"
        "from dermawan.catalog.models import Pledge, Project;"
        "m = M.objects.get(user__username='merchant').merchant_id;"
        "c = M.objects.get(user__username='charity').charity_id;"
        "ids = list(Pledge.objects.filter(merchant_id=m).values_list('id', flat=True));"
        "t = T.objects.filter(pledge_id__in=ids).order_by('-donations').first();"
        "ps = list(Project.objects.filter(charity_id=c).values_list('id', flat=True));"
        "pt = PT.objects.filter(project_id__in=ps).order_by('-donations').first();"
        "print(t.pledge_id if t else ids[0], pt.project_id if pt else ps[0])"
    )
    env = dict(os.environ, DERMAWAN_DATABASE_URL=url, DERMAWAN_DATA_DIR=str(data_dir))
    out = subprocess.run(
        [sys.executable, "-m", "dermawan", "shell", "-c", script],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return out[-2], out[-1]


def client(port: int, plan: dict[str, list[str]], requests: int, concurrency: int) -> None:
    results = [measure(port, BARE, requests, concurrency, "")]
    for username, paths in plan.items():
        cookie = sign_in(port, username, PASSWORD)
        for path in paths:
            measure(port, path, max(10, requests // 10), concurrency, cookie)  # warm up
            result = measure(port, path, requests, concurrency, cookie)
            result["path"] = f"{username}: {path}"
            results.append(result)
    print(json.dumps(results))


def run(kind: str, events: int, requests: int, concurrency: int, workdir: Path) -> None:
    source = simulate(events, 1111, workdir / f"input-{events}")
    data_dir = workdir / f"data-{kind}"
    data_dir.mkdir(parents=True, exist_ok=True)
    with fresh_database(kind, workdir) as url:
        os.environ["DERMAWAN_DATA_DIR"] = str(data_dir)
        dermawan(url, "load-catalog", str(source / "catalog.json"))
        report, seconds, _ = dermawan(url, "ingest", str(source / "events.jsonl"))
        dermawan(url, "demo-content")
        dermawan(url, "demo-users", "--password", PASSWORD)
        print(f"{kind}: {events:,} events ingested in {seconds:.0f} s: "
              f"{report['donations_created']:,} donations")  # fmt: skip
        pledge, project = busiest(url, data_dir)
        plan = {
            "merchant": ["/office/merchant/", f"/office/merchant/pledges/{pledge}/",
                         "/office/merchant/statements/"],
            "charity": ["/office/charity/", f"/office/charity/projects/{project}/",
                        "/office/charity/payouts/"],
            "admin": ["/office/admin/", "/office/admin/runs/", "/office/admin/audit/",
                      "/office/admin/dead-letters/"],
        }  # fmt: skip
        port = free_port()
        server = start_server(url, data_dir, port)
        try:
            results = run_client(
                __file__,
                port,
                ["--plan", json.dumps(plan), "--requests", str(requests),
                 "--concurrency", str(concurrency)],
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(10)
    print_results(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_700_000)
    parser.add_argument("--requests", type=int, default=300, help="per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench/office"))
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.client, json.loads(args.plan), args.requests, args.concurrency)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(
        "Back-office pages under dermawan serve (2 workers x 8 threads) on loopback, loaded "
        f"from a second process with {args.concurrency} keep-alive connections; machine shared "
        "with other engineers' work, so figures are noisy."
    )
    for kind in args.databases.split(","):
        run(kind, args.events, args.requests, args.concurrency, args.workdir)


if __name__ == "__main__":
    main()
