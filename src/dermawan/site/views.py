"""The public pages: home, projects, a project, charities, a charity, transparency.

Every page reads rollups and small catalog queries (reads.py), never a scan
of donations. Every URL parameter is validated by a form; bad values answer
the page with a message next to the field (400), never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from dermawan.catalog.models import Charity, Project
from dermawan.catalog.permits import can_take_pledges, permit_lapsed, today
from dermawan.impact.models import ProgressReport
from dermawan.site import labels, reads
from dermawan.site.forms import PageNumber, ProjectFilters

PER_PAGE = 12
MAX_ID = 100


def catalog_id(value: str) -> str:
    """An id from the path: too long or unprintable ids (PostgreSQL refuses a NUL) are
    simply not found."""
    if len(value) > MAX_ID or not value.isprintable():
        raise Http404("no such record")
    return value


def _with_figures(projects: list[Project]) -> list[dict[str, Any]]:
    figures = reads.project_figures(p.id for p in projects)
    return [
        {
            "project": p,
            "figures": figures.get(p.id),
            "category": labels.category(p.category),
            "region": labels.region(p.region),
            "photo": next(iter(p.photos.all()), None),  # prefetched by the callers
        }
        for p in projects
    ]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    campaign = reads.fresh("campaign", reads.current_campaign)
    return render(
        request,
        "site/home.html",
        {
            "page_seconds": reads.PAGE_SECONDS,
            "campaign": campaign,
            "campaign_figures": reads.fresh(
                "campaign-figures", lambda: reads.campaign_figures(campaign.id) if campaign else []
            ),
            "featured": reads.fresh(
                f"featured:{translation.get_language()}",
                lambda: _with_figures(reads.featured_projects()),
            ),
            **_totals_context(),
        },
    )


def _totals_context() -> dict[str, Any]:
    return reads.fresh(
        "totals",
        lambda: {
            "totals": reads.platform_totals(),
            "projects_supported": reads.projects_supported(),
        },
    )


@require_GET
def live_totals(request: HttpRequest) -> HttpResponse:
    """The platform totals fragment the home page polls (htmx)."""
    return render(request, "site/totals.html", _totals_context())


@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    form = ProjectFilters(request.GET)
    found: Any = []
    page_obj = None
    status = 200
    if form.is_valid():
        query = Project.objects.select_related("charity").prefetch_related("photos")
        data = form.cleaned_data
        if data["q"]:
            query = query.filter(
                Q(name__icontains=data["q"]) | Q(charity__name__icontains=data["q"])
            )
        for name, column in (
            ("category", "category"),
            ("region", "region"),
            ("charity", "charity_id"),
        ):
            if data[name]:
                query = query.filter(**{column: data[name]})
        paginator = Paginator(query.order_by("name", "id"), PER_PAGE)
        number = data["page"] or 1
        if number > max(paginator.num_pages, 1):
            form.add_error("page", translation.gettext("There are not that many pages."))
            status = 400
        else:
            page_obj = paginator.page(number)
            found = page_obj.object_list
    else:
        status = 400
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "site/projects.html",
        {
            "form": form,
            "items": reads.Lazy(lambda: _with_figures(list(found))),
            "page_seconds": reads.PAGE_SECONDS,
            "page_obj": page_obj,
            "query_string": params.urlencode() if form.is_valid() else "",
        },
        status=status,
    )


@require_GET
def project(request: HttpRequest, project_id: str) -> HttpResponse:
    found = (
        Project.objects.select_related("charity")
        .prefetch_related("photos")
        .filter(id=catalog_id(project_id))
        .first()
    )
    if found is None:
        raise Http404("no such project")
    language = translation.get_language() or "id"

    def build() -> dict[str, Any]:
        figures = reads.project_figures([found.id]).get(found.id)
        net = figures.net_minor if figures else 0
        unit_name = found.impact_unit_name(language)
        units = net // found.impact_unit_minor if found.impact_unit_minor and net > 0 else 0
        other = reads.project_other_currencies(found.id, found.currency)
        # The chart follows the goal's currency, or the busiest one when none came in it.
        chart_currency = (
            found.currency
            if figures or not other
            else max(other, key=lambda f: f.donations).currency
        )
        points = reads.money_over_time(found.id, chart_currency)
        reports = list(ProgressReport.objects.filter(project=found).prefetch_related("photos")[:20])
        return {
            "figures": figures,
            "net": net,
            "other_currencies": other,
            "category": labels.category(found.category),
            "region": labels.region(found.region),
            "unit_name": unit_name,
            "units": units,
            "chart": _chart_data(points, chart_currency),
            "chart_currency": chart_currency,
            "points": points,
            "reports": reports,
            "beneficiaries": sum(r.beneficiaries for r in reports),
            "payouts": reads.charity_payouts(found.charity_id, limit=6),
            "payouts_enabled": reads.payouts_enabled(),
            "taking_pledges": can_take_pledges(found),
        }

    return render(
        request,
        "site/project.html",
        {"project": found, "page": reads.Lazy(build), "page_seconds": reads.PAGE_SECONDS},
    )


def _chart_data(points: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    """What static/site/charts.js draws: days, running totals (major units), labels."""
    from dermawan.site import formatting

    return {
        "currency": currency,
        "labels": [formatting.day(p["day"], style="short") for p in points],
        "totals": [float(formatting.to_decimal(p["total_minor"], currency)) for p in points],
        "daily": [float(formatting.to_decimal(p["net_minor"], currency)) for p in points],
        "locale": formatting.babel_locale().replace("_", "-").replace("-Hans-CN", "-Hans"),
        "series": {
            "total": translation.gettext("Total given"),
            "daily": translation.gettext("Given that day"),
        },
    }


@require_GET
def charities(request: HttpRequest) -> HttpResponse:
    form = PageNumber(request.GET)
    status = 200
    page_obj = None
    if form.is_valid():
        paginator = Paginator(Charity.objects.order_by("name", "id"), 24)
        number = form.cleaned_data["page"] or 1
        if number > max(paginator.num_pages, 1):
            form.add_error("page", translation.gettext("There are not that many pages."))
            status = 400
        else:
            page_obj = paginator.page(number)
    else:
        status = 400
    return render(
        request, "site/charities.html", {"form": form, "page_obj": page_obj}, status=status
    )


@require_GET
def charity(request: HttpRequest, charity_id: str) -> HttpResponse:
    found = Charity.objects.filter(id=catalog_id(charity_id)).first()
    if found is None:
        raise Http404("no such charity")

    def build() -> dict[str, Any]:
        on = today()
        return {
            "permits": [{"permit": p, "valid": p.expires_on >= on} for p in found.permits.all()],
            "lapsed": permit_lapsed(found.id, on),
            "items": _with_figures(
                list(found.projects.order_by("name").prefetch_related("photos"))
            ),
            "payouts": reads.charity_payouts(found.id),
            "payouts_enabled": reads.payouts_enabled(),
        }

    return render(
        request,
        "site/charity.html",
        {"charity": found, "page": reads.Lazy(build), "page_seconds": reads.PAGE_SECONDS},
    )


@require_GET
def receipt_check(request: HttpRequest) -> HttpResponse:
    """Where to check a receipt: the transparency log's verification page, when installed."""
    try:
        target = reverse("transparency:verify")
    except NoReverseMatch:
        target = None
    return render(request, "site/receipt_check.html", {"verify_url": target})
