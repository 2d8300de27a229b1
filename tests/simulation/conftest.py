"""Fixtures for the simulation tests."""

from __future__ import annotations

import pytest

from dermawan.simulation.run import Options, simulate
from tests.simulation.helpers import Run, Summary


@pytest.fixture(scope="module")
def run_simulation(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``run(events=..., seed=..., **options)``: simulate into a fresh directory."""

    def run(**options: object) -> Summary:
        out = tmp_path_factory.mktemp("simulation")
        return simulate(Options(out=out, **options))  # type: ignore[arg-type]

    return run
