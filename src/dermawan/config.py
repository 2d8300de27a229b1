"""Where dermawan keeps its data and which database it talks to.

Everything comes from the environment so that production only swaps URLs:
``DERMAWAN_DATABASE_URL`` (read as dj-database-url reads it) and
``DERMAWAN_DATA_DIR`` (the embedded SQLite file and keys live there).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url


def data_dir() -> Path:
    """The data directory: $DERMAWAN_DATA_DIR, else $XDG_DATA_HOME/dermawan."""
    explicit = os.environ.get("DERMAWAN_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "dermawan"


PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


def database() -> dict[str, Any]:
    """Django's DATABASES['default'] for the configured URL."""
    url = os.environ.get("DERMAWAN_DATABASE_URL")
    if not url:
        path = data_dir() / "dermawan.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets readers (web pages) run while an ingest writes; IMMEDIATE
            # takes the write lock up front so two writers queue instead of
            # failing half-way with "database is locked".
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; "
                "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        config["TEST"] = {"NAME": os.environ.get("DERMAWAN_TEST_SQLITE_NAME")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # The engine's statements are short and many; JIT-compiling the big
        # joins of a large database costs more per batch than it ever saves.
        options = config.setdefault("OPTIONS", {})
        options["options"] = "-c jit=off"
        # Django turns psycopg's prepared statements off (for poolers in
        # transaction mode, which dermawan does not sit behind). A threshold
        # nothing reaches prepares only what asks (core.bulk: a small batch's
        # statements, the same every batch); Django's cursors bind on the
        # client and never prepare (decision 0036).
        options.setdefault("prepare_threshold", PREPARE_ONLY_WHEN_ASKED)
        # Two test runs on one server each need their own test database.
        config["TEST"] = {"NAME": os.environ.get("DERMAWAN_TEST_DATABASE_NAME")}
    return config
