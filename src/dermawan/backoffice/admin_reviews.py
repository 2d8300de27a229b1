"""The admin's charity verification queue: documents, permits and their expiry, verify or refuse.

The queue is the charities not yet verified, then verified ones whose
permits have lapsed or lapse within ``SOON_DAYS`` (a lapsed permit stops
their projects taking new pledges: dermawan.catalog.permits). A decision
writes the charity's state and an audit entry in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dermawan.accounts.roles import role_required
from dermawan.auditlog.entries import record as audit
from dermawan.backoffice.described import DescribedForm
from dermawan.backoffice.office import actor, page_of, record_id, row_id, show
from dermawan.catalog.models import Charity, CharityDocument, CharityPermit
from dermawan.catalog.permits import permit_lapsed, today

SOON_DAYS = 30
VERIFY = "verify"
REFUSE = "refuse"


class DecisionForm(DescribedForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(VERIFY, gettext_lazy("Verify")), (REFUSE, gettext_lazy("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required to refuse; the charity sees it."),
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if any(not (ch.isprintable() or ch in "\n\r\t") for ch in reason):
            raise forms.ValidationError(_("Remove the control characters from this text."))
        return reason

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == REFUSE and not data.get("reason"):
            self.add_error("reason", _("Say why the charity is refused."))
        return data


@role_required("admin")
def queue(request: HttpRequest) -> HttpResponse:
    waiting = (
        Charity.objects.filter(verified=False)
        .annotate(documents_count=Count("documents", distinct=True))
        .annotate(last_permit=Max("permits__expires_on"))
        .order_by("name", "id")
    )
    soon = today() + timedelta(days=SOON_DAYS)
    # Verified charities whose newest permit ends within SOON_DAYS (or has ended).
    expiring = (
        Charity.objects.filter(verified=True)
        .annotate(last_permit=Max("permits__expires_on"))
        .filter(last_permit__lte=soon)
        .order_by("last_permit", "id")[:50]
    )
    context = {"page": page_of(request, waiting), "expiring": expiring, "today": today()}
    return show(request, "admin/queue.html", "verification", context)


def _charity(charity_id: str) -> Charity:
    charity = Charity.objects.filter(id=record_id(charity_id)).first()
    if charity is None:
        raise Http404
    return charity


def _review_page(
    request: HttpRequest, charity: Charity, form: DecisionForm, status: int = 200
) -> HttpResponse:
    context = {
        "charity": charity,
        "permits": CharityPermit.objects.filter(charity=charity),
        "documents": CharityDocument.objects.filter(charity=charity),
        "lapsed": permit_lapsed(charity.id),
        "today": today(),
        "form": form,
    }
    return show(request, "admin/review.html", "verification", context, status)


@role_required("admin")
def review(request: HttpRequest, charity_id: str) -> HttpResponse:
    return _review_page(request, _charity(charity_id), DecisionForm())


@role_required("admin")
@require_POST
def decide(request: HttpRequest, charity_id: str) -> HttpResponse:
    charity = _charity(charity_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _review_page(request, charity, form, 400)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    with transaction.atomic():
        if decision == VERIFY:
            Charity.objects.filter(id=charity.id).update(
                verified=True, verified_at=timezone.now(), review_note=reason
            )
            audit(actor(request), "charity.verify", f"charity:{charity.id}", note=reason)
        else:
            Charity.objects.filter(id=charity.id).update(
                verified=False, verified_at=None, review_note=reason
            )
            audit(actor(request), "charity.refuse", f"charity:{charity.id}", reason=reason)
    if decision == VERIFY:
        messages.success(request, _("%(name)s is verified.") % {"name": charity.name})
    else:
        messages.success(request, _("%(name)s is refused.") % {"name": charity.name})
    return HttpResponseRedirect(reverse("backoffice:admin"))


@role_required("admin")
def document(request: HttpRequest, document_id: str) -> HttpResponse:
    """A charity's verification document, for admins only (never linked by its media URL)."""
    found = CharityDocument.objects.filter(pk=row_id(document_id)).first()
    if found is None or not found.file:
        raise Http404
    try:
        with found.file.open("rb") as handle:
            content = handle.read()  # scans of a few MB: read whole
    except OSError:
        raise Http404 from None
    name = (found.file.name or "document").rsplit("/", 1)[-1]
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
