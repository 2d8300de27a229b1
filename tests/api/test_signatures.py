"""Signed requests: HMAC-SHA256 with a timestamp; outside ±5 minutes or reused, refused."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pytest

from dermawan.api.keys import create_key
from dermawan.api.signatures import HEADER, sign
from tests.api.support import Api, Keys, problem, state
from tests.donations.builders import paid

pytestmark = pytest.mark.django_db
PATH = "/api/v1/events"


@pytest.fixture
def signer(keys: Keys) -> tuple[str, str]:
    made = create_key("marketplace", signing=True, require_signature=True)
    assert made.signing_secret is not None
    return made.secret, made.signing_secret


def send(api: Api, key: str, body: bytes, signature: str | None) -> Any:
    headers = {HEADER: signature} if signature is not None else {}
    return api.post(PATH, key=key, raw=body, headers=headers)


def body(event_id: str = "p-1") -> bytes:
    return json.dumps({"events": [paid(event_id, f"o-{event_id}")]}).encode()


def test_a_good_signature_is_accepted_once(api: Api, signer: tuple[str, str]) -> None:
    key, secret = signer
    payload = body()
    signature = sign(secret, int(time.time()), "POST", PATH, payload)
    assert send(api, key, payload, signature).status_code == 200
    before = state()
    problem(send(api, key, payload, signature), 401, "signature-replayed")
    assert state() == before


@pytest.mark.parametrize("skew", [-301, 302, -3600])
def test_a_timestamp_outside_five_minutes_is_refused(
    api: Api, signer: tuple[str, str], skew: int
) -> None:
    key, secret = signer
    payload = body()
    # Whole seconds rounded away from the server's clock, which reads later
    # than ours: a future stamp keeps a second for the request's own time.
    now = time.time()
    stamp = (math.ceil(now) if skew > 0 else math.floor(now)) + skew
    signature = sign(secret, stamp, "POST", PATH, payload)
    before = state()
    problem(send(api, key, payload, signature), 401, "signature-expired")
    assert state() == before


@pytest.mark.parametrize("skew", [-290, 290])
def test_a_timestamp_inside_five_minutes_passes(
    api: Api, signer: tuple[str, str], skew: int
) -> None:
    key, secret = signer
    payload = body()
    signature = sign(secret, int(time.time()) + skew, "POST", PATH, payload)
    assert send(api, key, payload, signature).status_code == 200


def test_tampering_breaks_the_signature(api: Api, signer: tuple[str, str]) -> None:
    key, secret = signer
    now = int(time.time())
    signature = sign(secret, now, "POST", PATH, body("p-1"))
    before = state()
    problem(send(api, key, body("p-2"), signature), 401, "bad-signature")  # another body
    problem(
        send(api, key, body("p-1"), sign(secret, now, "POST", "/api/v1/x", body("p-1"))),
        401,
        "bad-signature",
    )  # signed for another path
    problem(
        send(api, key, body("p-1"), sign("wrong-secret", now, "POST", PATH, body("p-1"))),
        401,
        "bad-signature",
    )
    problem(send(api, key, body("p-1"), "v1=abc"), 401, "bad-signature")  # no timestamp
    assert state() == before


def test_a_key_that_requires_signatures_refuses_unsigned(api: Api, signer: tuple[str, str]) -> None:
    key, _ = signer
    before = state()
    problem(send(api, key, body(), None), 401, "signature-required")
    problem(api.get("/api/v1/projects", key=key), 401, "signature-required")
    assert state() == before


def test_signing_is_optional_for_other_keys(api: Api, keys: Keys) -> None:
    assert send(api, keys.marketplace, body(), None).status_code == 200
    # A key without a signing secret cannot sign at all.
    signature = sign("anything", int(time.time()), "POST", PATH, body("p-2"))
    problem(send(api, keys.marketplace, body("p-2"), signature), 401, "bad-signature")


def test_a_signed_get_covers_the_query(api: Api, signer: tuple[str, str]) -> None:
    key, secret = signer
    path = "/api/v1/projects?limit=1"
    good = sign(secret, int(time.time()), "GET", path, b"")
    assert api.get(path, key=key, headers={HEADER: good}).status_code == 200
    other = sign(secret, int(time.time()), "GET", "/api/v1/projects?limit=1", b"")
    problem(
        api.get("/api/v1/projects?limit=2", key=key, headers={HEADER: other}), 401, "bad-signature"
    )
