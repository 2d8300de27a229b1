"""The API about itself: a health check (also the benchmark's bare endpoint) and problem types."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from dermawan.api.auth import OPTIONAL
from dermawan.api.problems import TYPE_BASE, TYPES, Problem

router = Router(tags=["meta"])
HEALTHY = b'{"ok":true}'


class Health(Schema):
    ok: bool


class ProblemTypeOut(Schema):
    type: str
    status: int
    title: str


class ProblemTypes(Schema):
    items: list[ProblemTypeOut]


@router.api_operation(["GET", "POST"], "/health", response=Health, auth=None)
def health(request: HttpRequest) -> HttpResponse:
    """Answers at once: no key, no database (a POST body is read and dropped)."""
    if request.method == "POST":
        request.body  # noqa: B018 - read, as a real endpoint would
    return HttpResponse(HEALTHY, content_type="application/json")


def _type_out(code: str) -> dict[str, object]:
    kind = TYPES[code]
    return {"type": TYPE_BASE + code, "status": kind.status, "title": kind.title}


@router.get("/problems", response=ProblemTypes, openapi_extra=OPTIONAL)
def problem_types(request: HttpRequest) -> dict[str, object]:
    """Every problem ``type`` this API answers with."""
    return {"items": [_type_out(code) for code in TYPES]}


@router.get("/problems/{code}", response={200: ProblemTypeOut, 404: None}, openapi_extra=OPTIONAL)
def problem_type(request: HttpRequest, code: str) -> dict[str, object]:
    if code not in TYPES:
        raise Problem("not-found", f"no problem type {code}")
    return _type_out(code)
