"""The JSON API under /api/v1: routers, problem handlers, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.types import DictStrAny

from dermawan.api import (
    badges,
    catalog_admin,  # noqa: F401 - registers on public.router
    events,
    meta,
    openapi,
    pledges,
    public,
    receipts,
    webhook_routes,
)
from dermawan.api.auth import KeyAuth
from dermawan.api.problems import Problem, field_error, render

log = logging.getLogger("dermawan.api")


class OrjsonParser(Parser):
    """orjson refuses what the database could not store (lone surrogates) as invalid JSON."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return orjson.loads(request.body)  # type: ignore[no-any-return]


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data)


class DermawanAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return openapi.finish(super().get_openapi_schema(**kwargs))


api = DermawanAPI(
    title="dermawan",
    version="1",
    description=(
        "Goods for Good over HTTP: order events, pledges, badges, receipts, public totals "
        "and webhooks. Errors are RFC 9457 problem documents (application/problem+json)."
    ),
    docs_url=None,
    urls_namespace="api-v1",
    auth=KeyAuth(),
    parser=OrjsonParser(),
    renderer=OrjsonRenderer(),
)
# catalog_admin adds its operations to public's router (they share paths).
for module in (events, pledges, badges, receipts, public, webhook_routes, meta):
    api.add_router("", module.router)
api.add_router("", "dermawan.transparency.api.router")  # /log/...: the transparency log


def _field(location: tuple[Any, ...]) -> str:
    parts = list(location[2:] if location[:1] == ("body",) else location[1:])
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@api.exception_handler(Problem)
def on_problem(request: HttpRequest, problem: Problem) -> HttpResponse:
    return render(request, problem)


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = [field_error(_field(tuple(e.get("loc", ()))), str(e.get("msg"))) for e in error.errors]
    first = errors[0] if errors else field_error("", "invalid")
    return render(
        request,
        Problem("validation-failed", f"{first['field'] or 'the request'}: {first['detail']}",
                errors=errors),
    )  # fmt: skip


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400 and str(error).startswith("Cannot parse"):
        return render(request, Problem("invalid-json", "the body is not valid JSON"))
    code = {401: "unauthorized", 403: "forbidden", 404: "not-found", 429: "rate-limited"}
    return render(request, Problem(code.get(error.status_code, "bad-request"), str(error)))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return render(request, Problem("not-found", str(error) or f"nothing at {request.path}"))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return render(request, Problem("body-too-large", "the body is larger than 5 MiB"))


@api.exception_handler(Exception)
def on_crash(request: HttpRequest, error: Exception) -> HttpResponse:
    log.exception("API request %s %s failed", request.method, request.path)
    return render(request, Problem("internal-error", "the request failed; it was not applied"))
