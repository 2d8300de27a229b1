"""Public reads: projects (filters, pages), a project's totals, platform totals."""

from __future__ import annotations

import pytest

from tests.api.support import Api, Keys, problem
from tests.donations.builders import PROJECT, completed, paid, totals

pytestmark = pytest.mark.django_db


def test_projects_filter_and_paginate(api: Api, keys: Keys) -> None:
    everything = api.get("/api/v1/projects").json()
    assert everything["count"] == 2
    assert [p["id"] for p in everything["items"]] == [PROJECT, "sumur-desa"]
    by_charity = api.get("/api/v1/projects?charity_id=yayasan-lain").json()
    assert [p["id"] for p in by_charity["items"]] == ["sumur-desa"]
    assert api.get("/api/v1/projects?status=finished").json()["count"] == 0
    assert api.get("/api/v1/projects?category=children&region=ID-JT").json()["count"] == 2
    second = api.get("/api/v1/projects?limit=1&offset=1").json()
    assert (second["count"], [p["id"] for p in second["items"]]) == (2, ["sumur-desa"])
    problem(api.get("/api/v1/projects?limit=0"), 422, "validation-failed")
    problem(api.get("/api/v1/projects?limit=101"), 422, "validation-failed")


def test_totals_are_the_engines(api: Api, keys: Keys) -> None:
    api.events(
        paid("p-1", "o-1"), paid("p-2", "o-2"), completed("c-1", "o-1"), key=keys.marketplace
    )
    project = api.get(f"/api/v1/projects/{PROJECT}/totals").json()
    expected = totals()[(PROJECT, "IDR")]
    [row] = project["totals"]
    assert row == {k: v for k, v in expected.items() if k != "project_id"}
    assert (row["confirmed_minor"], row["pending_minor"]) == (1_000, 1_000)
    platform = api.get("/api/v1/totals").json()["currencies"]
    assert platform == [{**row, "projects": 1}]


def test_unknown_project(api: Api, keys: Keys) -> None:
    problem(api.get("/api/v1/projects/nope"), 404, "not-found")
    problem(api.get("/api/v1/projects/nope/totals"), 404, "not-found")
