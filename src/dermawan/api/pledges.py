"""A merchant's pledges over the API: create, list, read, end.

Creating and ending go through ``load_catalog`` (the validation of
``dermawan load-catalog``: references, terms, overlap, immutability). A
pledge is never edited: ending it sets ``valid_to`` (not in the past, never
later than it was), so donations already made keep their meaning. A
merchant key sees and changes only its merchant's pledges; a charity key
sees the pledges to its projects; admin and the marketplace see all, and
admin may create and end any merchant's. Pledges a key may not see answer
404, exactly like pledges that do not exist.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictInt

from dermawan.api.auth import ADMIN, CHARITY, MARKETPLACE, MERCHANT, Actor, require
from dermawan.api.catalog_refusals import load
from dermawan.api.problems import Problem
from dermawan.api.schemas import LIMIT, OFFSET, CatalogId, Currency, Moment, Page, StrictIn
from dermawan.catalog.models import Pledge, Project
from dermawan.catalog.permits import can_take_pledges
from dermawan.catalog.pledge_ending import EndRefused, end_instant
from dermawan.core.instants import (
    EPOCH,
    MICROS_PER_SECOND,
    ONE_MICROSECOND,
    parse_instant,
    to_rfc3339,
)

router = Router(tags=["pledges"])


class PledgeIn(StrictIn):
    id: CatalogId
    merchant_id: CatalogId | None = Field(
        None, description="a merchant key's own merchant when left out; required for admin"
    )
    product_id: CatalogId | None = Field(None, description="null: every product of the merchant")
    project_id: CatalogId
    kind: Literal["percent", "fixed"]
    basis_points: StrictInt | None = Field(None, description="percent: 1..10,000 (500 = 5 %)")
    amount_minor: StrictInt | None = Field(None, description="fixed: per item, minor units")
    currency: Currency | None = Field(None, description="fixed: ISO 4217")
    max_per_line_minor: StrictInt | None = None
    valid_from: Moment = Field(description="RFC 3339 with an offset")
    valid_to: Moment | None = Field(None, description="RFC 3339 with an offset; null: open")


class PledgeOut(Schema):
    id: str
    merchant_id: str
    product_id: str | None
    project_id: str
    kind: str
    basis_points: int | None
    amount_minor: int | None
    currency: str | None
    max_per_line_minor: int | None
    valid_from: str
    valid_to: str | None


class PledgePage(Page):
    items: list[PledgeOut]


class PledgeFilters(Schema):
    merchant_id: str | None = None
    project_id: str | None = None
    product_id: str | None = None
    limit: int = LIMIT
    offset: int = OFFSET


class EndIn(StrictIn):
    valid_to: Moment | None = Field(None, description="RFC 3339 with an offset; default: now")


def _instant(moment: datetime) -> str:
    return to_rfc3339((moment - EPOCH) // ONE_MICROSECOND)


def pledge_out(pledge: Pledge) -> dict[str, Any]:
    return {
        "id": pledge.id,
        "merchant_id": pledge.merchant_id,
        "product_id": pledge.product_id,
        "project_id": pledge.project_id,
        "kind": pledge.kind,
        "basis_points": pledge.basis_points,
        "amount_minor": pledge.amount_minor,
        "currency": pledge.currency,
        "max_per_line_minor": pledge.max_per_line_minor,
        "valid_from": _instant(pledge.valid_from),
        "valid_to": None if pledge.valid_to is None else _instant(pledge.valid_to),
    }


def visible(who: Actor) -> QuerySet[Pledge]:
    query = Pledge.objects.all()
    if who.kind == MERCHANT:
        return query.filter(merchant_id=who.owner_id)
    if who.kind == CHARITY:
        return query.filter(project__charity_id=who.owner_id)
    return query


def find(who: Actor, pledge_id: str) -> Pledge:
    pledge = visible(who).filter(id=pledge_id).first()
    if pledge is None:
        raise Problem("not-found", f"no pledge {pledge_id}")
    return pledge


@router.get("/pledges", response=PledgePage)
def list_pledges(request: HttpRequest, filters: Query[PledgeFilters]) -> dict[str, Any]:
    """Pledges the key may see, by id."""
    who = require(request, ADMIN, MARKETPLACE, MERCHANT, CHARITY)
    query = visible(who).order_by("id")
    for name in ("merchant_id", "project_id", "product_id"):
        value = getattr(filters, name)
        if value is not None:
            query = query.filter(**{name: value})
    count = query.count()
    items = query[filters.offset : filters.offset + filters.limit]
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [pledge_out(p) for p in items],
    }


@router.get("/pledges/{pledge_id}", response={200: PledgeOut, 404: None})
def read_pledge(request: HttpRequest, pledge_id: str) -> dict[str, Any]:
    who = require(request, ADMIN, MARKETPLACE, MERCHANT, CHARITY)
    return pledge_out(find(who, pledge_id))


def _same_terms(stored: dict[str, Any], record: dict[str, Any]) -> bool:
    for name, value in stored.items():
        given = record.get(name)
        if name in ("valid_from", "valid_to"):
            given = None if given is None else parse_instant(given)
            value = None if value is None else parse_instant(value)
        if given != value:
            return False
    return True


@router.post("/pledges", response={200: PledgeOut, 201: PledgeOut, 404: None, 409: None, 422: None})
def create_pledge(request: HttpRequest, body: PledgeIn) -> Status[dict[str, Any]]:
    """Create a pledge; the same request again answers 200 with the pledge, changes nothing."""
    who = require(request, ADMIN, MERCHANT)
    record = body.model_dump()
    if who.kind == MERCHANT:
        if record["merchant_id"] not in (None, who.owner_id):
            raise Problem("forbidden", "a merchant key creates pledges of its own merchant only")
        record["merchant_id"] = who.owner_id
    elif record["merchant_id"] is None:
        raise Problem(
            "validation-failed",
            "merchant_id: an admin key must say whose pledge this is",
            errors=[{"field": "merchant_id", "pointer": "/merchant_id", "detail": "is required"}],
        )
    record = {k: v for k, v in record.items() if v is not None or k in ("product_id", "valid_to")}
    existing = Pledge.objects.filter(id=record["id"]).first()
    if existing is not None:
        stored = pledge_out(existing)
        if existing.merchant_id != record["merchant_id"]:
            raise Problem("conflict", f"the pledge id {record['id']} is taken")
        if _same_terms(stored, {**{k: None for k in stored}, **record}):
            return Status(200, stored)
        raise Problem("pledge-exists", f"pledge {record['id']} exists with other terms")
    project = Project.objects.filter(id=record["project_id"]).first()
    if project is not None and not can_take_pledges(project):
        raise Problem(
            "conflict",
            f"project {project.id} takes no new pledges: its charity's permit has lapsed",
        )
    load({"pledges": [record]})
    return Status(201, pledge_out(Pledge.objects.get(id=record["id"])))


@router.post("/pledges/{pledge_id}/end", response={200: PledgeOut, 404: None, 409: None, 422: None})
def end_pledge(request: HttpRequest, pledge_id: str, body: EndIn) -> dict[str, Any]:
    """End a pledge: set its ``valid_to`` (default now; never in the past, never later)."""
    who = require(request, ADMIN, MERCHANT)
    pledge = find(who, pledge_id)
    now_us = int(time.time() * MICROS_PER_SECOND)
    current = pledge_out(pledge)
    current_to = None if pledge.valid_to is None else parse_instant(current["valid_to"])
    requested = None if body.valid_to is None else parse_instant(body.valid_to)
    if body.valid_to is not None and requested is None:
        raise _invalid_end(f"{body.valid_to!r} is not RFC 3339 with an offset")
    try:
        end_us = end_instant(current_to, requested, now_us)
    except EndRefused as refused:
        if refused.reason == EndRefused.ENDED:
            problem = Problem("pledge-ended", f"pledge {pledge_id} ended at {current['valid_to']}")
        elif refused.reason == EndRefused.PAST:
            problem = _invalid_end("is in the past; donations already made keep their pledge")
        else:
            problem = _invalid_end(f"is later than the pledge's end {current['valid_to']}")
        raise problem from None
    record = {k: v for k, v in current.items() if v is not None or k == "product_id"}
    record["valid_to"] = to_rfc3339(end_us)
    load({"pledges": [record]})
    return pledge_out(Pledge.objects.get(id=pledge_id))


def _invalid_end(detail: str) -> Problem:
    return Problem(
        "validation-failed",
        f"valid_to {detail}",
        errors=[{"field": "valid_to", "pointer": "/valid_to", "detail": detail}],
    )
