"""Public reads: projects (filtered, paginated), charities, a project's totals, platform totals.

Totals come from the rollup the engine keeps (``ProjectTotals``), never a
scan of donations.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from ninja import Query, Router, Schema

from dermawan.api.auth import OPTIONAL
from dermawan.api.problems import Problem
from dermawan.api.schemas import LIMIT, OFFSET, Page
from dermawan.catalog.models import Charity, Project
from dermawan.donations.models import ProjectTotals

router = Router(tags=["public"])


class ProjectOut(Schema):
    id: str
    charity_id: str
    name: str
    category: str
    region: str
    currency: str
    goal_minor: int
    status: str


class ProjectPage(Page):
    items: list[ProjectOut]


class CharityOut(Schema):
    id: str
    name: str
    country: str
    verified: bool


class CharityPage(Page):
    items: list[CharityOut]


class ProjectFilters(Schema):
    category: str | None = None
    region: str | None = None
    charity_id: str | None = None
    status: str | None = None
    limit: int = LIMIT
    offset: int = OFFSET


class Figures(Schema):
    currency: str
    donations: int
    pledged_minor: int
    reversed_minor: int
    net_minor: int
    confirmed_minor: int
    pending_minor: int


class ProjectTotalsOut(Schema):
    project_id: str
    currency: str
    goal_minor: int
    totals: list[Figures]


class PlatformFigures(Figures):
    projects: int


class PlatformTotalsOut(Schema):
    currencies: list[PlatformFigures]


def project_out(project: Project) -> dict[str, object]:
    return {
        "id": project.id,
        "charity_id": project.charity_id,
        "name": project.name,
        "category": project.category,
        "region": project.region,
        "currency": project.currency,
        "goal_minor": project.goal_minor,
        "status": project.status,
    }


def charity_out(charity: Charity) -> dict[str, object]:
    return {
        "id": charity.id,
        "name": charity.name,
        "country": charity.country,
        "verified": charity.verified,
    }


def page(query: QuerySet, limit: int, offset: int) -> tuple[int, list]:  # type: ignore[type-arg]
    return query.count(), list(query[offset : offset + limit])


@router.get("/projects", response=ProjectPage, openapi_extra=OPTIONAL)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> dict[str, object]:
    """Projects, by id; filter by category, region, charity and status."""
    query = Project.objects.order_by("id")
    for name in ("category", "region", "charity_id", "status"):
        value = getattr(filters, name)
        if value is not None:
            query = query.filter(**{name: value})
    count, items = page(query, filters.limit, filters.offset)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [project_out(p) for p in items],
    }


def get_project(project_id: str) -> Project:
    project = Project.objects.filter(id=project_id).first()
    if project is None:
        raise Problem("not-found", f"no project {project_id}")
    return project


@router.get("/projects/{project_id}", response={200: ProjectOut, 404: None}, openapi_extra=OPTIONAL)
def read_project(request: HttpRequest, project_id: str) -> dict[str, object]:
    return project_out(get_project(project_id))


def figures(t: ProjectTotals) -> dict[str, object]:
    return {
        "currency": t.currency,
        "donations": t.donations,
        "pledged_minor": t.pledged_minor,
        "reversed_minor": t.reversed_minor,
        "net_minor": t.pledged_minor - t.reversed_minor,
        "confirmed_minor": t.confirmed_minor,
        "pending_minor": t.pending_minor,
    }


@router.get(
    "/projects/{project_id}/totals",
    response={200: ProjectTotalsOut, 404: None},
    openapi_extra=OPTIONAL,
)
def project_totals(request: HttpRequest, project_id: str) -> dict[str, object]:
    """Spec section 4 for one project, per currency (the rollup, not a scan)."""
    project = get_project(project_id)
    rows = sorted(
        ProjectTotals.objects.filter(project_id=project.id, donations__gt=0),
        key=lambda t: t.currency,
    )
    return {
        "project_id": project.id,
        "currency": project.currency,
        "goal_minor": project.goal_minor,
        "totals": [figures(t) for t in rows],
    }


@router.get("/totals", response=PlatformTotalsOut, openapi_extra=OPTIONAL)
def platform_totals(request: HttpRequest) -> dict[str, object]:
    """Every project's totals summed per currency."""
    rows = (
        ProjectTotals.objects.filter(donations__gt=0)
        .values("currency")
        .annotate(
            projects=Count("project_id"),
            donations=Sum("donations"),
            pledged_minor=Sum("pledged_minor"),
            reversed_minor=Sum("reversed_minor"),
            confirmed_minor=Sum("confirmed_minor"),
            pending_minor=Sum("pending_minor"),
        )
    )
    currencies = [
        {
            "currency": r["currency"],
            "projects": r["projects"],
            "donations": int(r["donations"]),
            "pledged_minor": int(r["pledged_minor"]),
            "reversed_minor": int(r["reversed_minor"]),
            "net_minor": int(r["pledged_minor"]) - int(r["reversed_minor"]),
            "confirmed_minor": int(r["confirmed_minor"]),
            "pending_minor": int(r["pending_minor"]),
        }
        for r in rows
    ]
    return {"currencies": sorted(currencies, key=lambda c: str(c["currency"]))}


class CharityFilters(Schema):
    limit: int = LIMIT
    offset: int = OFFSET


@router.get("/charities", response=CharityPage, openapi_extra=OPTIONAL)
def list_charities(request: HttpRequest, filters: Query[CharityFilters]) -> dict[str, object]:
    count, items = page(Charity.objects.order_by("id"), filters.limit, filters.offset)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [charity_out(c) for c in items],
    }


@router.get(
    "/charities/{charity_id}", response={200: CharityOut, 404: None}, openapi_extra=OPTIONAL
)
def read_charity(request: HttpRequest, charity_id: str) -> dict[str, object]:
    charity = Charity.objects.filter(id=charity_id).first()
    if charity is None:
        raise Problem("not-found", f"no charity {charity_id}")
    return charity_out(charity)
