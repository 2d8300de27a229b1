"""Managing charities, projects and merchants with an admin key.

Each write goes through ``load_catalog`` (the validation of
``dermawan load-catalog``): one record, all or nothing, a refusal listed
with the loader's reasons. Merchants are read by admin, the marketplace,
and the merchant itself; charities and projects are public (see public.py).
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from dermawan.api.auth import ADMIN, MARKETPLACE, MERCHANT, Actor, require
from dermawan.api.catalog_refusals import load
from dermawan.api.problems import Problem
from dermawan.api.public import CharityOut, ProjectOut, charity_out, project_out
from dermawan.api.public import router as public_router
from dermawan.api.schemas import (
    CatalogId,
    Category,
    Country,
    Currency,
    Name,
    Region,
    Status,
    StrictIn,
)
from dermawan.auditlog.entries import record
from dermawan.catalog.models import Charity, Merchant, Project

# Paths shared with public reads (GET and PUT of one path) must be one router's.
router = public_router
TAGS = ["catalog"]


class CharityIn(StrictIn):
    name: Name
    country: Country = Field(description="ISO 3166 alpha-2")
    verified: StrictBool = False


class ProjectIn(StrictIn):
    charity_id: CatalogId
    name: Name
    category: Category
    region: Region
    currency: Currency = Field(description="ISO 4217")
    goal_minor: StrictInt
    status: Status


class MerchantIn(StrictIn):
    name: Name


class MerchantOut(Schema):
    id: str
    name: str


ERRORS = {404: None, 409: None, 422: None}


NOUNS = {"charities": "charity", "projects": "project", "merchants": "merchant"}


def put(who: Actor, section: str, record_id: str, fields: dict[str, object]) -> None:
    """Load one catalog record and write its audit entry, together or not at all."""
    with transaction.atomic():
        load({section: [{"id": record_id, **fields}]})
        record(who.label, f"catalog.{section}.put", f"{NOUNS[section]}:{record_id}", **fields)


@router.put("/charities/{charity_id}", response={200: CharityOut, **ERRORS}, tags=TAGS)
def put_charity(request: HttpRequest, charity_id: CatalogId, body: CharityIn) -> dict[str, object]:
    """Create or update a charity (admin)."""
    put(require(request, ADMIN), "charities", charity_id, body.model_dump())
    return charity_out(Charity.objects.get(id=charity_id))


@router.put("/projects/{project_id}", response={200: ProjectOut, **ERRORS}, tags=TAGS)
def put_project(request: HttpRequest, project_id: CatalogId, body: ProjectIn) -> dict[str, object]:
    """Create or update a project (admin)."""
    put(require(request, ADMIN), "projects", project_id, body.model_dump())
    return project_out(Project.objects.get(id=project_id))


@router.put("/merchants/{merchant_id}", response={200: MerchantOut, **ERRORS}, tags=TAGS)
def put_merchant(
    request: HttpRequest, merchant_id: CatalogId, body: MerchantIn
) -> dict[str, object]:
    """Create or update a merchant (admin)."""
    put(require(request, ADMIN), "merchants", merchant_id, body.model_dump())
    return {"id": merchant_id, "name": body.name}


@router.get("/merchants/{merchant_id}", response={200: MerchantOut, 404: None}, tags=TAGS)
def read_merchant(request: HttpRequest, merchant_id: str) -> dict[str, object]:
    """A merchant: admin and the marketplace see any, a merchant only itself."""
    who = require(request, ADMIN, MARKETPLACE, MERCHANT)
    merchant = Merchant.objects.filter(id=merchant_id).first()
    if merchant is None or (who.kind == MERCHANT and who.owner_id != merchant_id):
        raise Problem("not-found", f"no merchant {merchant_id}")
    return {"id": merchant.id, "name": merchant.name}
