"""What every page's template knows: the languages, who is signed in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dermawan.accounts.roles import membership


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_languages": settings.LANGUAGES,
        "member": membership(request),
    }
