"""A charity's back office: goal and impact unit, photos, progress reports, bank accounts."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dermawan.auditlog.models import AuditEntry
from dermawan.banking.models import BankAccount
from dermawan.catalog.models import Project, ProjectPhoto
from dermawan.impact.models import ProgressReport
from tests.backoffice.conftest import PROJECT, People

pytestmark = pytest.mark.django_db
EDIT = f"/office/charity/projects/{PROJECT}/"
REPORT = f"/office/charity/projects/{PROJECT}/reports/new/"


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_goal_and_impact_unit_are_read_in_the_charitys_language(people: People) -> None:
    people.charity.cookies["dermawan_language"] = "id"
    response = people.charity.post(
        EDIT,
        {"goal": "750.000.000", "impact_unit": "3.000", "impact_unit_id": "makan siang",
         "impact_unit_en": "school lunch", "impact_unit_zh_hans": "午餐"},
    )  # fmt: skip
    assert response.status_code == 302
    project = Project.objects.get(id=PROJECT)
    assert (project.goal_minor, project.impact_unit_minor) == (75_000_000_000, 300_000)
    assert project.impact_unit_name("zh-hans") == "午餐"
    assert AuditEntry.objects.filter(action="project.edit", subject=f"project:{PROJECT}").exists()
    # The form shows the stored amounts back the way they are typed.
    assert b'value="750.000.000"' in people.charity.get(EDIT).content


def test_an_impact_unit_needs_a_name(people: People) -> None:
    response = people.charity.post(
        EDIT, {"goal": "1000", "impact_unit": "3000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.context["form"].errors["impact_unit_id"]
    assert Project.objects.get(id=PROJECT).goal_minor == 50_000_000_000


def test_photos_are_added_and_non_images_refused(people: People) -> None:
    response = people.charity.post(
        f"{EDIT}photos/", {"photos": [png("a.png"), png("b.png")], "caption": "Dapur umum"}
    )
    assert response.status_code == 302
    assert ProjectPhoto.objects.filter(project_id=PROJECT).count() == 2
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    refused = people.charity.post(f"{EDIT}photos/", {"photos": [fake]}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.context["photo_form"].errors["photos"]
    assert ProjectPhoto.objects.filter(project_id=PROJECT).count() == 2


def test_a_progress_report_with_photos_and_beneficiaries(people: People) -> None:
    response = people.charity.post(
        REPORT,
        {"title": "Bulan pertama", "body": "1.200 porsi makan siang.", "beneficiaries": "240",
         "photos": [png()]},
    )  # fmt: skip
    assert response.status_code == 302
    report = ProgressReport.objects.get(project_id=PROJECT)
    assert (report.title, report.beneficiaries, report.photos.count()) == ("Bulan pertama", 240, 1)
    assert report.author is not None and report.author.username == "citra"
    assert AuditEntry.objects.filter(action="report.publish").count() == 1


def test_bank_accounts_are_validated_next_to_the_field(people: People) -> None:
    bad = people.charity.post(
        "/office/charity/bank-accounts/",
        {"holder_name": "Yayasan Pangan", "currency": "EUR", "iban": "DE00 1234"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400
    assert bad.context["form"].errors["iban"]
    assert BankAccount.objects.count() == 0
    good = people.charity.post(
        "/office/charity/bank-accounts/",
        {"holder_name": "Yayasan Pangan", "currency": "IDR", "bank_code": "014",
         "account_number": "1234567890"},
    )  # fmt: skip
    assert good.status_code == 302
    account = BankAccount.objects.get()
    assert account.charity_id == "yayasan-pangan" and account.ended_at is None
    twice = people.charity.post(
        "/office/charity/bank-accounts/",
        {"holder_name": "Yayasan Pangan", "currency": "IDR", "bank_code": "014",
         "account_number": "9876543210"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert twice.status_code == 400 and twice.context["form"].errors["currency"]
    ended = people.charity.post(
        f"/office/charity/bank-accounts/{account.pk}/end/", {"reason": "pindah bank"}
    )
    assert ended.status_code == 302
    account.refresh_from_db()
    assert account.ended_at is not None
