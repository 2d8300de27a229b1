"""The admin's back office: verification, runs with four eyes, dead letters, the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dermawan.auditlog.entries import record
from dermawan.auditlog.models import AuditEntry
from dermawan.catalog.models import Charity, CharityPermit
from dermawan.settlement.models import Payout, Run
from dermawan.webhooks.models import Delivery, Endpoint, Message
from tests.backoffice.conftest import People
from tests.donations.builders import completed, ingest, paid

pytestmark = pytest.mark.django_db


def test_the_queue_shows_waiting_charities_and_lapsing_permits(people: People) -> None:
    CharityPermit.objects.create(
        charity_id="yayasan-pangan", number="P-9", issuer="Kemensos",
        expires_on=timezone.now().date() + timedelta(days=10),
    )  # fmt: skip
    page = people.admin.get("/office/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Charity yayasan-lain" in page  # not verified
    assert "Charity yayasan-pangan" in page and "lapses" in page


def test_an_admin_verifies_and_refuses_with_a_reason(people: People) -> None:
    review = people.admin.get("/office/admin/charities/yayasan-lain/")
    assert review.status_code == 200
    refused = people.admin.post(
        "/office/admin/charities/yayasan-lain/decide/",
        {"decision": "refuse", "reason": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400 and refused.context["form"].errors["reason"]
    assert (
        people.admin.post(
            "/office/admin/charities/yayasan-lain/decide/",
            {"decision": "refuse", "reason": "Akta pendirian belum ada"},
        ).status_code
        == 302
    )
    charity = Charity.objects.get(id="yayasan-lain")
    assert (charity.verified, charity.review_note) == (False, "Akta pendirian belum ada")
    assert (
        people.admin.post(
            "/office/admin/charities/yayasan-lain/decide/", {"decision": "verify"}
        ).status_code
        == 302
    )
    charity.refresh_from_db()
    assert charity.verified and charity.verified_at is not None
    actions = list(
        AuditEntry.objects.filter(subject="charity:yayasan-lain")
        .order_by("id")
        .values_list("actor", "action")
    )
    assert actions == [("user:eko", "charity.refuse"), ("user:eko", "charity.verify")]


def september_donations() -> None:
    ingest(
        paid("s1", "o-1", "1", occurred_at="2026-09-03T10:00:00Z", unit_price_minor=100_000),
        completed("s2", "o-1", "1", occurred_at="2026-09-05T10:00:00Z"),
    )


def test_a_run_is_approved_by_a_second_admin_only(people: People) -> None:
    september_donations()
    created = people.admin.post("/office/admin/runs/", {"period": "2026-09"})
    assert created.status_code == 302
    run = Run.objects.get(period="2026-09")
    assert run.created_by == "user:eko" and run.status == Run.DRAFT
    own = people.admin.get(created["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a second admin must" in own and "Approve run" not in own
    people.admin.post(f"/office/admin/runs/{run.pk}/approve/")
    run.refresh_from_db()
    assert run.status == Run.DRAFT
    shown = people.admin.get(created["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "you cannot approve it" in shown
    assert people.other_admin.post(f"/office/admin/runs/{run.pk}/approve/").status_code == 302
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (Run.APPROVED, "user:fitri")
    assert set(Payout.objects.filter(run=run).values_list("status", flat=True)) == {"approved"}
    assert AuditEntry.objects.filter(action="settlement.run_approved", actor="user:fitri").exists()


def test_a_month_not_yet_ended_is_refused(people: People) -> None:
    month = timezone.now().strftime("%Y-%m")
    response = people.admin.post("/office/admin/runs/", {"period": month})
    assert response.status_code == 400 and response.context["form"].errors["period"]
    assert Run.objects.count() == 0


def dead_letter() -> Delivery:
    endpoint = Endpoint.objects.create(url="https://127.0.0.1:9/hook", events=[], secret_sealed="x")
    message = Message.objects.create(type="donation.confirmed", data="{}", created_at_us=1)
    return Delivery.objects.create(
        message=message, endpoint=endpoint, status=Delivery.DEAD, attempts=12,
        created_at_us=1, next_attempt_at_us=1, finished_at_us=2, last_error="timed out",
    )  # fmt: skip


def test_a_dead_letter_is_retried_once(people: People) -> None:
    delivery = dead_letter()
    page = people.admin.get("/office/admin/dead-letters/").content.decode()
    assert "timed out" in page
    assert people.admin.post(f"/office/admin/dead-letters/{delivery.pk}/retry/").status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.PENDING
    assert AuditEntry.objects.filter(action="webhook.retry", subject=f"delivery:{delivery.pk}")
    again = people.admin.post(
        f"/office/admin/dead-letters/{delivery.pk}/retry/", follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "not a dead letter any more" in again.content.decode()
    assert AuditEntry.objects.filter(action="webhook.retry").count() == 1
    assert people.admin.post("/office/admin/dead-letters/999999/retry/").status_code == 404


def test_the_audit_log_filters_and_pages(people: People) -> None:
    for n in range(60):
        record("user:eko", "charity.verify", f"charity:c-{n}")
    record("cli:root", "settlement.run_created", "settlement-run:1")
    first = people.admin.get("/office/admin/audit/?action=charity.")
    assert len(first.context["page"].object_list) == 50
    second = people.admin.get("/office/admin/audit/?action=charity.&page=2")
    assert len(second.context["page"].object_list) == 10
    assert "action=charity.&amp;page=1" in second.content.decode()
    by_actor = people.admin.get("/office/admin/audit/?actor=cli:root")
    assert [e.action for e in by_actor.context["page"].object_list] == ["settlement.run_created"]


def test_merchants_and_charities_download_their_own_statements(people: People) -> None:
    september_donations()
    people.admin.post("/office/admin/runs/", {"period": "2026-09"})
    csv = people.merchant.get("/office/statements/2026-09.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "toko-tani" in csv["Content-Disposition"] and b"o-1" in csv.content
    listing = people.merchant.get("/office/merchant/statements/").content.decode()
    assert "/office/statements/2026-09.pdf" in listing
    home = people.merchant.get("/office/merchant/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Settled for 2026-09" in home
    pdf = people.charity.get("/office/statements/2026-09.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "yayasan-pangan" in pdf["Content-Disposition"]
    for path in ("/office/statements/2026-08.csv", "/office/statements/2026-13.csv",
                 "/office/statements/2026-09.exe", "/office/statements/x.csv"):  # fmt: skip
        assert people.merchant.get(path).status_code == 404, path
    assert people.admin.get("/office/statements/2026-09.csv").status_code == 403


def test_verification_documents_are_for_admins_only(people: People) -> None:
    from django.core.files.base import ContentFile

    from dermawan.catalog.models import CharityDocument

    document = CharityDocument(charity_id="yayasan-lain", title="Akta pendirian")
    document.file.save("akta.pdf", ContentFile(b"%PDF-1.4 akta"), save=True)
    review = people.admin.get("/office/admin/charities/yayasan-lain/").content.decode()
    assert f"/office/admin/documents/{document.pk}/" in review and "/media/" not in review
    download = people.admin.get(f"/office/admin/documents/{document.pk}/")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 akta"
    assert download["Cache-Control"] == "private, no-store"
    assert people.other_charity.get(f"/office/admin/documents/{document.pk}/").status_code == 403
    assert people.admin.get("/office/admin/documents/99999/").status_code == 404
