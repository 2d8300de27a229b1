"""The delivery worker: claim due deliveries, send them signed, record what happened.

A round claims up to ``limit`` due deliveries (a lease, so a crashed worker's
claims come back after it expires, and on PostgreSQL ``SKIP LOCKED`` lets
several workers share the queue), sends them concurrently with a timeout,
then records each attempt. A failure is retried with exponential backoff
(``backoff``) until 24 hours after the message was written; then the
delivery is dead-lettered, listed by the API, and can be re-queued there.
"""

from __future__ import annotations

import http.client
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db import connection, transaction

from dermawan.core.instants import MICROS_PER_SECOND, to_rfc3339
from dermawan.webhooks import signing
from dermawan.webhooks.models import Attempt, Delivery, Endpoint, Message
from dermawan.webhooks.sealing import unseal

USER_AGENT = "dermawan-webhooks/1"
MAX_ERROR = 500


def _setting(name: str, default: float) -> float:
    value: float = float(getattr(settings, name, default))
    return value


def retry_window_seconds() -> float:
    return _setting("DERMAWAN_WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600)


def backoff(attempts: int, *, jitter: Callable[[], float] = random.random) -> float:
    """Seconds to wait after the ``attempts``-th failure: 10 s doubling, at most 1 h, ±10 %."""
    base = _setting("DERMAWAN_WEBHOOK_BACKOFF_BASE_SECONDS", 10)
    cap = _setting("DERMAWAN_WEBHOOK_BACKOFF_CAP_SECONDS", 3600)
    delay = min(base * (1 << max(attempts - 1, 0)), cap)
    return delay * (0.9 + 0.2 * jitter())


class Sent(NamedTuple):
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Sent:
    """POST ``body``; never raises. Redirects are not followed (a 3xx is a failure)."""
    started = time.perf_counter()
    parts = urlsplit(url)
    conn_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_class(parts.hostname or "", parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "content-type": "application/json",
                "user-agent": USER_AGENT,
            },
        )
        response = conn.getresponse()
        response.read(64 * 1024)
        code, error = response.status, "" if 200 <= response.status < 300 else response.reason
    except TimeoutError:
        code, error = None, f"timed out after {timeout:g} s"
    except (OSError, http.client.HTTPException) as problem:
        code, error = None, f"{type(problem).__name__}: {problem}"
    finally:
        conn.close()
    return Sent(code, error[:MAX_ERROR], round((time.perf_counter() - started) * 1000))


def body_of(message: Message) -> bytes:
    """The JSON document delivered: the message's id, type and time around its data."""
    return (
        b'{"id":'
        + orjson.dumps(f"msg_{message.pk}")
        + b',"type":'
        + orjson.dumps(message.type)
        + b',"created_at":'
        + orjson.dumps(to_rfc3339(message.created_at_us))
        + b',"data":'
        + message.data.encode()
        + b"}"
    )


@dataclass
class Round:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    ids: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.failed + self.dead


def claim(now_us: int, limit: int, lease_seconds: float) -> list[int]:
    """Due deliveries, leased to this worker until ``now + lease_seconds``."""
    with transaction.atomic():
        due = Delivery.objects.filter(
            status=Delivery.PENDING, next_attempt_at_us__lte=now_us, lease_until_us__lte=now_us
        ).order_by("next_attempt_at_us", "id")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        Delivery.objects.filter(id__in=ids).update(
            lease_until_us=now_us + int(lease_seconds * MICROS_PER_SECOND)
        )
    return ids


def deliver_round(
    *,
    now: Callable[[], float] = time.time,
    limit: int = 100,
    timeout: float = 10.0,
    concurrency: int = 8,
    sender: Callable[[str, bytes, dict[str, str], float], Sent] = send,
) -> Round:
    """One round: claim, send, record. Returns what became of the claimed deliveries."""
    started_us = int(now() * MICROS_PER_SECOND)
    ids = claim(started_us, limit, lease_seconds=timeout * 2 + 30)
    result = Round(ids=ids)
    if not ids:
        return result
    deliveries = list(Delivery.objects.filter(id__in=ids).select_related("message", "endpoint"))
    secrets: dict[int, str] = {}

    def attempt(delivery: Delivery) -> Sent:
        endpoint: Endpoint = delivery.endpoint
        body = body_of(delivery.message)
        headers = signing.headers(secrets[endpoint.id], f"dlv_{delivery.pk}", int(now()), body)
        return sender(endpoint.url, body, headers, timeout)

    for delivery in deliveries:  # unseal once per endpoint, before the threads
        if delivery.endpoint_id not in secrets:
            secrets[delivery.endpoint_id] = unseal(delivery.endpoint.secret_sealed)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(deliveries)))) as pool:
        outcomes = list(pool.map(attempt, deliveries))
    finished_us = int(now() * MICROS_PER_SECOND)
    window_us = int(retry_window_seconds() * MICROS_PER_SECOND)
    with transaction.atomic():
        for delivery, sent in zip(deliveries, outcomes, strict=True):
            _record(delivery, sent, started_us, finished_us, window_us, result)
    return result


def _record(
    delivery: Delivery, sent: Sent, started_us: int, now_us: int, window_us: int, result: Round
) -> None:
    Attempt.objects.create(
        delivery=delivery,
        at_us=started_us,
        status_code=sent.status_code,
        error=sent.error,
        duration_ms=sent.duration_ms,
    )
    delivery.attempts += 1
    delivery.last_status_code = sent.status_code
    delivery.last_error = sent.error
    delivery.lease_until_us = 0
    if sent.ok:
        delivery.status = Delivery.DELIVERED
        delivery.finished_at_us = now_us
        result.delivered += 1
    else:
        retry_at = now_us + int(backoff(delivery.attempts) * MICROS_PER_SECOND)
        if retry_at > delivery.created_at_us + window_us:
            delivery.status = Delivery.DEAD
            delivery.finished_at_us = now_us
            result.dead += 1
        else:
            delivery.next_attempt_at_us = retry_at
            result.failed += 1
    delivery.save(
        update_fields=[
            "attempts", "last_status_code", "last_error", "lease_until_us", "status",
            "finished_at_us", "next_attempt_at_us",
        ]
    )  # fmt: skip


def requeue(delivery: Delivery, now_us: int) -> None:
    """A dead delivery goes back in the queue, with a fresh 24 hours."""
    delivery.status = Delivery.PENDING
    delivery.created_at_us = now_us
    delivery.next_attempt_at_us = now_us
    delivery.lease_until_us = 0
    delivery.finished_at_us = None
    delivery.save(
        update_fields=[
            "status", "created_at_us", "next_attempt_at_us", "lease_until_us", "finished_at_us"
        ]
    )  # fmt: skip


def run_worker(
    *,
    max_seconds: float | None,
    once: bool,
    poll_seconds: float,
    stop: Callable[[], bool] = lambda: False,
    **round_options: Any,
) -> Round:
    """Rounds until stopped, the time is up, or (``once``) the queue has nothing due."""
    total = Round()
    started = time.monotonic()
    while not stop():
        done = deliver_round(**round_options)
        total.delivered += done.delivered
        total.failed += done.failed
        total.dead += done.dead
        if once and not done.ids:
            break
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            break
        if not done.ids:
            time.sleep(poll_seconds)
    return total
