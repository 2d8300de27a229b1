"""A buyer's donation history and receipts: only the buyer's own, downloadable as JSON."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dermawan.accounts.models import Membership
from tests.donations.builders import MERCHANT
from tests.site.support import BUYER, donations

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


@pytest.fixture
def signed_in(settings: object) -> dict[str, Client]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    donations()
    clients = {}
    for username, fields in (
        ("buyer", {"role": "buyer", "buyer_id": BUYER}),
        ("merchant", {"role": "merchant", "merchant_id": MERCHANT}),
    ):
        user = get_user_model().objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, **fields)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.login(username=username, password=PASSWORD)
        clients[username] = client
    return clients


def test_the_history_lists_the_buyers_donations_with_status_and_totals(
    signed_in: dict[str, Client],
) -> None:
    body = signed_in["buyer"].get("/me/donations/").content.decode()
    assert "/me/donations/o-1/receipt.json" in body and "/me/donations/o-2/receipt.json" in body
    assert "o-3" not in body  # another buyer's order
    assert "reversed" in body and "pending" in body
    assert "Rp10" in body and "2 donations" in body


def test_a_receipt_downloads_as_the_apis_order_document(signed_in: dict[str, Client]) -> None:
    response = signed_in["buyer"].get("/me/donations/o-1/receipt.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="receipt-o-1.json"'
    document = json.loads(response.content)
    assert document["order_id"] == "o-1"
    assert [line["net_minor"] for line in document["lines"]] == [1000]
    assert document["totals"] == [
        {"currency": "IDR", "donation_minor": 1000, "reversed_minor": 0, "net_minor": 1000}
    ]


def test_another_buyers_receipt_is_not_found_and_other_roles_are_refused(
    signed_in: dict[str, Client],
) -> None:
    assert signed_in["buyer"].get("/me/donations/o-3/receipt.json").status_code == 404
    assert signed_in["merchant"].get("/me/donations/").status_code == 403
    assert signed_in["merchant"].get("/me/donations/o-1/receipt.json").status_code == 403
    anonymous = Client().get("/me/donations/o-1/receipt.json")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "99999", "x" * 5000, "<script>"])
def test_bad_page_numbers_are_messages(signed_in: dict[str, Client], value: str) -> None:
    response = signed_in["buyer"].get("/me/donations/", {"page": value})
    assert response.status_code in (200, 400)
    assert "<script>" not in response.content.decode().split("<main", 1)[1]
