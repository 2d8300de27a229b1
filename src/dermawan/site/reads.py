"""What the public pages read: rollups and small catalog queries, never a scan of donations.

Each function answers from tables whose size grows with projects, days or
campaigns, not with donations: ``ProjectTotals`` (the engine's), and
``ProjectDay`` and ``CampaignTotals`` (dermawan.impact.rollups). What every
visitor of the home page asks for is kept for a few seconds per process
(``FRESH_SECONDS``), and so are the rendered public parts of the project and
charity pages (the ``{% cache %}`` fragments, ``PAGE_SECONDS``): figures may
lag that much, no more.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.db.models import Sum

from dermawan.catalog.models import Campaign, Project
from dermawan.catalog.permits import today
from dermawan.donations.models import ProjectTotals
from dermawan.impact.models import CampaignTotals, ProjectDay

# 0 turns both caches off (bench/pages.py measures pages both ways).
FRESH_SECONDS = PAGE_SECONDS = int(os.environ.get("DERMAWAN_PAGE_SECONDS", "5"))
T = TypeVar("T")


def fresh(key: str, compute: Callable[[], T], seconds: int = FRESH_SECONDS) -> T:
    """``compute()``, reused for ``seconds`` by this process (Django's local cache)."""
    found = cache.get(f"site:{key}") if seconds else None
    if found is None:
        found = compute()
        cache.set(f"site:{key}", found, seconds)
    return found


class Lazy:
    """A value computed when a template first asks for it (templates call callables), so a
    fragment the page cache already holds (``{% cache %}``) costs no query."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._done = False
        self._value: Any = None

    def __call__(self) -> Any:
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value


@dataclass(frozen=True)
class Figures:
    currency: str
    donations: int
    net_minor: int
    confirmed_minor: int = 0


def platform_totals() -> list[Figures]:
    """Donations and net money per currency over every project (largest first)."""
    rows = ProjectTotals.objects.values("currency").annotate(
        donations=Sum("donations"),
        pledged=Sum("pledged_minor"),
        reversed=Sum("reversed_minor"),
        confirmed=Sum("confirmed_minor"),
    )
    figures = [
        Figures(
            r["currency"],
            r["donations"] or 0,
            (r["pledged"] or 0) - (r["reversed"] or 0),
            r["confirmed"] or 0,
        )
        for r in rows
        if r["donations"]
    ]
    return sorted(figures, key=lambda f: (-f.donations, f.currency))


def projects_supported() -> int:
    return ProjectTotals.objects.filter(donations__gt=0).values("project_id").distinct().count()


def project_figures(project_ids: Iterable[str]) -> dict[str, Figures]:
    """Each project's figures in its own currency (what its goal is counted in)."""
    wanted = list(project_ids)
    currencies = dict(Project.objects.filter(id__in=wanted).values_list("id", "currency"))
    found: dict[str, Figures] = {}
    for t in ProjectTotals.objects.filter(project_id__in=wanted):
        if currencies.get(t.project_id) == t.currency:
            found[t.project_id] = Figures(
                t.currency, t.donations, t.pledged_minor - t.reversed_minor, t.confirmed_minor
            )
    return found


def project_other_currencies(project_id: str, currency: str) -> list[Figures]:
    """Donations in currencies other than the project's (foreign shops), shown apart."""
    return [
        Figures(t.currency, t.donations, t.pledged_minor - t.reversed_minor, t.confirmed_minor)
        for t in ProjectTotals.objects.filter(project_id=project_id, donations__gt=0)
        .exclude(currency=currency)
        .order_by("currency")
    ]


def money_over_time(project_id: str, currency: str) -> list[dict[str, Any]]:
    """Per day: net given that day and the running total, in the project's currency."""
    running = 0
    points = []
    for d in ProjectDay.objects.filter(project_id=project_id, currency=currency).order_by("day"):
        net = d.pledged_minor - d.reversed_minor
        running += net
        points.append(
            {"day": d.day, "net_minor": net, "total_minor": running, "donations": d.donations}
        )
    return points


def current_campaign(on: date | None = None) -> Campaign | None:
    """The campaign running today, else the one that started last before today."""
    on = on or today()
    running = Campaign.objects.filter(starts_on__lte=on, ends_on__gte=on).order_by("-starts_on")
    return (
        running.first() or Campaign.objects.filter(starts_on__lte=on).order_by("-ends_on").first()
    )


def campaign_figures(campaign_id: str) -> list[Figures]:
    return sorted(
        (
            Figures(t.currency, t.donations, t.pledged_minor - t.reversed_minor)
            for t in CampaignTotals.objects.filter(campaign_id=campaign_id, donations__gt=0)
        ),
        key=lambda f: (-f.donations, f.currency),
    )


def featured_projects(limit: int = 6) -> list[Project]:
    """Projects marked featured; filled up with the ones that received most donations."""
    chosen = list(
        Project.objects.filter(featured=True)
        .select_related("charity")
        .prefetch_related("photos")[:limit]
    )
    if len(chosen) < limit:
        busiest = (
            ProjectTotals.objects.exclude(project_id__in=[p.id for p in chosen])
            .order_by("-donations", "project_id")
            .values_list("project_id", flat=True)[: limit - len(chosen)]
        )
        extra = (
            Project.objects.filter(id__in=list(busiest))
            .select_related("charity")
            .prefetch_related("photos")
        )
        order = {pid: n for n, pid in enumerate(busiest)}
        chosen += sorted(extra, key=lambda p: order.get(p.id, 0))
    return chosen


def payouts_enabled() -> bool:
    return apps.is_installed("dermawan.settlement")


def charity_payouts(charity_id: str, limit: int = 24) -> list[Any]:
    """Payouts sent to a charity (approved or later, with money), newest first."""
    if not payouts_enabled():
        return []
    from dermawan.settlement.models import Payout

    return list(
        Payout.objects.filter(charity_id=charity_id, status__in=("approved", "exported", "paid"))
        .exclude(amount_minor=0)
        .select_related("run")
        .order_by("-run__period", "currency")[:limit]
    )
