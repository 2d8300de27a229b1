"""Roles: who a signed-in user is, which pages it may open, the demo sign-ins."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from dermawan.accounts.models import Membership
from dermawan.accounts.roles import Member, home_url, member_of, membership, role_required
from tests.donations.builders import CHARITY, MERCHANT, load_default_catalog

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def user(username: str, *, staff: bool = False, **membership_fields: object) -> object:
    made = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=staff)
    if membership_fields:
        Membership.objects.create(user=made, **membership_fields)
    return made


@pytest.fixture(autouse=True)
def _catalog(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    load_default_catalog()


def test_a_membership_names_exactly_the_record_of_its_role() -> None:
    someone = user("someone")
    for wrong in (
        {"role": "buyer"},
        {"role": "merchant", "charity_id": CHARITY},
        {"role": "charity", "charity_id": CHARITY, "buyer_id": "b-1"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=someone, **wrong)


def test_each_role_is_read_from_the_user() -> None:
    assert member_of(user("m", role="merchant", merchant_id=MERCHANT)) == Member(
        "merchant", MERCHANT, get_user_model().objects.get(username="m").pk
    )
    assert member_of(user("c", role="charity", charity_id=CHARITY)).owner_id == CHARITY  # type: ignore[union-attr]
    assert member_of(user("b", role="buyer", buyer_id="b-9")).owner_id == "b-9"  # type: ignore[union-attr]
    staff = member_of(user("a", staff=True))
    assert staff is not None and staff.role == "admin" and staff.owner_id is None
    assert member_of(user("nobody")) is None


@role_required("merchant")
def merchant_page(request: HttpRequest) -> HttpResponse:
    member = membership(request)
    assert member is not None
    return HttpResponse(member.owner_id)


def test_role_required_lets_its_role_in_sends_visitors_to_sign_in_and_refuses_others() -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    factory = RequestFactory()
    request = factory.get("/office/x")
    request.user = AnonymousUser()
    response = merchant_page(request)
    assert response.status_code == 302 and "/accounts/login/?next=/office/x" in response["Location"]
    request = factory.get("/office/x")
    request.user = user("m", role="merchant", merchant_id=MERCHANT)  # type: ignore[assignment]
    assert merchant_page(request).content.decode() == MERCHANT
    for other in (user("c", role="charity", charity_id=CHARITY), user("a", staff=True)):
        request = factory.get("/office/x")
        request.user = other  # type: ignore[assignment]
        with pytest.raises(PermissionDenied):
            merchant_page(request)


def test_role_required_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError):
        role_required("superhero")


def test_signing_in_lands_on_the_roles_page_and_bad_input_is_a_message() -> None:
    user("b", role="buyer", buyer_id="b-9")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for username, password in (
        ("", ""),
        ("b", "wrong"),
        ("x" * 5000, "y" * 5000),
        ("<script>alert(1)</script>", "p"),
    ):
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 200
        body = response.content.decode()
        assert "<script>alert(1)</script>" not in body
        assert 'class="errors"' in body
    response = client.post("/accounts/login/", {"username": "b", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/me/donations/"
    assert home_url(None) == "/"


def test_sign_in_does_not_follow_a_next_to_another_site() -> None:
    user("b", role="buyer", buyer_id="b-9")
    client = Client()
    client.login(username="b", password=PASSWORD)
    response = client.get("/accounts/welcome/", {"next": "https://evil.example/"})
    assert response["Location"] == "/me/donations/"


def test_signing_out_is_a_post() -> None:
    user("b", role="buyer", buyer_id="b-9")
    client = Client()
    client.login(username="b", password=PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/me/donations/").status_code == 302
