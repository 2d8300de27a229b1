"""People and records for the back-office tests: two of each actor, so isolation can be checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.donations.builders import catalog, charity, load, merchant, percent_pledge, project

MERCHANT, OTHER_MERCHANT = "toko-tani", "toko-lain"
CHARITY, OTHER_CHARITY = "yayasan-pangan", "yayasan-lain"
PROJECT, OTHER_PROJECT = "makan-siang", "sumur-bersih"


@dataclass
class People:
    merchant: Client
    other_merchant: Client
    charity: Client
    other_charity: Client
    admin: Client
    other_admin: Client
    buyer: Client
    anonymous: Client


def office_catalog() -> None:
    load(
        catalog(
            percent_pledge("pl-mine", merchant_id=MERCHANT, product_id="beras-5kg"),
            percent_pledge("pl-theirs", merchant_id=OTHER_MERCHANT, project_id=OTHER_PROJECT),
            charities=[charity(CHARITY), charity(OTHER_CHARITY, verified=False)],
            projects=[project(PROJECT), project(OTHER_PROJECT, charity_id=OTHER_CHARITY)],
            merchants=[merchant(MERCHANT), merchant(OTHER_MERCHANT)],
        )
    )


def signed_in(username: str, *, staff: bool = False, **membership: Any) -> Client:
    from dermawan.accounts.models import Membership

    user = User.objects.create_user(username, is_staff=staff)
    if membership:
        Membership.objects.create(user=user, **membership)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(db: None) -> People:
    office_catalog()
    return People(
        merchant=signed_in("ayu", role="merchant", merchant_id=MERCHANT),
        other_merchant=signed_in("budi", role="merchant", merchant_id=OTHER_MERCHANT),
        charity=signed_in("citra", role="charity", charity_id=CHARITY),
        other_charity=signed_in("dewi", role="charity", charity_id=OTHER_CHARITY),
        admin=signed_in("eko", staff=True),
        other_admin=signed_in("fitri", staff=True),
        buyer=signed_in("gita", role="buyer", buyer_id="buyer-1"),
        anonymous=Client(),
    )


Counter = Callable[[], dict[str, Any]]


@pytest.fixture
def stored_rows() -> Counter:
    """Row counts of every table a back-office form writes, to show a refusal stored nothing."""

    def count() -> dict[str, Any]:
        from dermawan.auditlog.models import AuditEntry
        from dermawan.banking.models import BankAccount
        from dermawan.catalog.models import Charity, Pledge, Project, ProjectPhoto
        from dermawan.impact.models import ProgressReport, ReportPhoto
        from dermawan.settlement.models import Run

        models = (AuditEntry, BankAccount, Charity, Pledge, Project, ProjectPhoto, ProgressReport,
                  ReportPhoto, Run)  # fmt: skip
        counts: dict[str, Any] = {m.__name__: m.objects.count() for m in models}
        # Rows a form updates in place: their values must not change either.
        for model in (Charity, Pledge, Project):
            counts[f"{model.__name__} values"] = list(model.objects.order_by("pk").values())
        return counts

    return count


# The site's browser fixtures (a served demo database, phone and desktop pages,
# sign-in, screenshots), shared rather than copied; the browser itself is the
# suite's one per process (tests/conftest.py).
from tests.site.conftest import (  # noqa: E402
    desktop,
    phone,
    screenshot,
    sign_in,
    site,
)

__all__ = ["desktop", "phone", "screenshot", "sign_in", "site"]
