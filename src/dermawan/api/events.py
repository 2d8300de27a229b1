"""``POST /events``: a batch of up to 1,000 order events, applied by the engine."""

from __future__ import annotations

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from dermawan.api.auth import MARKETPLACE, require
from dermawan.api.bodies import body_bytes
from dermawan.api.event_batches import apply_records
from dermawan.api.event_bodies import event_values

router = Router(tags=["events"])


class Counts(Schema):
    read: int
    applied: int
    duplicates: int
    parked: int
    rejected: int
    donations_created: int


class EventOutcome(Schema):
    event_id: str
    outcome: str
    reason: str | None = None
    message: str | None = None


class EarlierRejection(Schema):
    event_id: str | None
    reason: str
    message: str


class EventBatchOut(Schema):
    run_id: int
    counts: Counts
    outcomes: list[EventOutcome]
    earlier_parked_rejected: list[EarlierRejection]


# The request body is documented from event_bodies.EventBatchIn (see app.py);
# it is read by hand, not by pydantic, for speed on 1,000-event batches.
@router.post(
    "/events",
    response={200: EventBatchOut, 413: None, 415: None, 422: None},
    openapi_extra={"x-dermawan-body": "EventBatchIn"},
)
def post_events(request: HttpRequest) -> HttpResponse:
    """Apply a batch of order events (the marketplace key); safe to retry.

    ``outcomes`` gives each event's fate in request order: ``applied``,
    ``duplicate``, ``parked`` (waiting for its line's ``paid``) or
    ``rejected`` with the spec's ``reason``. ``earlier_parked_rejected``
    lists events parked by earlier batches that were rejected now.
    """
    require(request, MARKETPLACE)
    answer = apply_records(event_values(body_bytes(request)))
    return HttpResponse(orjson.dumps(answer), content_type="application/json")
