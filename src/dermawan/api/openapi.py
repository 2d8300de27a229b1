"""Finishing Ninja's OpenAPI document: problem responses, common errors, the events body.

Every error response is documented as ``application/problem+json`` with the
``ProblemOut`` schema; every operation lists the errors any request can
meet (400, 401, 403, 422, 429); ``POST /events`` gets its body schema from
``EventBatchIn`` (the body is read by hand, see event_bodies.py).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel

from dermawan.api.event_bodies import EventBatchIn
from dermawan.api.problems import MEDIA_TYPE
from dermawan.api.schemas import ProblemOut

COMMON_ERRORS = (400, 401, 403, 422, 429)
REF = "#/components/schemas/{model}"
BODIES: dict[str, type[BaseModel]] = {"EventBatchIn": EventBatchIn}


def _component(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=REF)
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def finish(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = {MEDIA_TYPE: {"schema": _component(schemas, ProblemOut)}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in COMMON_ERRORS:
                responses.setdefault(code, {})
            for code in list(responses):
                status = int(code)
                if status >= 400:
                    responses[code] = {
                        "description": HTTPStatus(status).phrase,
                        "content": problem,
                    }
            body = operation.pop("x-dermawan-body", None)
            if body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _component(schemas, BODIES[body])}},
                }
    return document
