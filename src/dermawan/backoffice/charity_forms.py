"""A charity's forms: a project's goal and impact unit, photos, progress reports, bank accounts.

Amounts are typed in the project's currency in the charity's language
(``amounts``); photos are checked as images (Pillow, through Django's
ImageField) and bounded in size; a bank account's fields are validated by
dermawan.banking, whose refusals go back next to the field they concern.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dermawan.backoffice.amounts import AmountInvalid, parse_minor
from dermawan.backoffice.described import DescribedForm
from dermawan.catalog.models import Project
from dermawan.core.money import CURRENCY_EXPONENTS

LARGEST_PHOTO = 5 * 2**20  # bytes
MOST_PHOTOS = 6
MOST_BENEFICIARIES = 1_000_000_000


def _printable(value: str) -> str:
    """Text fields: no control characters (a pasted NUL or escape is refused, not stored)."""
    if any(not (ch.isprintable() or ch in "\n\r\t") for ch in value):
        raise forms.ValidationError(_("Remove the control characters from this text."))
    return value


class ProjectForm(DescribedForm):
    goal = forms.CharField(label=_("Goal"), max_length=40)
    impact_unit = forms.CharField(
        label=_("Impact unit: amount"),
        max_length=40,
        required=False,
        help_text=_("What one unit costs, e.g. 3.000 for one school lunch. Empty: no unit."),
    )
    impact_unit_id = forms.CharField(
        label=_("Impact unit in Indonesian"), max_length=100, required=False
    )
    impact_unit_en = forms.CharField(
        label=_("Impact unit in English"), max_length=100, required=False
    )
    impact_unit_zh_hans = forms.CharField(
        label=_("Impact unit in Chinese"), max_length=100, required=False
    )

    def __init__(self, project: Project, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_goal(self) -> int:
        try:
            goal = parse_minor(self.cleaned_data["goal"], self.project.currency)
        except AmountInvalid as invalid:
            raise forms.ValidationError(str(invalid)) from None
        if goal <= 0:
            raise forms.ValidationError(_("A goal is more than zero."))
        return goal

    def clean_impact_unit(self) -> int | None:
        text = self.cleaned_data.get("impact_unit", "")
        if not text.strip():
            return None
        try:
            unit = parse_minor(text, self.project.currency)
        except AmountInvalid as invalid:
            raise forms.ValidationError(str(invalid)) from None
        if unit <= 0:
            raise forms.ValidationError(_("An impact unit costs more than zero."))
        return unit

    def clean_impact_unit_id(self) -> str:
        return _printable(self.cleaned_data["impact_unit_id"].strip())

    def clean_impact_unit_en(self) -> str:
        return _printable(self.cleaned_data["impact_unit_en"].strip())

    def clean_impact_unit_zh_hans(self) -> str:
        return _printable(self.cleaned_data["impact_unit_zh_hans"].strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = [data.get(f) for f in ("impact_unit_id", "impact_unit_en", "impact_unit_zh_hans")]
        if data.get("impact_unit") is not None and not any(names):
            self.add_error("impact_unit_id", _("Name the unit, at least in Indonesian."))
        if data.get("impact_unit") is None and any(names) and "impact_unit" not in self.errors:
            self.add_error("impact_unit", _("Give the amount one unit costs."))
        return data


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.ImageField):
    """Several images in one input (Django's documented pattern), each checked as an image."""

    widget = MultipleImageInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(_("Choose at least one photo."))
        if len(files) > MOST_PHOTOS:
            raise forms.ValidationError(
                _("At most %(count)s photos at a time.") % {"count": MOST_PHOTOS}
            )
        cleaned = []
        for upload in files:
            if getattr(upload, "size", 0) > LARGEST_PHOTO:
                raise forms.ValidationError(
                    _("%(name)s is larger than 5 MB.") % {"name": getattr(upload, "name", "")}
                )
            cleaned.append(super().clean(upload, initial))
        return cleaned


class PhotoForm(DescribedForm):
    photos = PhotosField(label=_("Photos"), help_text=_("JPEG or PNG, up to 5 MB each."))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def clean_caption(self) -> str:
        return _printable(self.cleaned_data["caption"].strip())


class ReportForm(DescribedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("What was done"), widget=forms.Textarea, max_length=20_000)
    beneficiaries = forms.IntegerField(
        label=_("People who benefited"), min_value=0, max_value=MOST_BENEFICIARIES
    )
    photos = PhotosField(
        label=_("Photos"), required=False, help_text=_("JPEG or PNG, up to 5 MB each.")
    )

    def clean_title(self) -> str:
        title = _printable(self.cleaned_data["title"].strip())
        if not title:
            raise forms.ValidationError(_("This field is required."))
        return title

    def clean_body(self) -> str:
        body = _printable(self.cleaned_data["body"].strip())
        if not body:
            raise forms.ValidationError(_("This field is required."))
        return body


class BankAccountForm(DescribedForm):
    holder_name = forms.CharField(label=_("Account holder"), max_length=140)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[(c, c) for c in sorted(CURRENCY_EXPONENTS)], initial="IDR"
    )
    iban = forms.CharField(
        label=_("IBAN"), max_length=50, required=False, help_text=_("For accounts abroad.")
    )
    bic = forms.CharField(label=_("BIC (SWIFT)"), max_length=20, required=False)
    bank_code = forms.CharField(
        label=_("Bank code"),
        max_length=10,
        required=False,
        help_text=_("For Indonesian accounts: the 3-digit bank code, e.g. 014."),
    )
    account_number = forms.CharField(label=_("Account number"), max_length=40, required=False)

    def clean_holder_name(self) -> str:
        return _printable(self.cleaned_data["holder_name"])


class EndBankAccountForm(DescribedForm):
    reason = forms.CharField(label=_("Why"), max_length=200, required=False)

    def clean_reason(self) -> str:
        return _printable(self.cleaned_data["reason"].strip())
