"""Money shown to a charity and read back from it: form values, payouts, bank refusals."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dermawan.catalog.models import Project
from dermawan.site.formatting import babel_locale, to_decimal


def _typed(amount_minor: int | None, currency: str) -> str:
    """An amount as a person would type it back in this language (no currency sign)."""
    if amount_minor is None:
        return ""
    from babel.numbers import format_decimal

    return str(format_decimal(to_decimal(amount_minor, currency), locale=babel_locale()))


def project_initial(project: Project) -> dict[str, Any]:
    return {
        "goal": _typed(project.goal_minor, project.currency),
        "impact_unit": _typed(project.impact_unit_minor, project.currency),
        "impact_unit_id": project.impact_unit_id,
        "impact_unit_en": project.impact_unit_en,
        "impact_unit_zh_hans": project.impact_unit_zh_hans,
    }


BANK_FIELDS = {
    "holder_name": gettext_lazy("account holder"),
    "currency": gettext_lazy("currency"),
    "iban": gettext_lazy("IBAN"),
    "bic": gettext_lazy("BIC"),
    "bank_code": gettext_lazy("bank code"),
    "account_number": gettext_lazy("account number"),
}


def bank_error(field: str, reason: str) -> str:
    """dermawan.banking's reason (English, technical) under a translated sentence."""
    return _("This %(field)s was not accepted (%(reason)s).") % {
        "field": BANK_FIELDS.get(field, field),
        "reason": reason,
    }


def payouts_of(charity_id: str) -> Any:
    from dermawan.settlement.models import Payout

    return (
        Payout.objects.filter(charity_id=charity_id)
        .select_related("run")
        .order_by("-run__period", "currency")
    )
