"""Shared by the simulation tests: the run fixture's type and the command runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import dermawan

SOURCE_ROOT = str(Path(dermawan.__file__).resolve().parents[1])

Summary = dict[str, str | int | float]
Run = Callable[..., Summary]


def run_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``dermawan simulate ...`` as a user runs it, in a separate process."""
    environment = dict(os.environ, **(env or {}))
    environment["PYTHONPATH"] = os.pathsep.join(
        [SOURCE_ROOT, *filter(None, [environment.get("PYTHONPATH")])]
    )
    return subprocess.run(
        [sys.executable, "-m", "dermawan", "simulate", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
