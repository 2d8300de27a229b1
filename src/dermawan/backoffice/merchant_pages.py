"""The merchant's back office: its pledges (what each made), new and ended pledges, dues.

Every query is narrowed to the signed-in merchant first; another merchant's
pledge answers 404, exactly like one that does not exist. Figures come from
rollups (``PledgeTotals``, ledger balances, settlement's collections), never
from a scan of donations.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dermawan.accounts.roles import membership, role_required
from dermawan.backoffice import merchant_dues, pledge_actions, pledge_totals
from dermawan.backoffice.office import actor, page_of, record_id, show
from dermawan.backoffice.pledge_forms import EndPledgeForm, PledgeForm
from dermawan.catalog.models import Merchant, Pledge


def _merchant_id(request: HttpRequest) -> str:
    member = membership(request)
    assert member is not None and member.owner_id is not None  # role_required let it in
    return member.owner_id


def own_pledge(request: HttpRequest, pledge_id: str) -> Pledge:
    """The merchant's own pledge, or 404 (another merchant's pledge does not exist here)."""
    pledge = (
        Pledge.objects.filter(id=record_id(pledge_id), merchant_id=_merchant_id(request))
        .select_related("project", "project__charity")
        .first()
    )
    if pledge is None:
        raise Http404
    return pledge


@role_required("merchant")
def home(request: HttpRequest) -> HttpResponse:
    merchant_id = _merchant_id(request)
    pledges = (
        Pledge.objects.filter(merchant_id=merchant_id)
        .select_related("project")
        .order_by("-valid_from", "id")
    )
    page = page_of(request, pledges)
    totals = pledge_totals.of_pledges(p.id for p in page.object_list)
    rows = [(p, totals.get(p.id, [])) for p in page.object_list]
    return show(
        request,
        "merchant/home.html",
        "pledges",
        {
            "merchant": Merchant.objects.filter(id=merchant_id).first(),
            "page": page,
            "rows": rows,
            "dues": merchant_dues.dues(merchant_id),
        },
    )


@role_required("merchant")
@require_http_methods(["GET", "POST"])
def new_pledge(request: HttpRequest) -> HttpResponse:
    form = PledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pledge = pledge_actions.create(form, _merchant_id(request), actor(request))
        if pledge is not None:
            messages.success(request, _("Your pledge is in place."))
            return HttpResponseRedirect(reverse("backoffice:pledge", args=[pledge.id]))
    status = 400 if request.method == "POST" else 200
    return show(request, "merchant/new_pledge.html", "new_pledge", {"form": form}, status)


@role_required("merchant")
def pledge(request: HttpRequest, pledge_id: str) -> HttpResponse:
    found = own_pledge(request, pledge_id)
    totals = pledge_totals.of_pledges([found.id]).get(found.id, [])
    context = {"pledge": found, "totals": totals, "end_form": EndPledgeForm()}
    return show(request, "merchant/pledge.html", "pledges", context)


@role_required("merchant")
@require_POST
def end_pledge(request: HttpRequest, pledge_id: str) -> HttpResponse:
    found = own_pledge(request, pledge_id)
    form = EndPledgeForm(request.POST)
    if form.is_valid():
        try:
            pledge_actions.end(found, form.cleaned_data.get("ends_on"), actor(request))
        except pledge_actions.PledgeRefused as refused:
            form.add_error("ends_on", str(refused))
        else:
            messages.success(request, _("The pledge is ended."))
            return HttpResponseRedirect(reverse("backoffice:pledge", args=[found.id]))
    totals = pledge_totals.of_pledges([found.id]).get(found.id, [])
    context = {"pledge": found, "totals": totals, "end_form": form}
    return show(request, "merchant/pledge.html", "pledges", context, 400)


@role_required("merchant")
def statements(request: HttpRequest) -> HttpResponse:
    """What each settlement run collected from the merchant, by period."""
    collections = merchant_dues.collections_query(_merchant_id(request))
    return show(
        request, "merchant/statements.html", "statements", {"page": page_of(request, collections)}
    )
