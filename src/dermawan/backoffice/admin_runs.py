"""Settlement runs for admins: list, create a period's run, approve with four eyes.

The work is dermawan.settlement's (``settle``, ``approve``, both writing their
own audit entries); this module turns its refusals into messages. The admin
who created a run is told before trying that another admin must approve it,
and ``approve`` refuses it anyway.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dermawan.accounts.roles import role_required
from dermawan.backoffice.described import DescribedForm
from dermawan.backoffice.office import actor, page_of, row_id, show
from dermawan.settlement.approval import approve
from dermawan.settlement.models import Run
from dermawan.settlement.periods import BadPeriod, parse_period, time_zone
from dermawan.settlement.runs import Refused, now_us, settle


def last_month() -> str:
    now = datetime.now(time_zone())
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


class RunForm(DescribedForm):
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=7,
        help_text=gettext_lazy("A month that has ended, written YYYY-MM (e.g. 2026-09)."),
    )

    def clean_period(self) -> str:
        text: str = self.cleaned_data["period"].strip()
        try:
            period = parse_period(text)
        except BadPeriod:
            raise forms.ValidationError(
                _("Write the month as YYYY-MM, for example %(example)s.")
                % {"example": last_month()}
            ) from None
        if period.end_us > now_us():
            raise forms.ValidationError(_("This month has not ended yet."))
        return period.name


def _run(run_id: str) -> Run:
    run = Run.objects.filter(pk=row_id(run_id)).first()
    if run is None:
        raise Http404
    return run


def _runs_page(request: HttpRequest, form: RunForm, status: int = 200) -> HttpResponse:
    runs = Run.objects.order_by("-period_end_us")
    context = {"page": page_of(request, runs), "form": form}
    return show(request, "admin/runs.html", "runs", context, status)


@role_required("admin")
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _runs_page(request, RunForm(initial={"period": last_month()}))
    form = RunForm(request.POST)
    if not form.is_valid():
        return _runs_page(request, form, 400)
    try:
        settled = settle(form.cleaned_data["period"], actor=actor(request))
    except Refused as refused:
        form.add_error("period", _("Settlement refused: %(reason)s") % {"reason": refused})
        return _runs_page(request, form, 400)
    if settled.created:
        messages.success(
            request,
            _("The run for %(period)s is drafted. Another admin must approve it.")
            % {"period": settled.run.period},
        )
    else:
        messages.info(
            request,
            _("%(period)s was settled before; nothing changed.") % {"period": settled.run.period},
        )
    return HttpResponseRedirect(reverse("backoffice:run", args=[settled.run.pk]))


@role_required("admin")
def run(request: HttpRequest, run_id: str) -> HttpResponse:
    found = _run(run_id)
    context = {
        "run": found,
        "payouts": found.payouts.order_by("charity_id", "currency"),
        "collections": found.collections.order_by("merchant_id", "currency")[:200],
        "own_run": found.created_by == actor(request),
    }
    return show(request, "admin/run.html", "runs", context)


@role_required("admin")
@require_POST
def approve_run(request: HttpRequest, run_id: str) -> HttpResponse:
    found = _run(run_id)
    who = actor(request)
    if found.created_by == who:
        messages.error(
            request,
            _("You created this run, so you cannot approve it: a second admin must."),
        )
        return HttpResponseRedirect(reverse("backoffice:run", args=[found.pk]))
    try:
        approve(found.pk, actor=who)
    except Refused as refused:
        messages.error(request, _("Approval refused: %(reason)s") % {"reason": refused})
    else:
        messages.success(request, _("The run is approved."))
    return HttpResponseRedirect(reverse("backoffice:run", args=[found.pk]))
