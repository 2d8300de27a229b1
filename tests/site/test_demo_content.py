"""``dermawan demo-content``: what the pages show, added to a loaded catalog, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_dermawan
from tests.donations.builders import catalog, charity, percent_pledge, project


def test_demo_content_fills_the_catalog_once_and_refuses_an_empty_one(
    scratch_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERMAWAN_DATA_DIR", str(tmp_path / "data"))  # photos go there
    refused = run_dermawan(scratch_database_url, "demo-content", "--json", check=False)
    assert refused.returncode == 2 and "load-catalog" in refused.stderr
    document = catalog(
        percent_pledge("pl-1"),
        charities=[charity(), charity("yayasan-kecil")],
        projects=[
            project(),
            project("proyek-kecil", charity_id="yayasan-kecil", category="health"),
        ],
    )
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document))
    run_dermawan(scratch_database_url, "load-catalog", str(path))
    first = json.loads(run_dermawan(scratch_database_url, "demo-content", "--json").stdout)
    assert first["permits"] == 2 and first["project_photos"] == 2 and first["reports"] >= 2
    again = json.loads(run_dermawan(scratch_database_url, "demo-content", "--json").stdout)
    assert (again["permits"], again["project_photos"], again["reports"]) == (0, 0, 0)
    photos = list((tmp_path / "data" / "media" / "projects").rglob("*.png"))
    assert len(photos) == 2 and all(p.read_bytes().startswith(b"\x89PNG") for p in photos)
