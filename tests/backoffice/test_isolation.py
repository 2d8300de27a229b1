"""Each actor sees only its own: another's record answers 404 (as if it did not exist),
another role's page 403, and a visitor is asked to sign in."""

from __future__ import annotations

import pytest
from django.test import Client

from dermawan.banking.bank_accounts import add_bank_account
from tests.backoffice.conftest import OTHER_PROJECT, PROJECT, People

pytestmark = pytest.mark.django_db

MERCHANT_PAGES = [
    "/office/merchant/",
    "/office/merchant/pledges/new/",
    "/office/merchant/statements/",
]
CHARITY_PAGES = ["/office/charity/", "/office/charity/bank-accounts/", "/office/charity/payouts/"]
ADMIN_PAGES = [
    "/office/admin/",
    "/office/admin/runs/",
    "/office/admin/dead-letters/",
    "/office/admin/audit/",
    "/office/admin/charities/yayasan-lain/",
]


def test_a_merchant_sees_its_own_pledges_only(people: People) -> None:
    listing = people.merchant.get("/office/merchant/")
    assert listing.status_code == 200
    assert b"beras-5kg" in listing.content and b"Project sumur-bersih" not in listing.content
    assert people.merchant.get("/office/merchant/pledges/pl-mine/").status_code == 200
    theirs = people.merchant.get("/office/merchant/pledges/pl-theirs/")
    missing = people.merchant.get("/office/merchant/pledges/pl-nowhere/")
    assert theirs.status_code == missing.status_code == 404
    assert people.merchant.post("/office/merchant/pledges/pl-theirs/end/").status_code == 404
    assert people.other_merchant.get("/office/merchant/pledges/pl-mine/").status_code == 404


def test_a_charity_sees_its_own_projects_and_accounts_only(people: People) -> None:
    home = people.charity.get("/office/charity/")
    assert b"Project makan-siang" in home.content and b"Project sumur-bersih" not in home.content
    assert people.charity.get(f"/office/charity/projects/{PROJECT}/").status_code == 200
    for path in (
        f"/office/charity/projects/{OTHER_PROJECT}/",
        f"/office/charity/projects/{OTHER_PROJECT}/reports/new/",
    ):
        assert people.charity.get(path).status_code == 404, path
    assert (
        people.charity.post(f"/office/charity/projects/{OTHER_PROJECT}/photos/").status_code == 404
    )
    theirs = add_bank_account(
        actor="test", charity_id="yayasan-lain", holder_name="Yayasan Lain", currency="IDR",
        bank_code="014", account_number="1234567890",
    )  # fmt: skip
    page = people.charity.get("/office/charity/bank-accounts/")
    assert b"1234567890" not in page.content
    ended = people.charity.post(f"/office/charity/bank-accounts/{theirs.pk}/end/")
    assert ended.status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None
    assert b"1234567890" in people.other_charity.get("/office/charity/bank-accounts/").content


@pytest.mark.parametrize("path", MERCHANT_PAGES + CHARITY_PAGES + ADMIN_PAGES)
def test_every_page_is_for_its_role_only(people: People, path: str) -> None:
    owners = {"merchant": people.merchant, "charity": people.charity, "admin": people.admin}
    role = path.split("/")[2]
    for name, client in {**owners, "buyer": people.buyer}.items():
        expected = 200 if name == role else 403
        assert client.get(path).status_code == expected, (name, path)
    response = people.anonymous.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_office_start_sends_each_role_home(people: People) -> None:
    assert people.merchant.get("/office/")["Location"] == "/office/merchant/"
    assert people.charity.get("/office/")["Location"] == "/office/charity/"
    assert people.admin.get("/office/")["Location"] == "/office/admin/"
    assert people.buyer.get("/office/").status_code == 403


def test_forms_need_csrf(people: People) -> None:
    strict = Client(enforce_csrf_checks=True)
    from django.contrib.auth.models import User

    strict.force_login(User.objects.get(username="ayu"))
    response = strict.post("/office/merchant/pledges/pl-mine/end/")
    assert response.status_code == 403
    page = people.merchant.get("/office/merchant/pledges/new/")
    assert b"csrfmiddlewaretoken" in page.content
