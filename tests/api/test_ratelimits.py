"""Rate limits per key: 429 with Retry-After, and other keys unaffected."""

from __future__ import annotations

import pytest

from dermawan.api import ratelimits
from dermawan.api.keys import create_key
from tests.api.support import Api, Keys, problem

pytestmark = pytest.mark.django_db


def test_over_the_limit_is_429_with_retry_after(api: Api, keys: Keys) -> None:
    slow = create_key("merchant", "toko-tani", rate_per_second=0.5, burst=2).secret
    assert api.get("/api/v1/pledges", key=slow).status_code == 200
    assert api.get("/api/v1/pledges", key=slow).status_code == 200
    response = api.get("/api/v1/pledges", key=slow)
    problem(response, 429, "rate-limited")
    assert 1 <= int(response["Retry-After"]) <= 2
    # Another key of the same merchant has its own bucket.
    assert api.get("/api/v1/pledges", key=keys.merchant).status_code == 200


def test_anonymous_callers_are_limited_per_address(
    api: Api, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ratelimits.DEFAULTS, "anonymous", (1.0, 3))
    statuses = [api.get("/api/v1/totals").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_tokens_come_back_with_time() -> None:
    ratelimits.take("t", 2.0, 1, now=100.0)
    with pytest.raises(Exception, match="retry in 1 s"):
        ratelimits.take("t", 2.0, 1, now=100.1)
    ratelimits.take("t", 2.0, 1, now=100.6)


def test_each_server_process_takes_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERMAWAN_SERVE_WORKERS", "2")
    ratelimits.take("s", 10.0, 4, now=0.0)
    ratelimits.take("s", 10.0, 4, now=0.0)
    with pytest.raises(Exception, match="retry in"):
        ratelimits.take("s", 10.0, 4, now=0.0)
