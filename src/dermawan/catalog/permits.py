"""Whether a project may take new pledges: its charity's permit must not have lapsed.

``can_take_pledges(project)`` is the one rule the API (POST /pledges), the
site and the back office all call before creating a pledge. A charity with
no permit on record is not blocked (permits are added as charities are
reviewed); one whose every recorded permit has expired is. Pledges already
made keep running: the rule is about new promises (decision 0021).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from dermawan.catalog.models import CharityPermit, Project


def today() -> date:
    return timezone.localdate()


def permit_lapsed(charity_id: str, on: date | None = None) -> bool:
    """The charity has permits on record and none is valid on ``on`` (today by default)."""
    permits = CharityPermit.objects.filter(charity_id=charity_id)
    if not permits.exists():
        return False
    return not permits.filter(expires_on__gte=on or today()).exists()


def can_take_pledges(project: Project | str, on: date | None = None) -> bool:
    """False when the project's charity's permit has lapsed (or the project is unknown)."""
    if isinstance(project, str):
        found = Project.objects.filter(id=project).only("charity_id").first()
        if found is None:
            return False
        project = found
    return not permit_lapsed(project.charity_id, on)
