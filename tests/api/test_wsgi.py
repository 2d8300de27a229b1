"""The served WSGI application: the API's lean middleware, the site's full one."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from dermawan.api import wsgi

pytestmark = pytest.mark.django_db


def serve(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, dict[str, str]]:
    """One request through ``dermawan.api.wsgi.application``: its status and headers."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json", **headers,
    }  # fmt: skip
    answered: dict[str, Any] = {}

    def start_response(status: str, header_list: list[tuple[str, str]], *_: Any) -> None:
        answered["status"] = int(status.split()[0])
        answered["headers"] = {name.lower(): value for name, value in header_list}

    # As Django's test client does: the test's transaction keeps its connection.
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        b"".join(wsgi.application(environ, start_response))
    finally:
        for signal in signals:
            signal.connect(close_old_connections)
    return answered["status"], answered["headers"]


def test_api_requests_skip_the_site_middleware() -> None:
    status, headers = serve("GET", "/api/v1/health", HTTP_ACCEPT_LANGUAGE="id")
    assert status == 200
    assert headers["x-content-type-options"] == "nosniff"  # SecurityMiddleware still runs
    # No session, locale or CSRF middleware: nothing varies by cookie or language.
    assert "vary" not in headers and "set-cookie" not in headers
    assert "content-security-policy" not in headers


def test_api_errors_outside_a_view_are_still_problem_documents() -> None:
    status, headers = serve("GET", "/api/v1/no-such-thing")
    assert status == 404
    assert headers["content-type"].startswith("application/problem+json")


def test_site_pages_keep_their_middleware() -> None:
    status, headers = serve("GET", "/", HTTP_ACCEPT_LANGUAGE="id")
    assert status == 200
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert "Accept-Language" in headers["vary"]
    # A form posted without its CSRF token is refused.
    status, _ = serve("POST", "/accounts/login/", b"username=a&password=b",
                      CONTENT_TYPE="application/x-www-form-urlencoded")  # fmt: skip
    assert status == 403
