"""Every endpoint with a wrong key, another owner's key and no key: nothing leaks or changes.

Each row names the credentials an endpoint serves; every other credential is
tried and must get exactly the status the row expects (401 without a valid
key, 403 for a kind of key the endpoint does not serve, 404 for another
owner's resource, as if it did not exist), a problem document that shows
none of the protected data, and no change to any table.
"""

from __future__ import annotations

from typing import Any

import pytest

from dermawan.webhooks.models import Delivery, Endpoint, Message
from dermawan.webhooks.sealing import seal
from tests.api.support import Api, Keys, ServedApi, problem, state
from tests.donations.builders import MERCHANT, PRODUCT, completed, paid

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["test-client", "served"])
def api(request: pytest.FixtureRequest) -> Api:
    """Each endpoint through Django's test client and through the application
    ``dermawan serve`` runs (the API's own handler, and the events hot path)."""
    return Api() if request.param == "test-client" else ServedApi()


CREDENTIALS = (
    "none",
    "wrong",
    "revoked",
    "marketplace",
    "admin",
    "merchant",
    "other_merchant",
    "charity",
    "other_charity",
)
# Text that only protected answers carry: it must never appear in a refusal.
SECRETS = (
    "basis_points",
    "donation_minor",
    PRODUCT,
    f"Merchant {MERCHANT}",
    "receiver.test",
    "whsec_",
    "last_error",
)

PLEDGE = {
    "id": "pl-new",
    "product_id": "kopi-1kg",
    "project_id": "makan-siang",
    "kind": "percent",
    "basis_points": 300,
    "valid_from": "2026-01-01T00:00:00Z",
}
OTHERS_PLEDGE = {**PLEDGE, "merchant_id": MERCHANT}
CHARITY_IN = {"name": "Baru", "country": "ID", "verified": False}
PROJECT_IN = {
    "charity_id": "yayasan-pangan",
    "name": "Baru",
    "category": "children",
    "region": "ID-JT",
    "currency": "IDR",
    "goal_minor": 1,
    "status": "active",
}
ENDPOINT_IN = {"url": "http://receiver.test/hooks", "events": ["donation.confirmed"]}

# (method, path, body, {credential: expected status for the refused ones}, allowed)
MERCHANT_SCOPED = {"other_merchant": 404}
ROWS: list[tuple[str, str, Any, dict[str, int], set[str]]] = [
    ("POST", "/api/v1/events", {"events": [paid("p-x", "o-x")]}, {}, {"marketplace"}),
    (
        "GET",
        "/api/v1/pledges/pl-wide",
        None,
        {**MERCHANT_SCOPED, "other_charity": 404},
        {"admin", "marketplace", "merchant", "charity", "other_merchant", "other_charity"},
    ),
    (
        "POST",
        "/api/v1/pledges",
        OTHERS_PLEDGE,
        {"other_merchant": 403},
        {"admin", "merchant", "other_merchant"},
    ),
    (
        "POST",
        "/api/v1/pledges/pl-wide/end",
        {},
        MERCHANT_SCOPED,
        {"admin", "merchant", "other_merchant"},
    ),
    ("PUT", "/api/v1/charities/baru", CHARITY_IN, {}, {"admin"}),
    ("PUT", "/api/v1/projects/baru", PROJECT_IN, {}, {"admin"}),
    ("PUT", "/api/v1/merchants/toko-tani", {"name": "Ganti"}, {}, {"admin"}),
    (
        "GET",
        "/api/v1/merchants/toko-tani",
        None,
        MERCHANT_SCOPED,
        {"admin", "marketplace", "merchant", "other_merchant"},
    ),
    (
        "GET",
        "/api/v1/orders/o-1/receipt",
        None,
        MERCHANT_SCOPED,
        {"admin", "marketplace", "merchant", "other_merchant"},
    ),
    (
        "GET",
        "/api/v1/buyers/b-secret/receipts",
        None,
        MERCHANT_SCOPED,
        {"admin", "marketplace", "merchant", "other_merchant"},
    ),
    ("POST", "/api/v1/webhooks/endpoints", ENDPOINT_IN, {}, {"admin", "marketplace"}),
    ("GET", "/api/v1/webhooks/endpoints", None, {}, {"admin", "marketplace"}),
    ("DELETE", "/api/v1/webhooks/endpoints/{endpoint}", None, {}, {"admin", "marketplace"}),
    ("GET", "/api/v1/webhooks/deliveries", None, {}, {"admin", "marketplace"}),
    ("POST", "/api/v1/webhooks/deliveries/{delivery}/retry", None, {}, {"admin", "marketplace"}),
]
PUBLIC = [
    "/api/v1/projects",
    "/api/v1/projects/makan-siang",
    "/api/v1/projects/makan-siang/totals",
    "/api/v1/totals",
    "/api/v1/charities",
    "/api/v1/charities/yayasan-pangan",
    f"/api/v1/merchants/{MERCHANT}/products/{PRODUCT}/badge",
    "/api/v1/problems",
    "/api/v1/problems/not-found",
]


@pytest.fixture
def world(api: Api, keys: Keys) -> dict[str, str]:
    """A paid and completed line of MERCHANT for buyer b-secret, a webhook endpoint with a
    dead delivery; returns the credential headers by name."""
    response = api.events(
        paid("p-1", "o-1", buyer_id="b-secret"), completed("c-1", "o-1"), key=keys.marketplace
    )
    assert response.status_code == 200
    endpoint = Endpoint.objects.create(
        url="http://receiver.test/hooks",
        events=["donation.confirmed"],
        secret_sealed=seal("s" * 30),
    )
    message = Message.objects.create(type="donation.confirmed", data="{}", created_at_us=0)
    Delivery.objects.create(
        message=message,
        endpoint=endpoint,
        status="dead",
        created_at_us=0,
        next_attempt_at_us=0,
        last_error="HTTP 500 from receiver.test",
    )
    named = {name: getattr(keys, name) for name in CREDENTIALS if hasattr(keys, name)}
    named["wrong"] = "dw_000000000000_not-a-key-at-all-not-a-key-at-all"
    named["none"] = ""
    return named


def expected(credential: str, refusals: dict[str, int], allowed: set[str]) -> int | None:
    """The status a credential must get, or None when it is served."""
    if credential in ("none", "wrong", "revoked"):
        return 401
    if credential in refusals:
        return refusals[credential]
    return None if credential in allowed else 403


def _path(template: str) -> str:
    endpoint = Endpoint.objects.order_by("id").first()
    delivery = Delivery.objects.order_by("id").first()
    return template.format(
        endpoint=endpoint.pk if endpoint else 0, delivery=delivery.pk if delivery else 0
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "refusals", "allowed"), ROWS, ids=[f"{r[0]} {r[1]}" for r in ROWS]
)
def test_refused_callers_see_and_change_nothing(
    api: Api,
    world: dict[str, str],
    method: str,
    path: str,
    body: Any,
    refusals: dict[str, int],
    allowed: set[str],
) -> None:
    tried = 0
    for credential in CREDENTIALS:
        status = expected(credential, refusals, allowed)
        if status is None:
            continue
        before = state()
        response = api.call(method, _path(path), body, key=world[credential] or None)
        code = {
            401: "revoked-key" if credential == "revoked" else "unauthorized",
            403: "forbidden",
            404: "not-found",
        }[status]
        problem(response, status, code)
        text = response.content.decode()
        leaked = [s for s in SECRETS if s in text]
        assert not leaked, f"{credential}: {method} {path} leaked {leaked}: {text}"
        assert state() == before, f"{credential}: {method} {path} changed something"
        tried += 1
    assert tried >= 3


@pytest.mark.parametrize(
    ("method", "path", "body", "refusals", "allowed"), ROWS, ids=[f"{r[0]} {r[1]}" for r in ROWS]
)
def test_the_served_callers_are_served(
    api: Api,
    world: dict[str, str],
    method: str,
    path: str,
    body: Any,
    refusals: dict[str, int],
    allowed: set[str],
) -> None:
    served = (200, 201)
    for credential in sorted(allowed - set(refusals)):
        response = api.call(method, _path(path), body, key=world[credential])
        assert response.status_code in served, (credential, response.content[:300])
        served = (200, 201, 409)  # a second caller may find the change already made


def test_lists_show_only_the_callers_own(api: Api, world: dict[str, str]) -> None:
    def pledge_ids(credential: str) -> set[str]:
        response = api.get("/api/v1/pledges", key=world[credential])
        assert response.status_code == 200
        return {p["id"] for p in response.json()["items"]}

    assert pledge_ids("merchant") == {"pl-wide"}
    assert pledge_ids("other_merchant") == {"pl-other"}
    assert pledge_ids("charity") == {"pl-wide"}
    assert pledge_ids("other_charity") == {"pl-other"}
    assert pledge_ids("admin") == pledge_ids("marketplace") == {"pl-wide", "pl-other"}
    # Asking for another merchant's pledges by filter shows nothing either.
    response = api.get(f"/api/v1/pledges?merchant_id={MERCHANT}", key=world["other_merchant"])
    assert response.json()["items"] == []


@pytest.mark.parametrize("path", PUBLIC)
def test_public_reads_need_no_key_and_refuse_a_bad_one(
    api: Api, world: dict[str, str], path: str
) -> None:
    assert api.get(path).status_code == 200
    problem(api.get(path, key=world["wrong"]), 401, "unauthorized")
    problem(api.get(path, key=world["revoked"]), 401, "revoked-key")


def test_a_malformed_authorization_header_is_refused(api: Api, world: dict[str, str]) -> None:
    response = api.get("/api/v1/projects", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    problem(response, 401, "unauthorized")
