"""The public pages with Django's client: content from rollups, and bad input answered."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from dermawan.catalog.models import Campaign, CharityPermit, Project
from dermawan.impact.models import ProgressReport
from tests.site.support import CHARITY, PROJECT, donations

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "",
    " ",
    "x" * 5000,
    "abc",
    "-1",
    "0",
    "1e9",
    "99999999999999999999",
    "<script>alert(1)</script>",
    "%00",
    "\u0000",
    "' OR 1=1 --",
]
INJECTED = "<script>alert(1)</script>"


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def filled() -> None:
    donations()
    Project.objects.filter(id=PROJECT).update(
        impact_unit_minor=300_000,
        impact_unit_id="makan siang sekolah",
        impact_unit_en="school lunch",
        impact_unit_zh_hans="份学校午餐",
        featured=True,
    )
    Campaign.objects.create(
        id="harbolnas-1111",
        name="Harbolnas 11.11",
        starts_on=date(2026, 11, 10),
        ends_on=date(2026, 11, 12),
    )
    ProgressReport.objects.create(
        project_id=PROJECT,
        title="Lunches served",
        body="We served.",
        beneficiaries=120,
        published_at="2026-10-01T00:00:00Z",
    )


def assert_answered(response: Any) -> str:
    """A page, not a crash, and nothing injected comes back unescaped."""
    assert response.status_code in (200, 400, 404), response.status_code
    body = response.content.decode()
    assert INJECTED not in body
    return body


def test_home_shows_the_campaign_the_platform_totals_and_featured_projects(
    client: Client, filled: None
) -> None:
    body = client.get("/").content.decode()
    assert "Harbolnas 11.11" in body
    # 3 donations of Rp10 less one cancelled: Rp20 net in IDR, shown once as the campaign's Rp10
    assert "Rp20" in body and "3 donations" in body
    assert f"/projects/{PROJECT}/" in body


def test_live_totals_fragment_reads_the_rollups(client: Client, filled: None) -> None:
    response = client.get("/live/totals/")
    assert response.status_code == 200
    assert "Rp20" in response.content.decode()


def test_a_project_page_shows_progress_impact_chart_data_and_reports(
    client: Client, filled: None
) -> None:
    body = client.get(f"/projects/{PROJECT}/").content.decode()
    assert "Rp3,000 = one school lunch" in body
    assert 'id="money-chart-data"' in body and '"totals": [20.0, 20.0]' in body
    assert "Lunches served" in body and "120 people reached" in body
    assert "takes no new pledges" not in body


def test_the_impact_unit_and_money_follow_the_language(filled: None) -> None:
    body = Client(HTTP_ACCEPT_LANGUAGE="id").get(f"/projects/{PROJECT}/").content.decode()
    assert "makan siang sekolah" in body and 'lang="id"' in body
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get(f"/projects/{PROJECT}/").content.decode()
    assert "份学校午餐" in chinese and 'lang="zh-hans"' in chinese


def test_a_lapsed_permit_shows_and_stops_new_pledges(client: Client, filled: None) -> None:
    CharityPermit.objects.create(
        charity_id=CHARITY,
        number="1/HUK",
        issuer="Kemensos",
        expires_on=date.today() - timedelta(days=1),
    )
    assert "takes no new pledges" in client.get(f"/projects/{PROJECT}/").content.decode()
    charity = client.get(f"/charities/{CHARITY}/").content.decode()
    assert "Permit lapsed" in charity and "1/HUK" in charity and "expired" in charity


def test_projects_filter_by_category_region_charity_and_search(
    client: Client, filled: None
) -> None:
    assert PROJECT in client.get("/projects/?category=children&region=ID-JT").content.decode()
    assert PROJECT not in client.get("/projects/?category=health").content.decode()
    assert PROJECT in client.get(f"/projects/?charity={CHARITY}&q=project").content.decode()
    assert PROJECT not in client.get("/projects/?q=nothing-like-it").content.decode()


@pytest.mark.parametrize("name", ["q", "category", "region", "charity", "page"])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_every_projects_parameter_answers_bad_values_with_a_message(
    client: Client, filled: None, name: str, value: str
) -> None:
    response = client.get("/projects/", {name: value})
    body = assert_answered(response)
    if response.status_code == 400:
        assert 'class="errors"' in body


@pytest.mark.parametrize("value", BAD_VALUES)
def test_charities_and_donations_pages_answer_bad_page_numbers(
    client: Client, filled: None, value: str
) -> None:
    assert_answered(client.get("/charities/", {"page": value}))


@pytest.mark.parametrize(
    "path", ["/projects/{v}/", "/charities/{v}/", "/me/donations/{v}/receipt.json"]
)
@pytest.mark.parametrize(
    "value", ["nope", "x" * 300, "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "a%00b", "%E2%80%8F"]
)
def test_unknown_records_in_the_path_are_not_found_pages(
    client: Client, filled: None, path: str, value: str
) -> None:
    response = client.get(path.format(v=value), follow=True)
    assert_answered(response)


def test_a_page_number_past_the_end_is_a_message(client: Client, filled: None) -> None:
    response = client.get("/projects/", {"page": "50"})
    assert response.status_code == 400
    assert "There are not that many pages." in response.content.decode()


@pytest.mark.parametrize("language", ["", "xx", "<script>", "x" * 5000])
def test_the_language_switch_ignores_unknown_languages(client: Client, language: str) -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code in (302, 204)


def test_forms_need_their_csrf_token() -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "Form expired" in response.content.decode() or "kedaluwarsa" in response.content.decode()


def test_pages_carry_security_headers(client: Client, filled: None) -> None:
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_served_and_cached(client: Client) -> None:
    response = client.get("/static/site/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200 and "max-age=31536000" in response["Cache-Control"]
    assert client.get("/static/site/../../settings.py").status_code == 404


def test_a_charity_page_lists_payouts_sent_and_not_drafts(client: Client, filled: None) -> None:
    from dermawan.settlement.models import Payout, Run

    def run(period: str) -> Run:
        return Run.objects.create(
            period=period,
            period_start_us=0,
            period_end_us=1,
            watermark=0,
            fee_bps=0,
            created_by="admin",
            created_at_us=0,
        )

    figures = {
        "donations": 3,
        "carried_in_minor": 0,
        "confirmed_minor": 0,
        "clawed_back_minor": 0,
        "fee_minor": 0,
        "carried_out_minor": 0,
    }
    Payout.objects.create(
        run=run("2026-09"),
        charity_id=CHARITY,
        currency="IDR",
        amount_minor=12_345_600,
        status="paid",
        paid_at_us=1_789_059_600_000_000,
        **figures,
    )
    Payout.objects.create(
        run=run("2026-10"),
        charity_id=CHARITY,
        currency="IDR",
        amount_minor=98_700,
        status="draft",
        **figures,
    )
    body = client.get(f"/charities/{CHARITY}/").content.decode()
    assert "2026-09" in body and "Rp123,456" in body and "Sep 11, 2026" in body
    assert "2026-10" not in body and "Rp987" not in body
    assert "Rp123,456" in client.get(f"/projects/{PROJECT}/").content.decode()


@pytest.mark.parametrize(
    "path",
    ["/", "/live/totals/", "/projects/", "/charities/", "/transparency/", "/receipts/check/"],
)
def test_every_public_page_answers_on_an_empty_platform(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "<h1" in response.content.decode() or path == "/live/totals/"


def test_only_photos_are_public_uploads(client: Client, tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    for folder in ("projects", "reports", "charity-documents"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert client.get("/media/projects/a.png").status_code == 200
    assert client.get("/media/reports/a.png").status_code == 200
    # A charity's permits and documents are for the admins' review page only.
    assert client.get("/media/charity-documents/a.png").status_code == 404
    assert client.get("/media/projects/../charity-documents/a.png").status_code == 404
