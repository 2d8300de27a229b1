"""Forms whose inputs point at their help and their errors (WCAG 1.3.1, 3.3.1).

The site's field template renders help as ``<id>-help`` and errors as
``<id>_error``; this base class sets ``aria-describedby`` on each input to
those it has, and ``aria-invalid`` on inputs with an error, so a screen
reader reads the message with the field.
"""

from __future__ import annotations

from django import forms


class DescribedForm(forms.Form):
    def full_clean(self) -> None:
        super().full_clean()
        self.describe()

    def describe(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}-help")
            validated = getattr(self, "_errors", None)  # None until full_clean ran
            if validated and name in validated:
                ids.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.describe()
