"""A Content-Security-Policy on every page: our own scripts and styles only.

Pages load nothing from other hosts and run no inline script, so an
injected ``<script>`` would not run even if escaping ever failed. API
responses (JSON) are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from dermawan.api.middleware import API_PREFIX

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            response.setdefault("Content-Security-Policy", POLICY)
        return response
