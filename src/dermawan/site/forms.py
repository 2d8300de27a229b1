"""The project filters: every URL parameter checked, with a message next to its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from dermawan.catalog.models import Charity
from dermawan.site import labels

MAX_QUERY = 100


class PlainSelect(forms.Select):
    """A <select> rendered in Python: Django's template per option costs ~10 ms for the
    few hundred charities a filter lists."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


def charity_choices() -> list[tuple[str, str]]:
    """(id, name) of every charity, by name; kept a minute (charities join rarely)."""
    from dermawan.site.reads import fresh

    return fresh(
        "charity-choices",
        lambda: list(Charity.objects.order_by("name", "id").values_list("id", "name")),
        seconds=60,
    )


class ProjectFilters(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY,
        error_messages={"max_length": _("Search for at most %(limit_value)d characters.")},
    )
    category = forms.ChoiceField(label=_("Category"), required=False, widget=PlainSelect)
    region = forms.ChoiceField(label=_("Region"), required=False, widget=PlainSelect)
    charity = forms.ChoiceField(label=_("Charity"), required=False, widget=PlainSelect)
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=100_000,
        error_messages={
            "invalid": _("The page must be a whole number."),
            "min_value": _("Pages start at 1."),
            "max_value": _("There are not that many pages."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invalid = _("Choose one of the listed options.")
        category: Any = self.fields["category"]
        category.choices = [("", _("All categories")), *labels.CATEGORIES.items()]
        category.error_messages["invalid_choice"] = invalid
        region: Any = self.fields["region"]
        region.choices = [
            ("", _("All regions")),
            *sorted(labels.REGIONS.items(), key=lambda r: r[1]),
        ]
        region.error_messages["invalid_choice"] = invalid
        charity: Any = self.fields["charity"]
        charity.choices = [("", _("All charities")), *charity_choices()]
        charity.error_messages["invalid_choice"] = invalid


class PageNumber(forms.Form):
    page = ProjectFilters.base_fields["page"]
