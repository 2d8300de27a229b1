"""Reading a JSON body: media type, size, syntax; problems that name what is wrong."""

from __future__ import annotations

from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.request import RawPostDataException

from dermawan.api.problems import Problem

MAX_BODY_BYTES = 5 * 2**20


def body_bytes(request: HttpRequest, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, unparsed; 415 or 413 problems before anything is done with it."""
    media = request.content_type or ""
    if media != "application/json" and not media.endswith("+json"):
        raise Problem(
            "unsupported-media-type", f"the body must be application/json, not {media or 'none'}"
        )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise Problem("body-too-large", f"the body is {declared:,} bytes; the limit is {limit:,}")
    try:
        raw = request.body
    except (RequestDataTooBig, RawPostDataException) as error:
        raise Problem("body-too-large", f"the body is over the limit of {limit:,} bytes") from error
    if len(raw) > limit:
        raise Problem("body-too-large", f"the body is {len(raw):,} bytes; the limit is {limit:,}")
    return raw


def parse_json(raw: bytes) -> Any:
    """The parsed document; a 400 problem if it is not JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise Problem("invalid-json", f"the body is not valid JSON: {error}") from None
