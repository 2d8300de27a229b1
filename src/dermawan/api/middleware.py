"""Every error under /api/ is a problem document, whatever raised it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"


class ProblemMiddleware:
    """Turns a non-problem error response of the API into RFC 9457 (404, 405, 500 ...).

    Ninja's handlers already answer with problems; this catches what happens
    outside them: unknown paths, methods a path does not take, a crash.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        if response.status_code < 400:
            if not response.streaming and not response.has_header("Content-Length"):
                # Keep-alive clients read exactly this much (no chunked encoding).
                response["Content-Length"] = str(len(response.content))
            return response
        if response.get("Content-Type", "").startswith("application/problem+json"):
            return response
        from dermawan.api.problems import problem_for_status

        converted = problem_for_status(request, response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                converted[header] = response[header]
        converted["Content-Length"] = str(len(converted.content))
        return converted

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        from dermawan.api.problems import problem_for_status

        return problem_for_status(request, 500)
