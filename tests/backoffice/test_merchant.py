"""A merchant's pledges: created and ended with the catalog's own rules, and what each made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from dermawan.auditlog.models import AuditEntry
from dermawan.catalog.models import Pledge
from dermawan.site.formatting import money
from tests.backoffice.conftest import MERCHANT, PROJECT, People
from tests.donations.builders import completed, ingest, paid

pytestmark = pytest.mark.django_db
NEW = "/office/merchant/pledges/new/"


def form(**fields: Any) -> dict[str, Any]:
    base = {
        "product_id": "minyak-2l",
        "project": PROJECT,
        "kind": "percent",
        "percent": "5",
        "valid_from": timezone.now().date().isoformat(),
    }
    return {**base, **fields}


def soon(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def test_a_five_percent_pledge_then_its_orders_show_on_its_page(people: People) -> None:
    response = people.merchant.post(NEW, form())
    assert response.status_code == 302
    pledge = Pledge.objects.get(product_id="minyak-2l")
    assert (pledge.merchant_id, pledge.kind, pledge.basis_points) == (MERCHANT, "percent", 500)
    assert response["Location"] == f"/office/merchant/pledges/{pledge.id}/"
    assert AuditEntry.objects.filter(action="pledge.create", subject=f"pledge:{pledge.id}").exists()
    ingest(
        paid("o1", "order-1", "1", product_id="minyak-2l", unit_price_minor=2_000_000,
             occurred_at=soon(1)),
        paid("o2", "order-2", "1", product_id="minyak-2l", unit_price_minor=1_000_000,
             occurred_at=soon(2)),
        completed("o3", "order-1", "1", occurred_at=soon(3)),
    )  # fmt: skip
    with translation.override("en"):
        page = people.merchant.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    # 5 % of Rp20.000 and of Rp10.000: Rp1.000 confirmed, Rp500 waiting, Rp1.500 in all.
    made, confirmed, waiting = (money(m, "IDR", "en") for m in (150_000, 100_000, 50_000))
    assert made in text and confirmed in text and waiting in text
    listing = people.merchant.get("/office/merchant/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert made in listing


def test_amounts_read_in_the_merchants_language(people: People) -> None:
    people.merchant.cookies["dermawan_language"] = "id"
    response = people.merchant.post(
        NEW, form(kind="fixed", percent="", amount="1.500,50", max_per_line="10.000")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    pledge = Pledge.objects.get(product_id="minyak-2l")
    assert (pledge.amount_minor, pledge.currency, pledge.max_per_line_minor) == (
        150_050,
        "IDR",
        1_000_000,
    )
    assert people.merchant.post(NEW, form(product_id="gula-1kg", percent="2,5")).status_code == 302
    assert Pledge.objects.get(product_id="gula-1kg").basis_points == 250


def test_an_overlapping_pledge_is_refused_next_to_the_product(people: People) -> None:
    before = Pledge.objects.count()
    response = people.merchant.post(NEW, form(product_id="beras-5kg"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["form"].errors["product_id"]
    assert "already pledge this product" in response.content.decode()
    assert Pledge.objects.count() == before


def test_a_project_whose_permit_lapsed_takes_no_new_pledges(people: People) -> None:
    from dermawan.catalog.models import CharityPermit

    CharityPermit.objects.create(
        charity_id="yayasan-pangan", number="P-1", issuer="Kemensos",
        expires_on=timezone.now().date() - timedelta(days=1),
    )  # fmt: skip
    before = Pledge.objects.count()
    response = people.merchant.post(NEW, form(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["form"].errors["project"]
    assert Pledge.objects.count() == before


def test_ending_a_pledge_sets_valid_to_and_nothing_else(people: People) -> None:
    before = Pledge.objects.get(id="pl-mine")
    response = people.merchant.post("/office/merchant/pledges/pl-mine/end/", {"ends_on": ""})
    assert response.status_code == 302
    after = Pledge.objects.get(id="pl-mine")
    assert after.valid_to is not None
    assert abs((after.valid_to - timezone.now()).total_seconds()) < 60
    fields = ("merchant_id", "product_id", "project_id", "kind", "basis_points", "valid_from")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert AuditEntry.objects.filter(action="pledge.end", subject="pledge:pl-mine").exists()
    again = people.merchant.post(
        "/office/merchant/pledges/pl-mine/end/", {"ends_on": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert again.status_code == 400
    assert "already ended" in again.content.decode()


def test_ending_today_means_now(people: People) -> None:
    today = timezone.now().date().isoformat()
    response = people.merchant.post("/office/merchant/pledges/pl-mine/end/", {"ends_on": today})
    assert response.status_code == 302
    ended = Pledge.objects.get(id="pl-mine").valid_to
    assert ended is not None and abs((ended - timezone.now()).total_seconds()) < 60


def test_an_end_in_the_past_is_refused(people: People) -> None:
    response = people.merchant.post(
        "/office/merchant/pledges/pl-mine/end/",
        {"ends_on": "2026-01-02"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "cannot end in the past" in response.content.decode()
    assert Pledge.objects.get(id="pl-mine").valid_to is None


def test_a_refused_field_is_tied_to_its_message(people: People) -> None:
    response = people.merchant.post(NEW, form(percent="abc"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_percent-help id_percent_error"' in html
    assert 'id="id_percent_error"' in html and 'id="id_percent-help"' in html
    assert '<label for="id_percent">' in html
