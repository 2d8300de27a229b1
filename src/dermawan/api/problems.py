"""Errors as RFC 9457 problem documents, each with a stable ``type``.

A problem's ``type`` is ``/api/v1/problems/<code>`` (a URI reference that
dereferences to its description); ``title`` is fixed per type, ``detail``
says what happened this time, and extension members carry the rest:
``errors`` (each with the ``field`` and JSON ``pointer`` it concerns) for
bad input, ``reason`` with the spec's reason code where there is one.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson
from django.http import HttpRequest, HttpResponse

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


class ProblemType(NamedTuple):
    code: str
    status: int
    title: str


TYPES: dict[str, ProblemType] = {
    t.code: t
    for t in (
        ProblemType("invalid-json", 400, "The body is not valid JSON"),
        ProblemType("bad-request", 400, "The request is not understood"),
        ProblemType("unauthorized", 401, "No valid API key"),
        ProblemType("revoked-key", 401, "The API key was revoked"),
        ProblemType("signature-required", 401, "This key's requests must be signed"),
        ProblemType("bad-signature", 401, "The request signature does not match"),
        ProblemType("signature-expired", 401, "The signature's timestamp is outside ±5 minutes"),
        ProblemType("signature-replayed", 401, "The signature was already used"),
        ProblemType("forbidden", 403, "This key may not do that"),
        ProblemType("not-found", 404, "No such resource"),
        ProblemType("method-not-allowed", 405, "The resource does not take this method"),
        ProblemType("not-acceptable", 406, "No acceptable representation"),
        ProblemType("conflict", 409, "The request conflicts with the current state"),
        ProblemType("pledge-exists", 409, "A pledge with this id exists with other terms"),
        ProblemType("pledge-immutable", 409, "A loaded pledge may only change valid_to"),
        ProblemType("overlapping-pledge", 409, "The pledge overlaps another of its scope"),
        ProblemType("pledge-ended", 409, "The pledge has already ended"),
        ProblemType("body-too-large", 413, "The body is larger than 5 MiB"),
        ProblemType("batch-too-large", 413, "More than 1,000 events in one batch"),
        ProblemType("unsupported-media-type", 415, "The body must be application/json"),
        ProblemType("validation-failed", 422, "The request does not match its schema"),
        ProblemType("catalog-refused", 422, "The catalog record was refused"),
        ProblemType("rate-limited", 429, "Too many requests for this key"),
        ProblemType("internal-error", 500, "Something went wrong on our side"),
        ProblemType("unavailable", 503, "The service is busy; retry later"),
    )
}
BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    429: "rate-limited",
    503: "unavailable",
}


class Problem(Exception):
    """Raise anywhere in the API: the exception handler renders it."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.type = TYPES[code]
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


def field_error(field: str, detail: str) -> dict[str, str]:
    """An entry of a problem's ``errors``: ``events[3].quantity`` and ``/events/3/quantity``."""
    pointer = "/" + field.replace("[", "/").replace("]", "").replace(".", "/") if field else ""
    return {"field": field, "pointer": pointer, "detail": detail}


def invalid(field: str, detail: str) -> Problem:
    return Problem("validation-failed", f"{field}: {detail}", errors=[field_error(field, detail)])


def render(request: HttpRequest | None, problem: Problem) -> HttpResponse:
    kind = problem.type
    document: dict[str, Any] = {
        "type": TYPE_BASE + kind.code,
        "title": kind.title,
        "status": kind.status,
        "detail": problem.detail,
    }
    if request is not None:
        document["instance"] = request.path
    document.update(problem.extensions)
    body = orjson.dumps(document)
    response = HttpResponse(body, status=kind.status, content_type=MEDIA_TYPE)
    response["Content-Length"] = str(len(body))
    for name, value in problem.headers.items():
        response[name] = value
    return response


def problem_for_status(request: HttpRequest, status: int) -> HttpResponse:
    code = BY_STATUS.get(status, "internal-error" if status >= 500 else "bad-request")
    detail = {
        404: f"nothing at {request.path}",
        405: f"{request.path} does not take {request.method}",
        500: "the request failed; it was not applied",
    }.get(status, TYPES[code].title)
    response = render(request, Problem(code, detail))
    response.status_code = status
    return response
