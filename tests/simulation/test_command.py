"""``dermawan simulate`` as a user runs it: summary, exit codes, no database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.simulation.helpers import SOURCE_ROOT, run_command

SUMMARY_KEYS = {
    "catalog",
    "events",
    "events_written",
    "lines",
    "charities",
    "projects",
    "merchants",
    "pledges",
    "seconds",
}


def test_json_summary_and_files(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dir"
    done = run_command("--events", "2500", "--seed", "4", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    summary = json.loads(done.stdout)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["events_written"] == 2500
    assert summary["catalog"] == str(out / "catalog.json")
    assert summary["events"] == str(out / "events.jsonl")
    assert len((out / "events.jsonl").read_bytes().splitlines()) == 2500
    assert sorted(p.name for p in out.iterdir()) == ["catalog.json", "events.jsonl"]


def test_human_summary_and_format_option(tmp_path: Path) -> None:
    done = run_command(
        "--events", "100", "--seed", "4", "--out", str(tmp_path), "--format", "csv",
        "--days", "1", "--start", "2026-11-11T00:00:00+07:00",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "events.csv" in done.stdout and "100 events" in done.stdout
    assert (tmp_path / "events.csv").read_text().startswith("event_id,type,order_id,line_id,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "-1"], "--events must be 0 or more"),
        (["--events", "10", "--days", "0"], "--days must be more than 0"),
        (["--events", "10", "--start", "2026-11-05T00:00:00"], "needs an offset"),
        (["--events", "10", "--start", "yesterday"], "not an RFC 3339 time"),
        (["--events", "10", "--invalid-rate", "2"], "--invalid-rate"),
        (["--events", "10", "--format", "xml"], "invalid choice"),
        (["--events", "ten"], "invalid int value"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_command(*args, "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "out" / "events.jsonl").exists()


def test_unwritable_directory_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    done = run_command("--events", "10", "--out", str(blocker / "out"))
    assert done.returncode == 2
    assert "cannot create --out" in done.stderr
    done = run_command("--events", "10", "--out", str(blocker))
    assert done.returncode == 2
    assert "not a directory" in done.stderr


def test_touches_no_database(tmp_path: Path) -> None:
    # A database that cannot be reached: any query would fail the run.
    done = run_command(
        "--events", "50", "--out", str(tmp_path), "--json",
        env={"DERMAWAN_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nowhere"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _peak_rss_mib(events: int, out: Path) -> float:
    """Peak RSS of a fresh process generating ``events`` events (JSON Lines)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child of
    # a big pytest process would report its parent's size.
    script = (
        "from pathlib import Path\n"
        "from dermawan.simulation.run import Options, simulate\n"
        f"simulate(Options(events={events}, seed=7, out=Path({str(out)!r})))\n"
        "status = Path('/proc/self/status').read_text().splitlines()\n"
        "print(next(line.split()[1] for line in status if line.startswith('VmHWM:')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": SOURCE_ROOT, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return int(done.stdout.split()[-1]) / 1024  # VmHWM is in KiB


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_memory_does_not_grow_with_events(tmp_path: Path) -> None:
    # tracemalloc would be the obvious probe, but it resolves a line number
    # per allocation, which in the generator's one long loop is a hundredfold
    # slowdown; a separate process's peak RSS measures all memory anyway.
    small = _peak_rss_mib(100_000, tmp_path / "small")
    large = _peak_rss_mib(1_000_000, tmp_path / "large")
    assert large < 200
    assert large - small < 40, (small, large)


def test_files_do_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    # Set and dict order of strings changes with PYTHONHASHSEED between
    # processes; the files must not.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from dermawan.simulation.run import Options, simulate\n"
        "for file_format in ('jsonl', 'csv'):\n"
        "    simulate(Options(events=5000, seed=9, out=Path(sys.argv[1]),\n"
        "                     file_format=file_format, invalid_rate=0.02))\n"
    )
    for hash_seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / hash_seed)],
            env={"PYTHONPATH": SOURCE_ROOT, "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": hash_seed},
            check=True,
            timeout=300,
        )
    for name in ("catalog.json", "events.jsonl", "events.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
