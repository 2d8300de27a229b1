"""A merchant's pledge, as a form: typed in the merchant's language, checked as the API checks.

The form reads what people type (a percentage or an amount in the locale's
notation, dates) into a catalog record; ``pledge_actions`` then hands that
record to ``load_catalog``, the validation ``dermawan load-catalog`` and the
API use, and puts its refusals back next to the fields they concern.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dermawan.backoffice.amounts import AmountInvalid, parse_basis_points, parse_minor
from dermawan.backoffice.described import DescribedForm
from dermawan.catalog.models import ID_LENGTH, Pledge, Project
from dermawan.catalog.permits import can_take_pledges

PRODUCT_HELP = _("The marketplace's id of the product. Leave empty to pledge every product.")


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def pledgeable_projects() -> QuerySet[Project]:
    """Projects that take new pledges: active ones."""
    return Project.objects.filter(status="active").select_related("charity").order_by("name", "id")


class PledgeForm(DescribedForm):
    product_id = forms.CharField(
        label=_("Product id"), max_length=ID_LENGTH, required=False, help_text=PRODUCT_HELP
    )
    project = forms.ChoiceField(label=_("Project"))
    kind = forms.ChoiceField(
        label=_("Kind of pledge"),
        choices=[
            (Pledge.PERCENT, _("A percentage of each sale")),
            (Pledge.FIXED, _("A fixed amount per item sold")),
        ],
        widget=forms.RadioSelect,
        initial=Pledge.PERCENT,
    )
    percent = forms.CharField(
        label=_("Percentage"), required=False, max_length=40, help_text=_("For example 5 or 2,5.")
    )
    amount = forms.CharField(
        label=_("Amount per item"),
        required=False,
        max_length=40,
        help_text=_("In the project's currency."),
    )
    max_per_line = forms.CharField(
        label=_("Most per order line"),
        required=False,
        max_length=40,
        help_text=_("Optional cap on one order line's donation, in the project's currency."),
    )
    valid_from = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("Ends before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional. Leave empty to keep the pledge open."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.projects = {p.id: p for p in pledgeable_projects()}
        project_field = self.fields["project"]
        assert isinstance(project_field, forms.ChoiceField)
        project_field.choices = [("", _("Choose a project"))] + [
            (p.id, f"{p.name} ({p.charity.name}, {p.currency})") for p in self.projects.values()
        ]
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.now().date())

    def clean_product_id(self) -> str | None:
        value = str(self.cleaned_data.get("product_id") or "").strip()
        if value and not value.isprintable():
            raise forms.ValidationError(_("Use letters, digits and punctuation only."))
        return value or None

    def clean_valid_from(self) -> date:
        value: date = self.cleaned_data["valid_from"]
        if value < timezone.now().date():
            raise forms.ValidationError(
                _("A pledge starts today or later: donations already made keep their pledge.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        project = self.projects.get(data.get("project") or "")
        kind = data.get("kind")
        if project is None or kind is None:
            return data
        if not can_take_pledges(project):
            self.add_error(
                "project",
                _("The charity's fundraising permit has lapsed: the project takes no new pledges."),
            )
        if kind == Pledge.PERCENT:
            self._read("percent", lambda text: parse_basis_points(text), required=True)
        else:
            self._read("amount", lambda text: parse_minor(text, project.currency), required=True)
        self._read("max_per_line", lambda text: parse_minor(text, project.currency))
        start, end = data.get("valid_from"), data.get("valid_to")
        if start is not None and end is not None and end <= start:
            self.add_error("valid_to", _("The end must be after the start."))
        return data

    def _read(self, name: str, parse: Any, *, required: bool = False) -> None:
        text = str(self.cleaned_data.get(name) or "")
        if not text.strip():
            self.cleaned_data[name] = None
            if required:
                self.add_error(name, _("This field is required."))
            return
        try:
            self.cleaned_data[name] = parse(text)
        except AmountInvalid as invalid:
            self.add_error(name, str(invalid))

    def record(self, pledge_id: str, merchant_id: str) -> dict[str, Any]:
        """The catalog record (spec section 2) this valid form describes."""
        data = self.cleaned_data
        project = self.projects[data["project"]]
        start: date = data["valid_from"]
        # Starting today means from now: a pledge never reaches back to lines already paid.
        valid_from = timezone.now() if start == timezone.now().date() else start_of(start)
        end: date | None = data.get("valid_to")
        record: dict[str, Any] = {
            "id": pledge_id,
            "merchant_id": merchant_id,
            "product_id": data["product_id"],
            "project_id": project.id,
            "kind": data["kind"],
            "valid_from": valid_from.astimezone(UTC).isoformat(),
            "valid_to": None if end is None else start_of(end).isoformat(),
        }
        if data["kind"] == Pledge.PERCENT:
            record["basis_points"] = data["percent"]
        else:
            record["amount_minor"] = data["amount"]
            record["currency"] = project.currency
        if data.get("max_per_line") is not None:
            record["max_per_line_minor"] = data["max_per_line"]
        return record


class EndPledgeForm(DescribedForm):
    ends_on = forms.DateField(
        label=_("End on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to end it now."),
    )
