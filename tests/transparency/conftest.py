"""Every log test signs with a key of its own, in a data directory of its own,
and gets a new tree head after every batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def own_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("DERMAWAN_DATA_DIR", str(data))
    settings.DERMAWAN_LOG_HEAD_INTERVAL_MS = 0
    return data
