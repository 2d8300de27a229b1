"""The served WSGI application: the API's lean middleware, the site's full one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dermawan.api import wsgi
from dermawan.core import collector
from tests.api.support import environ_of, serve

pytestmark = pytest.mark.django_db


def served(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, dict[str, str]]:
    """One request through ``dermawan.api.wsgi.application``: its status and headers."""
    environ = environ_of(method, path, body, "application/json", {})
    environ.update(headers)
    answer = serve(wsgi.application, environ)
    return answer.status_code, answer.headers


def test_api_requests_skip_the_site_middleware() -> None:
    status, headers = served("GET", "/api/v1/health", HTTP_ACCEPT_LANGUAGE="id")
    assert status == 200
    assert headers["x-content-type-options"] == "nosniff"  # SecurityMiddleware still runs
    # No session, locale or CSRF middleware: nothing varies by cookie or language.
    assert "vary" not in headers and "set-cookie" not in headers
    assert "content-security-policy" not in headers


def test_api_errors_outside_a_view_are_still_problem_documents() -> None:
    status, headers = served("GET", "/api/v1/no-such-thing")
    assert status == 404
    assert headers["content-type"].startswith("application/problem+json")


def test_site_pages_keep_their_middleware() -> None:
    status, headers = served("GET", "/", HTTP_ACCEPT_LANGUAGE="id")
    assert status == 200
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert "Accept-Language" in headers["vary"]
    # A form posted without its CSRF token is refused.
    status, _ = served("POST", "/accounts/login/", b"username=a&password=b",
                      CONTENT_TYPE="application/x-www-form-urlencoded")  # fmt: skip
    assert status == 403


# In a fresh process: importing the application at the top of this module
# settled the test runner's collector too, so only a new one shows a worker's start.
SETTLED = """
import gc, weakref
import dermawan.api.wsgi
print(gc.get_freeze_count() > 1000, gc.get_threshold()[0])
class Node: pass
a, b = Node(), Node()
a.other, b.other = b, a
gone = weakref.ref(a)
del a, b
gc.collect()
print(gone() is None)
"""


def test_a_server_process_freezes_its_startup_heap_and_still_collects_cycles() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "dermawan.settings"}
    answer = subprocess.run(
        [sys.executable, "-c", SETTLED], capture_output=True, text=True, env=environment,
        timeout=120, check=True,
    )  # fmt: skip
    frozen, threshold, collected = answer.stdout.split()
    assert frozen == "True"
    assert int(threshold) == collector.YOUNG_THRESHOLD
    assert collected == "True"
