"""Template filters over dermawan.site.formatting, in the active language.

{% load site_format %}
{{ total.net_minor|money:total.currency }}     Rp1.234.500
{{ total.net_minor|money_short:"IDR" }}        Rp1,2 jt
{{ count|number }}  {{ raised|percent_of:goal }}
{{ report.published_at|day }}  {{ head.signed_at|moment }}  {{ line.paid_at_us|micros|day }}
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template

from dermawan.site import formatting

register = template.Library()


@register.filter
def money(amount_minor: Any, currency: str) -> str:
    if amount_minor is None or amount_minor == "":
        return ""
    return formatting.money(int(amount_minor), str(currency))


@register.filter
def money_short(amount_minor: Any, currency: str) -> str:
    if amount_minor is None or amount_minor == "":
        return ""
    return formatting.money_short(int(amount_minor), str(currency))


@register.filter
def number(value: Any) -> str:
    return "" if value is None else formatting.number(int(value))


@register.filter
def percent_of(part: Any, whole: Any) -> str:
    return formatting.percent(int(part or 0), int(whole or 0))


@register.filter
def bar_width(part: Any, whole: Any) -> int:
    """0..100, for a progress bar's width (clamped: a project may pass its goal)."""
    whole = int(whole or 0)
    return 0 if whole <= 0 else max(0, min(100, int(part or 0) * 100 // whole))


@register.filter
def day(value: date | datetime | None, style: str = "medium") -> str:
    return "" if value is None else formatting.day(value, style=style)


@register.filter
def moment(value: datetime | None, style: str = "medium") -> str:
    return "" if value is None else formatting.moment(value, style=style)


@register.filter
def micros(value: int | None) -> datetime | None:
    return None if value is None else formatting.from_micros(int(value))
