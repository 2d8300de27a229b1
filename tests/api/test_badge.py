"""The product badge: pledge in force, its text in three languages, its count, caching."""

from __future__ import annotations

import pytest

from tests.api.support import Api, Keys, problem
from tests.donations.builders import (
    MERCHANT,
    PRODUCT,
    catalog,
    fixed_pledge,
    load,
    paid,
    percent_pledge,
)

pytestmark = pytest.mark.django_db
BADGE = f"/api/v1/merchants/{MERCHANT}/products/{PRODUCT}/badge"


@pytest.mark.parametrize(
    ("accept", "language", "text"),
    [
        (None, "id", "5% dari barang ini untuk Project makan-siang"),
        ("en-GB,en;q=0.9", "en", "5% of this item goes to Project makan-siang"),
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh", "本商品5%的金额将捐给Project makan-siang"),
        ("fr-FR, de;q=0.8", "id", "5% dari barang ini untuk Project makan-siang"),
    ],
)
def test_the_text_follows_accept_language(
    api: Api, keys: Keys, accept: str | None, language: str, text: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = api.get(BADGE, headers=headers)
    assert response.status_code == 200
    badge = response.json()
    assert (badge["language"], badge["text"]) == (language, text)
    assert badge["pledge"]["id"] == "pl-wide"
    assert response["Vary"] == "Accept-Language"
    assert response["Cache-Control"] == "public, max-age=60"


def test_a_product_pledge_wins_and_a_fixed_amount_is_money(api: Api, keys: Keys) -> None:
    load(
        catalog(
            percent_pledge("pl-wide"),
            fixed_pledge("pl-beras", amount_minor=50_000, product_id=PRODUCT),
        )
    )
    badge = api.get(BADGE, headers={"Accept-Language": "en"}).json()
    assert badge["pledge"]["id"] == "pl-beras"
    assert badge["text"] == "IDR500.00 of each item goes to Project makan-siang"
    # For a listing in another currency the fixed pledge does not apply.
    assert api.get(BADGE + "?currency=USD").json()["pledge"]["id"] == "pl-wide"


def test_the_count_follows_donations(api: Api, keys: Keys) -> None:
    assert api.get(BADGE).json()["donations"] == 0
    api.events(
        paid("p-1", "o-1"),
        paid("p-2", "o-2"),
        paid("p-3", "o-3", product_id="lain"),
        key=keys.marketplace,
    )
    assert api.get(BADGE).json()["donations"] == 2


def test_etag_answers_304_until_it_changes(api: Api, keys: Keys) -> None:
    first = api.get(BADGE)
    etag = first["ETag"]
    cached = api.get(BADGE, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    api.events(paid("p-1", "o-1"), key=keys.marketplace)
    changed = api.get(BADGE, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_no_pledge_in_force(api: Api, keys: Keys) -> None:
    badge = api.get(BADGE + "?at=2025-06-01T00:00:00Z").json()
    assert badge["pledge"] is None and badge["text"] is None


def test_unknown_merchant_and_bad_time(api: Api, keys: Keys) -> None:
    problem(api.get("/api/v1/merchants/nobody/products/x/badge"), 404, "not-found")
    problem(api.get(BADGE + "?at=yesterday"), 422, "validation-failed")
