"""Names people read for the catalog's codes: project categories and regions."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dermawan.simulation.names import REGIONS as PROVINCES

CATEGORIES: dict[str, Promise] = {
    "children": _("Children"),
    "education": _("Education"),
    "health": _("Health"),
    "disaster": _("Disaster relief"),
    "environment": _("Environment"),
    "elderly": _("Elderly care"),
    "animals": _("Animals"),
}

# ISO 3166-2:ID province codes; province names are proper nouns, not translated.
REGIONS: dict[str, str] = {code: name for code, name, _weight in PROVINCES}


def category(code: str) -> str:
    return str(CATEGORIES.get(code, code))


def region(code: str) -> str:
    return REGIONS.get(code, code)
