"""Delivery against a local receiver that fails, times out and recovers; dead letters."""

from __future__ import annotations

import time
from typing import Any

import pytest

from dermawan.webhooks import signing
from dermawan.webhooks.delivery import backoff, deliver_round
from dermawan.webhooks.models import Attempt, Delivery, Endpoint
from dermawan.webhooks.sealing import seal
from tests.donations.builders import call_json, completed, ingest, load_default_catalog, paid
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.django_db
SECRET = signing.new_secret()
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def confirmed_donation(url: str) -> Endpoint:
    load_default_catalog()
    hook = Endpoint.objects.create(
        url=url, events=["donation.confirmed"], secret_sealed=seal(SECRET)
    )
    ingest(paid("p-1", "o-1"), completed("c-1", "o-1"))
    assert Delivery.objects.count() == 1
    return hook


def test_fails_times_out_then_recovers() -> None:
    with receiver(["fail", "slow", "ok"]) as box:
        confirmed_donation(box.url)
        clock = Clock()
        first = deliver_round(now=clock, timeout=0.5)
        assert (first.delivered, first.failed) == (0, 1)
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "pending",
            1,
            500,
        )
        wait = (delivery.next_attempt_at_us / 1e6) - clock.now
        assert 9 <= wait <= 11  # 10 s, ±10 %
        assert deliver_round(now=clock, timeout=0.5).ids == []  # not due yet
        clock.now += 11
        second = deliver_round(now=clock, timeout=0.5)
        assert second.failed == 1
        delivery.refresh_from_db()
        assert delivery.last_status_code is None and "timed out" in delivery.last_error
        clock.now += 25
        third = deliver_round(now=clock, timeout=0.5)
        assert third.delivered == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("delivered", 3)
        assert Attempt.objects.filter(delivery=delivery).count() == 3
        # Every try carried the same delivery id, each signed over its timestamp.
        assert len(box.received) == 3
        assert {r.headers["webhook-id"] for r in box.received} == {f"dlv_{delivery.pk}"}
        for got in box.received:
            assert signing.verify(SECRET, got.headers, got.body, now=int(clock.now))
            assert not signing.verify(SECRET, got.headers, got.body + b" ", now=int(clock.now))
        body: dict[str, Any] = __import__("json").loads(box.received[-1].body)
        assert body["type"] == "donation.confirmed" and body["data"]["order_id"] == "o-1"
        assert body["id"] == f"msg_{delivery.message_id}"


def test_after_24_hours_it_is_dead_lettered_listed_and_can_be_retried(client: Any) -> None:
    from dermawan.api.keys import create_key

    with receiver(["fail"]) as box:
        confirmed_donation(box.url)
        clock = Clock()
        rounds = 0
        while Delivery.objects.get().status == "pending" and rounds < 100:
            deliver_round(now=clock, timeout=0.5)
            clock.now += HOUR  # the cap: at most an hour between tries
            rounds += 1
        delivery = Delivery.objects.get()
        assert delivery.status == "dead"
        assert 15 <= delivery.attempts <= 25  # hourly rounds over a 24-hour window
        assert (delivery.finished_at_us - delivery.created_at_us) <= 24 * HOUR * 1e6 + HOUR * 1e6
        key = create_key("marketplace").secret
        auth = {"Authorization": f"Bearer {key}"}
        dead = client.get("/api/v1/webhooks/deliveries", headers=auth).json()
        assert [d["id"] for d in dead["items"]] == [delivery.pk]
        assert dead["items"][0]["last_status_code"] == 500
        box.script[:] = ["ok"]
        retried = client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/retry", headers=auth)
        assert retried.status_code == 200 and retried.json()["status"] == "pending"
        clock.now = time.time()
        assert deliver_round(now=clock, timeout=0.5).delivered == 1
        assert client.get("/api/v1/webhooks/deliveries", headers=auth).json()["items"] == []
        from dermawan.auditlog.entries import entries

        assert entries(action_prefix="webhooks.delivery.").get().subject == (
            f"webhook-delivery:{delivery.pk}"
        )


def test_backoff_doubles_up_to_an_hour() -> None:
    exact = [backoff(n, jitter=lambda: 0.5) for n in range(1, 12)]
    assert exact[:4] == [10, 20, 40, 80]
    assert max(exact) == 3600 and exact[-1] == 3600
    assert backoff(1, jitter=lambda: 0.0) == 9.0 and backoff(1, jitter=lambda: 1.0) == 11.0


def test_the_worker_command_sends_what_is_due(capsys: Any) -> None:
    with receiver(["ok"]) as box:
        confirmed_donation(box.url)
        code, done = call_json("deliver_webhooks", "--once", "--timeout", "2", capsys=capsys)
    assert code == 0 and done == {"delivered": 1, "retrying": 0, "dead": 0}
    assert len(box.received) == 1


def test_registering_an_endpoint_over_the_api(client: Any) -> None:
    from dermawan.api.keys import create_key

    auth = {"Authorization": f"Bearer {create_key('marketplace').secret}"}
    made = client.post(
        "/api/v1/webhooks/endpoints",
        content_type="application/json",
        data={"url": "http://127.0.0.1:9/h", "events": ["donation.reversed"]},
        headers=auth,
    )
    assert made.status_code == 201
    assert made.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks/endpoints", headers=auth).json()["items"]
    assert "secret" not in listed[0] and listed[0]["events"] == ["donation.reversed"]
    bad = client.post(
        "/api/v1/webhooks/endpoints",
        content_type="application/json",
        data={"url": "ftp://x", "events": ["donation.reversed"]},
        headers=auth,
    )
    assert bad.status_code == 422
    from dermawan.auditlog.entries import entries

    endpoint_id = made.json()["id"]
    client.delete(f"/api/v1/webhooks/endpoints/{endpoint_id}", headers=auth)
    assert [(e.action, e.subject) for e in entries()] == [
        ("webhooks.endpoint.disable", f"webhook-endpoint:{endpoint_id}"),
        ("webhooks.endpoint.register", f"webhook-endpoint:{endpoint_id}"),
    ]  # the refused registration left none
    gone = client.delete(f"/api/v1/webhooks/endpoints/{made.json()['id']}", headers=auth)
    assert gone.json()["active"] is False
