"""``dermawan demo-users``: a sign-in per role on the loaded data, again without change."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_dermawan
from tests.donations.builders import catalog, percent_pledge


def test_demo_users_makes_a_sign_in_per_role_and_is_repeatable(
    scratch_database_url: str, tmp_path: Path
) -> None:
    refused = run_dermawan(scratch_database_url, "demo-users", "--json", check=False)
    assert refused.returncode == 2 and "load-catalog" in refused.stderr
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog(percent_pledge("pl-1"))))
    run_dermawan(scratch_database_url, "load-catalog", str(path))
    first = json.loads(run_dermawan(scratch_database_url, "demo-users", "--json").stdout)
    again = json.loads(run_dermawan(scratch_database_url, "demo-users", "--json").stdout)
    assert first == again
    roles = {u["username"]: (u["role"], u["acts_for"]) for u in first["users"]}
    assert roles == {
        "admin": ("admin", None),
        "admin2": ("admin", None),
        "merchant": ("merchant", "toko-tani"),
        "charity": ("charity", "yayasan-pangan"),
        "buyer": ("buyer", "demo-buyer"),
    }
    short = run_dermawan(scratch_database_url, "demo-users", "--password", "short", check=False)
    assert short.returncode == 2
