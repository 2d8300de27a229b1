"""``POST /api/v1/events`` on the hot path (api/hot_path.py): the route's answers, faster.

The served application sends this one route past the URL resolver and
Ninja. Every test of tests/api/test_events.py also runs through it; these
check what only the served application can get wrong: which requests take
the hot path, and that it answers exactly as the Ninja route does.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.core.signals import request_finished, request_started

from dermawan.api import hot_path, wsgi
from dermawan.api.keys import create_key
from tests.api.support import Keys, environ_of, problem, serve
from tests.donations.builders import paid

pytestmark = pytest.mark.django_db


def _environ(body: Any = None, *, key: str | None = None, raw: bytes | None = None,
             content_type: str = "application/json", method: str = "POST",
             path: str = hot_path.PATH) -> dict[str, Any]:  # fmt: skip
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return environ_of(method, path, data, content_type, headers)


def test_only_a_post_to_the_events_path_takes_it(
    keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[str] = []
    view = hot_path.events_view

    def recording(request: Any) -> Any:
        taken.append(f"{request.method} {request.path}")
        return view(request)

    monkeypatch.setattr(hot_path, "events_view", recording)
    answer = serve(wsgi.application, _environ({"events": [paid("p-1")]}, key=keys.marketplace))
    assert answer.status_code == 200 and answer.json()["counts"]["applied"] == 1
    assert taken == ["POST /api/v1/events"]
    problem(serve(wsgi.application, _environ(b"", method="GET", raw=b"")), 405,
            "method-not-allowed")  # fmt: skip
    for path in ("/api/v1/events/", "/api/v1/health", "/api/v1/eventsx"):
        serve(wsgi.application, _environ({"events": []}, key=keys.marketplace, path=path))
    assert taken == ["POST /api/v1/events"]


REFUSED = {
    "no key": {"body": {"events": [paid("p-1")]}},
    "a key nobody has": {"body": {"events": [paid("p-1")]}, "key": "dk_live_nobody"},
    "a merchant's key": {"body": {"events": [paid("p-1")]}, "key": "merchant"},
    "a revoked key": {"body": {"events": [paid("p-1")]}, "key": "revoked"},
    "not JSON": {"raw": b'{"events": [', "key": "marketplace"},
    "not application/json": {"raw": b"{}", "content_type": "text/plain", "key": "marketplace"},
    "an unknown field": {"body": {"events": [{**paid("p-1"), "colour": 1}]}, "key": "marketplace"},
    "1,001 events": {"body": {"events": [paid(f"p-{i}") for i in range(1001)]},
                     "key": "marketplace"},
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_it_refuses_as_the_route_does(keys: Keys, case: str) -> None:
    given = dict(REFUSED[case])
    if given.get("key") in ("marketplace", "merchant", "revoked"):
        given["key"] = getattr(keys, given["key"])
    hot = serve(wsgi.events_application, _environ(**given))
    route = serve(wsgi.api_application, _environ(**given))
    assert hot.status_code >= 400
    assert (hot.status_code, hot.headers, hot.content) == (
        route.status_code,
        route.headers,
        route.content,
    )


def test_it_answers_a_batch_as_the_route_does(keys: Keys) -> None:
    batch = {"events": [paid("p-1", "o-1"), paid("p-2", "o-2"), {**paid("p-3"), "quantity": 0}]}
    first = serve(wsgi.api_application, _environ(batch, key=keys.marketplace))
    hot = serve(wsgi.events_application, _environ(batch, key=keys.marketplace))
    again = serve(wsgi.api_application, _environ(batch, key=keys.marketplace))
    assert first.json()["counts"]["applied"] == 2
    assert [o["outcome"] for o in hot.json()["outcomes"]] == ["duplicate", "duplicate", "rejected"]
    assert hot.headers.keys() == again.headers.keys()
    assert hot.headers["content-type"] == "application/json"
    # The same answer but for the run that judged it.
    assert {**hot.json(), "run_id": 0} == {**again.json(), "run_id": 0}
    assert hot.json()["run_id"] != again.json()["run_id"]


def test_a_crash_is_a_logged_500_problem(
    keys: Keys, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(records: Any) -> Any:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr("dermawan.api.events.apply_records", crash)
    given = _environ({"events": [paid("p-1")]}, key=keys.marketplace)
    with caplog.at_level(logging.ERROR):
        hot = serve(wsgi.events_application, given)
    assert "API request POST /api/v1/events failed" in caplog.text
    assert "the engine broke" in caplog.text  # the traceback, not in the answer
    document = problem(hot, 500, "internal-error")
    assert "broke" not in json.dumps(document)
    route = serve(wsgi.api_application, _environ({"events": [paid("p-1")]}, key=keys.marketplace))
    assert (hot.status_code, hot.headers, hot.content) == (
        route.status_code,
        route.headers,
        route.content,
    )


def test_a_key_over_its_rate_gets_429_with_retry_after(keys: Keys) -> None:
    slow = create_key("marketplace", rate_per_second=0.5, burst=1).secret
    assert serve(wsgi.application, _environ({"events": [paid("p-1")]}, key=slow)).status_code == 200
    refused = serve(wsgi.application, _environ({"events": [paid("p-2")]}, key=slow))
    problem(refused, 429, "rate-limited")
    assert 1 <= int(refused["Retry-After"]) <= 2


def test_each_request_still_opens_and_ends_a_django_request(keys: Keys) -> None:
    """Django's request signals close a connection that failed or aged out."""
    seen: list[str] = []

    def started(**_: Any) -> None:
        seen.append("started")

    def finished(**_: Any) -> None:
        seen.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        serve(wsgi.application, _environ({"events": [paid("p-1")]}, key=keys.marketplace))
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert seen == ["started", "finished"]
