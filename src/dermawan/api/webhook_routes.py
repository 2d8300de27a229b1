"""The marketplace's webhook endpoints and its dead letters, over the API.

Marketplace and admin keys only. The secret is given by the marketplace (at
least 24 characters) or made here; either way it is shown in the answer to
the registration and never again (it is stored sealed).
"""

from __future__ import annotations

import time
from typing import Any, Literal
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from dermawan.api.auth import ADMIN, MARKETPLACE, require
from dermawan.api.problems import Problem, invalid
from dermawan.api.schemas import LIMIT, OFFSET, Page, StrictIn, Text
from dermawan.auditlog.entries import record
from dermawan.core.instants import MICROS_PER_SECOND, to_rfc3339
from dermawan.webhooks import signing
from dermawan.webhooks.delivery import requeue
from dermawan.webhooks.models import EVENT_TYPES, Delivery, Endpoint
from dermawan.webhooks.sealing import seal

router = Router(tags=["webhooks"])
EventType = Literal["donation.confirmed", "donation.reversed", "payout.paid"]


class EndpointIn(StrictIn):
    url: Text = Field(max_length=2000, description="http(s) URL that receives POSTs")
    events: list[EventType] = Field(min_length=1)
    secret: Text | None = Field(
        None, min_length=24, max_length=200, description="default: one is made (whsec_...)"
    )
    description: Text = Field("", max_length=200)


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: str


class EndpointCreated(EndpointOut):
    secret: str = Field(description="shown this once")


class EndpointList(Schema):
    items: list[EndpointOut]


class DeliveryOut(Schema):
    id: int
    message_id: str
    type: str
    endpoint_id: int
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: str | None
    created_at: str


class DeliveryPage(Page):
    items: list[DeliveryOut]


class DeliveryQuery(Schema):
    status: Literal["pending", "delivered", "dead"] = "dead"
    limit: int = LIMIT
    offset: int = OFFSET


def endpoint_out(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "active": endpoint.active,
        "created_at": endpoint.created_at.isoformat().replace("+00:00", "Z"),
    }


def delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "message_id": f"msg_{delivery.message_id}",
        "type": delivery.message.type,
        "endpoint_id": delivery.endpoint_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": to_rfc3339(delivery.next_attempt_at_us)
        if delivery.status == Delivery.PENDING
        else None,
        "created_at": to_rfc3339(delivery.created_at_us),
    }


@router.post("/webhooks/endpoints", response={201: EndpointCreated, 422: None})
def register_endpoint(request: HttpRequest, body: EndpointIn) -> Status[dict[str, Any]]:
    """Register an endpoint for some event types; the answer shows its secret once."""
    who = require(request, MARKETPLACE, ADMIN)
    parts = urlsplit(body.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("url", "must be an absolute http or https URL")
    secret = body.secret or signing.new_secret()
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=body.url,
            events=sorted(set(body.events), key=EVENT_TYPES.index),
            secret_sealed=seal(secret),
            description=body.description,
        )
        record(
            who.label,
            "webhooks.endpoint.register",
            f"webhook-endpoint:{endpoint.id}",
            url=endpoint.url,
            events=endpoint.events,
        )
    return Status(201, {**endpoint_out(endpoint), "secret": secret})


@router.get("/webhooks/endpoints", response=EndpointList)
def list_endpoints(request: HttpRequest) -> dict[str, Any]:
    require(request, MARKETPLACE, ADMIN)
    return {"items": [endpoint_out(e) for e in Endpoint.objects.order_by("id")]}


def _endpoint(endpoint_id: int) -> Endpoint:
    endpoint = Endpoint.objects.filter(id=endpoint_id).first()
    if endpoint is None:
        raise Problem("not-found", f"no webhook endpoint {endpoint_id}")
    return endpoint


@router.delete("/webhooks/endpoints/{endpoint_id}", response={200: EndpointOut, 404: None})
def disable_endpoint(request: HttpRequest, endpoint_id: int) -> dict[str, Any]:
    """Stop sending to an endpoint (its history stays)."""
    who = require(request, MARKETPLACE, ADMIN)
    endpoint = _endpoint(endpoint_id)
    if endpoint.active:
        endpoint.active = False
        endpoint.disabled_at = timezone.now()
        with transaction.atomic():
            endpoint.save(update_fields=["active", "disabled_at"])
            record(who.label, "webhooks.endpoint.disable", f"webhook-endpoint:{endpoint.id}")
    return endpoint_out(endpoint)


@router.get("/webhooks/deliveries", response=DeliveryPage)
def list_deliveries(request: HttpRequest, query: Query[DeliveryQuery]) -> dict[str, Any]:
    """Deliveries by status; by default the dead letters (given up after 24 hours)."""
    require(request, MARKETPLACE, ADMIN)
    deliveries = Delivery.objects.filter(status=query.status).select_related("message")
    count = deliveries.count()
    items = deliveries.order_by("-id")[query.offset : query.offset + query.limit]
    return {
        "count": count,
        "limit": query.limit,
        "offset": query.offset,
        "items": [delivery_out(d) for d in items],
    }


@router.post(
    "/webhooks/deliveries/{delivery_id}/retry", response={200: DeliveryOut, 404: None, 409: None}
)
def retry_delivery(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    """Put a dead letter back in the queue (with a fresh 24 hours of retries)."""
    who = require(request, MARKETPLACE, ADMIN)
    delivery = Delivery.objects.select_related("message").filter(id=delivery_id).first()
    if delivery is None:
        raise Problem("not-found", f"no delivery {delivery_id}")
    if delivery.status != Delivery.DEAD:
        raise Problem("conflict", f"delivery {delivery_id} is {delivery.status}, not dead")
    with transaction.atomic():
        requeue(delivery, int(time.time() * MICROS_PER_SECOND))
        record(who.label, "webhooks.delivery.retry", f"webhook-delivery:{delivery.id}")
    return delivery_out(delivery)
