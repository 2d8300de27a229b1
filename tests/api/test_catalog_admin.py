"""Charities, projects and merchants managed with an admin key (the loader's validation)."""

from __future__ import annotations

import pytest

from dermawan.catalog.models import Charity, Merchant, Project
from tests.api.support import Api, Keys, fields, problem, state

pytestmark = pytest.mark.django_db

PROJECT_IN = {
    "charity_id": "yayasan-pangan",
    "name": "Sumur Bersih",
    "category": "water",
    "region": "ID-NT",
    "currency": "IDR",
    "goal_minor": 10_000_000,
    "status": "active",
}


def test_admin_creates_and_updates(api: Api, keys: Keys) -> None:
    response = api.put("/api/v1/charities/baru", {"name": "Baru", "country": "ID"}, key=keys.admin)
    assert response.status_code == 200
    assert response.json() == {"id": "baru", "name": "Baru", "country": "ID", "verified": False}
    api.put(
        "/api/v1/charities/baru",
        {"name": "Baru Lagi", "country": "ID", "verified": True},
        key=keys.admin,
    )
    assert Charity.objects.get(id="baru").name == "Baru Lagi"
    response = api.put("/api/v1/projects/sumur", PROJECT_IN, key=keys.admin)
    assert response.status_code == 200 and response.json()["id"] == "sumur"
    assert Project.objects.get(id="sumur").goal_minor == 10_000_000
    assert api.put("/api/v1/merchants/m-9", {"name": "Toko 9"}, key=keys.admin).status_code == 200
    assert Merchant.objects.filter(id="m-9").exists()
    assert api.get("/api/v1/projects/sumur").json()["name"] == "Sumur Bersih"


def test_the_loader_refuses_and_nothing_is_written(api: Api, keys: Keys) -> None:
    before = state()
    document = problem(
        api.put("/api/v1/projects/sumur", {**PROJECT_IN, "charity_id": "nobody"}, key=keys.admin),
        422,
        "catalog-refused",
    )
    assert document["reason"] == "unknown_charity"
    document = problem(
        api.put("/api/v1/charities/baru", {"name": "Baru", "country": "id"}, key=keys.admin),
        422,
        "catalog-refused",
    )
    assert document["reason"] == "malformed" and "country" in document["detail"]
    assert state() == before


def test_text_wider_than_its_column_is_refused_before_the_database(api: Api, keys: Keys) -> None:
    before = state()
    response = api.put("/api/v1/merchants/m-1", {"name": "n" * 201}, key=keys.admin)
    assert fields(problem(response, 422, "validation-failed")) == {"name"}
    response = api.put("/api/v1/merchants/" + "m" * 101, {"name": "n"}, key=keys.admin)
    problem(response, 422, "validation-failed")
    assert state() == before


def test_schema_errors_name_the_field(api: Api, keys: Keys) -> None:
    response = api.put(
        "/api/v1/projects/sumur", {**PROJECT_IN, "goal_minor": "1", "extra": 1}, key=keys.admin
    )
    assert fields(problem(response, 422, "validation-failed")) == {"goal_minor", "extra"}


def test_each_admin_change_is_in_the_audit_log(api: Api, keys: Keys) -> None:
    from dermawan.api.models import ApiKey
    from dermawan.auditlog.entries import entries

    api.put("/api/v1/charities/baru", {"name": "Baru", "country": "ID"}, key=keys.admin)
    api.put("/api/v1/projects/sumur", {**PROJECT_IN, "charity_id": "baru"}, key=keys.admin)
    api.put("/api/v1/projects/sumur", {**PROJECT_IN, "charity_id": "nobody"}, key=keys.admin)

    admin_key = ApiKey.objects.get(kind="admin")
    logged = [(e.actor, e.action, e.subject) for e in entries()]
    assert logged == [
        (f"admin-key:{admin_key.id}", "catalog.projects.put", "project:sumur"),
        (f"admin-key:{admin_key.id}", "catalog.charities.put", "charity:baru"),
    ]  # the refused change left no entry
    assert entries(subject="project:sumur").get().details["goal_minor"] == 10_000_000
