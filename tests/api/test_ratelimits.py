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


@pytest.fixture
def shared(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The API's limits in a real Redis, under a namespace of this test's own."""
    import uuid

    prefix = f"dermawan-test-{uuid.uuid4().hex}:"
    monkeypatch.setenv("DERMAWAN_REDIS_URL", redis_url)
    monkeypatch.setenv("DERMAWAN_REDIS_PREFIX", prefix)
    return prefix


def test_servers_sharing_redis_share_one_bucket(redis_url: str) -> None:
    import uuid

    prefix = f"dermawan-test-{uuid.uuid4().hex}:"
    one, two = (
        ratelimits.SharedBuckets(redis_url, prefix),
        ratelimits.SharedBuckets(redis_url, prefix),
    )
    waits = [server.wait("key:1", 0.5, 3) for server in (one, two, one, two)]
    assert waits[:3] == [0, 0, 0]
    assert 1.5 < waits[3] <= 2.0  # the fourth request, on either server, waits for a token
    assert one.wait("key:2", 0.5, 3) == 0  # another caller has its own bucket


def test_a_shared_bucket_refills_on_the_redis_clock(redis_url: str) -> None:
    import time
    import uuid

    bucket = ratelimits.SharedBuckets(redis_url, f"dermawan-test-{uuid.uuid4().hex}:")
    assert bucket.wait("k", 20.0, 1) == 0
    assert 0 < bucket.wait("k", 20.0, 1) <= 0.05
    time.sleep(0.06)
    assert bucket.wait("k", 20.0, 1) == 0


def test_the_api_limits_through_redis(api: Api, keys: Keys, shared: str, redis_url: str) -> None:
    slow = create_key("merchant", "toko-tani", rate_per_second=0.5, burst=2)
    assert [api.get("/api/v1/pledges", key=slow.secret).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    ratelimits.reset()  # a new server process: the count lives in Redis, not here
    problem(api.get("/api/v1/pledges", key=slow.secret), 429, "rate-limited")
    import redis

    assert redis.Redis.from_url(redis_url).exists(f"{shared}rate:key:{slow.key.id}")


def test_without_redis_the_api_limits_per_process(
    api: Api, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERMAWAN_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    slow = create_key("merchant", "toko-tani", rate_per_second=0.5, burst=2).secret
    statuses = [api.get("/api/v1/pledges", key=slow).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # served, and still limited
