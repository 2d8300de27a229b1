"""Pledges over the API: created and ended through the catalog loader's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dermawan.catalog.models import Pledge
from tests.api.support import Api, Keys, fields, problem, state
from tests.donations.builders import MERCHANT, PROJECT

pytestmark = pytest.mark.django_db


def new_pledge(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "pl-kopi",
        "product_id": "kopi-1kg",
        "project_id": PROJECT,
        "kind": "percent",
        "basis_points": 300,
        "valid_from": "2026-01-01T00:00:00+07:00",
        "valid_to": None,
    }
    base.update(fields)
    return base


def soon(minutes: int = 10) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def test_a_merchant_creates_its_pledge_and_a_retry_changes_nothing(api: Api, keys: Keys) -> None:
    response = api.post("/api/v1/pledges", new_pledge(), key=keys.merchant)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["merchant_id"] == MERCHANT
    assert created["valid_from"] == "2025-12-31T17:00:00Z"  # an instant, in UTC
    before = state()
    again = api.post("/api/v1/pledges", new_pledge(), key=keys.merchant)
    assert again.status_code == 200 and again.json() == created
    assert state() == before


def test_the_same_id_with_other_terms_is_refused(api: Api, keys: Keys) -> None:
    api.post("/api/v1/pledges", new_pledge(), key=keys.merchant)
    before = state()
    response = api.post("/api/v1/pledges", new_pledge(basis_points=900), key=keys.merchant)
    problem(response, 409, "pledge-exists")
    assert state() == before


def test_a_pledge_overlapping_its_scope_is_refused_with_the_loaders_reason(
    api: Api, keys: Keys
) -> None:
    before = state()
    # pl-wide is MERCHANT's open merchant-wide pledge: another merchant-wide one overlaps.
    response = api.post("/api/v1/pledges", new_pledge(product_id=None), key=keys.merchant)
    document = problem(response, 409, "overlapping-pledge")
    assert document["reason"] == "overlapping_pledge"
    assert state() == before


@pytest.mark.parametrize(
    ("fields_", "reason"),
    [
        ({"basis_points": 0}, "malformed"),
        ({"project_id": "nowhere"}, "unknown_project"),
        ({"valid_from": "2026-01-01"}, "malformed"),
        (
            {"kind": "fixed", "basis_points": None, "amount_minor": 500, "currency": "XYZ"},
            "malformed",
        ),
    ],
)
def test_the_loaders_validation_applies(
    api: Api, keys: Keys, fields_: dict[str, Any], reason: str
) -> None:
    before = state()
    document = problem(
        api.post("/api/v1/pledges", new_pledge(**fields_), key=keys.merchant),
        422,
        "catalog-refused",
    )
    assert document["reason"] == reason
    assert document["catalog_errors"][0]["id"] == "pl-kopi"
    assert state() == before


def test_schema_errors_name_the_field(api: Api, keys: Keys) -> None:
    response = api.post(
        "/api/v1/pledges", new_pledge(basis_points="300", colour="red"), key=keys.merchant
    )
    assert fields(problem(response, 422, "validation-failed")) == {"basis_points", "colour"}


def test_an_admin_creates_a_pledge_for_a_merchant(api: Api, keys: Keys) -> None:
    problem(api.post("/api/v1/pledges", new_pledge(), key=keys.admin), 422, "validation-failed")
    response = api.post("/api/v1/pledges", new_pledge(merchant_id=MERCHANT), key=keys.admin)
    assert response.status_code == 201
    assert Pledge.objects.get(id="pl-kopi").merchant_id == MERCHANT


def test_ending_sets_valid_to_and_nothing_else(api: Api, keys: Keys) -> None:
    before = api.get("/api/v1/pledges/pl-wide", key=keys.merchant).json()
    end = soon()
    response = api.post("/api/v1/pledges/pl-wide/end", {"valid_to": end}, key=keys.merchant)
    assert response.status_code == 200, response.content
    after = response.json()
    assert after["valid_to"] == end.replace("+00:00", "Z")
    assert {k: v for k, v in after.items() if k != "valid_to"} == {
        k: v for k, v in before.items() if k != "valid_to"
    }
    # Ending later than it ends now is not an end.
    problem(
        api.post("/api/v1/pledges/pl-wide/end", {"valid_to": soon(60)}, key=keys.merchant),
        422,
        "validation-failed",
    )


def test_ending_now_then_again(api: Api, keys: Keys) -> None:
    response = api.post("/api/v1/pledges/pl-wide/end", {}, key=keys.merchant)
    assert response.status_code == 200
    ended = datetime.fromisoformat(response.json()["valid_to"])
    assert abs((ended - datetime.now(UTC)).total_seconds()) < 60
    problem(api.post("/api/v1/pledges/pl-wide/end", {}, key=keys.merchant), 409, "pledge-ended")


def test_ending_in_the_past_is_refused(api: Api, keys: Keys) -> None:
    before = state()
    response = api.post(
        "/api/v1/pledges/pl-wide/end", {"valid_to": "2026-02-01T00:00:00Z"}, key=keys.merchant
    )
    assert fields(problem(response, 422, "validation-failed")) == {"valid_to"}
    assert state() == before


def test_a_merchant_cannot_end_another_merchants_pledge(api: Api, keys: Keys) -> None:
    before = state()
    problem(api.post("/api/v1/pledges/pl-other/end", {}, key=keys.merchant), 404, "not-found")
    assert state() == before


def test_list_paginates(api: Api, keys: Keys) -> None:
    for n in range(3):
        api.post(
            "/api/v1/pledges", new_pledge(id=f"pl-{n}", product_id=f"prod-{n}"), key=keys.merchant
        )
    page = api.get("/api/v1/pledges?limit=2&offset=1", key=keys.merchant).json()
    assert page["count"] == 4
    assert [p["id"] for p in page["items"]] == ["pl-1", "pl-2"]
