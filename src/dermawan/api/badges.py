"""The product badge: the pledge in force for a merchant's product, its text, its count.

Public and cacheable: an ``ETag`` over the answer (``If-None-Match`` gets a
304), ``Cache-Control: public, max-age=60`` and ``Vary: Accept-Language``.
The donation count comes from the ``ProductDonations`` rollup the engine
keeps in its own transaction, never from counting lines.
"""

from __future__ import annotations

import hashlib
import time

import orjson
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from dermawan.api.auth import OPTIONAL
from dermawan.api.badge_text import badge_text, language
from dermawan.api.models import ProductDonations
from dermawan.api.pledges import PledgeOut, pledge_out
from dermawan.api.problems import Problem
from dermawan.catalog.models import Merchant, Pledge
from dermawan.core.instants import MICROS_PER_SECOND, parse_instant, to_datetime

router = Router(tags=["public"])
CACHE_CONTROL = "public, max-age=60"


class BadgeProject(Schema):
    id: str
    name: str


class BadgeOut(Schema):
    merchant_id: str
    product_id: str
    language: str = Field(description="id, en or zh, from Accept-Language")
    pledge: PledgeOut | None
    project: BadgeProject | None
    text: str | None = Field(description="what a listing shows; null when no pledge is in force")
    donations: int = Field(description="donations this product has made (lines with D > 0)")


class BadgeQuery(Schema):
    currency: str | None = Field(
        None, description="the listing's currency: a fixed pledge in another one does not apply"
    )
    at: str | None = Field(None, description="RFC 3339 with an offset; default now")


def pledge_in_force(
    merchant_id: str, product_id: str, at_us: int, currency: str | None
) -> Pledge | None:
    """Spec section 3's choice: in force at ``at``, the product's own over a merchant-wide one."""
    moment = to_datetime(at_us)
    candidates = (
        Pledge.objects.filter(merchant_id=merchant_id, valid_from__lte=moment)
        .filter(Q(product_id=product_id) | Q(product_id__isnull=True))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=moment))
        .select_related("project")
    )
    best: Pledge | None = None
    for pledge in candidates:
        if pledge.kind == Pledge.FIXED and currency is not None and pledge.currency != currency:
            continue
        if best is None or (best.product_id is None and pledge.product_id is not None):
            best = pledge
    return best


@router.get(
    "/merchants/{merchant_id}/products/{product_id}/badge",
    response={200: BadgeOut, 304: None, 404: None},
    openapi_extra=OPTIONAL,
)
def product_badge(
    request: HttpRequest, merchant_id: str, product_id: str, query: Query[BadgeQuery]
) -> HttpResponse:
    if query.at is None:
        at_us = int(time.time() * MICROS_PER_SECOND)
    else:
        parsed = parse_instant(query.at)
        if parsed is None:
            raise Problem(
                "validation-failed",
                f"at: {query.at!r} is not RFC 3339 with an offset",
                errors=[{"field": "at", "pointer": "/at", "detail": "not RFC 3339"}],
            )
        at_us = parsed
    if not Merchant.objects.filter(id=merchant_id).exists():
        raise Problem("not-found", f"no merchant {merchant_id}")
    lang = language(request.headers.get("Accept-Language"))
    pledge = pledge_in_force(merchant_id, product_id, at_us, query.currency)
    counted = ProductDonations.objects.filter(
        merchant_id=merchant_id, product_id=product_id
    ).first()
    document = {
        "merchant_id": merchant_id,
        "product_id": product_id,
        "language": lang,
        "pledge": None if pledge is None else pledge_out(pledge),
        "project": None
        if pledge is None
        else {"id": pledge.project.id, "name": pledge.project.name},
        "text": None
        if pledge is None
        else badge_text(
            lang,
            pledge.project.name,
            basis_points=pledge.basis_points,
            amount_minor=pledge.amount_minor,
            currency=pledge.currency,
        ),
        "donations": 0 if counted is None else counted.donations,
    }
    body = orjson.dumps(document)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if _matches(request.headers.get("If-None-Match"), etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Accept-Language"
    return response


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags
