"""Errors are RFC 9457 problem documents; the OpenAPI document says so."""

from __future__ import annotations

import pytest

from dermawan.api.problems import TYPES
from tests.api.support import Api, problem

pytestmark = pytest.mark.django_db


def test_unknown_paths_and_methods(api: Api) -> None:
    problem(api.get("/api/v1/nothing-here"), 404, "not-found")
    response = api.call("DELETE", "/api/v1/projects")
    problem(response, 405, "method-not-allowed")


def test_problem_types_are_listed_and_dereference(api: Api) -> None:
    listed = api.get("/api/v1/problems").json()["items"]
    assert {t["type"] for t in listed} == {f"/api/v1/problems/{c}" for c in TYPES}
    for kind in listed:
        assert api.get(kind["type"]).json() == kind
    problem(api.get("/api/v1/problems/nope"), 404, "not-found")


def test_the_openapi_document(api: Api) -> None:
    document = api.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    events = document["paths"]["/api/v1/events"]["post"]
    body = events["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EventBatchIn"}
    batch = document["components"]["schemas"]["EventBatchIn"]
    assert batch["properties"]["events"]["maxItems"] == 1000
    assert document["components"]["schemas"]["EventIn"]["additionalProperties"] is False
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (
                        path,
                        method,
                        code,
                    )
    assert document["components"]["securitySchemes"]["KeyAuth"]["scheme"] == "bearer"


def test_a_crash_is_a_500_problem_that_applied_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dermawan.api import public

    def boom(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(public, "project_out", boom)
    from dermawan.catalog.loader import load_catalog
    from tests.donations.builders import catalog

    load_catalog(catalog())
    document = problem(api.get("/api/v1/projects"), 500, "internal-error")
    assert "boom" not in document["detail"]
