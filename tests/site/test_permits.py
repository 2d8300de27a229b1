"""A project whose charity's permit has lapsed takes no new pledges (site, API, back office)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dermawan.catalog.models import CharityPermit, Pledge
from dermawan.catalog.permits import can_take_pledges, permit_lapsed
from tests.api.support import Api, load_api_catalog, make_keys, problem
from tests.donations.builders import CHARITY, PROJECT, load_default_catalog

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


def permit(number: str, expires_on: date) -> None:
    CharityPermit.objects.create(
        charity_id=CHARITY, number=number, issuer="Kemensos", expires_on=expires_on
    )


def test_no_permit_on_record_does_not_block() -> None:
    load_default_catalog()
    assert can_take_pledges(PROJECT, on=TODAY)


def test_a_permit_valid_through_today_allows_and_one_expired_yesterday_blocks() -> None:
    load_default_catalog()
    permit("1/A", TODAY)
    assert can_take_pledges(PROJECT, on=TODAY)
    assert not can_take_pledges(PROJECT, on=TODAY + timedelta(days=1))
    assert permit_lapsed(CHARITY, on=TODAY + timedelta(days=1))


def test_one_valid_permit_among_expired_ones_is_enough() -> None:
    load_default_catalog()
    permit("1/A", TODAY - timedelta(days=400))
    permit("2/A", TODAY + timedelta(days=30))
    assert can_take_pledges(PROJECT, on=TODAY)


def test_an_unknown_project_takes_no_pledges() -> None:
    assert not can_take_pledges("no-such-project")


def test_the_api_refuses_a_new_pledge_to_a_lapsed_charitys_project(settings: object) -> None:
    settings.DERMAWAN_ARGON2_PROFILE = "CHEAPEST"  # type: ignore[attr-defined]
    load_api_catalog()
    keys = make_keys()
    permit("1/A", date.today() - timedelta(days=1))
    body = {
        "id": "pl-new",
        "product_id": "kopi-1kg",
        "project_id": PROJECT,
        "kind": "percent",
        "basis_points": 300,
        "valid_from": "2026-01-01T00:00:00+07:00",
    }
    document = problem(Api().post("/api/v1/pledges", body, key=keys.merchant), 409, "conflict")
    assert "permit has lapsed" in document["detail"]
    assert not Pledge.objects.filter(id="pl-new").exists()
    CharityPermit.objects.create(
        charity_id=CHARITY,
        number="2/A",
        issuer="Kemensos",
        expires_on=date.today() + timedelta(days=365),
    )
    assert Api().post("/api/v1/pledges", body, key=keys.merchant).status_code == 201
