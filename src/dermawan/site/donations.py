"""A buyer's donation history (signed in as a buyer), each order's receipt downloadable.

The lines and their statuses come from the API's receipt logic
(dermawan.api.receipts), so the page, the JSON download and
``GET /api/v1/orders/{id}/receipt`` say the same thing; the download is the
API's document for the order, which ``dermawan verify-receipt`` and the
receipt check page take as it is.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from dermawan.accounts.roles import membership, role_required
from dermawan.api import receipts
from dermawan.catalog.models import Project
from dermawan.donations.models import OrderLine
from dermawan.site.forms import PageNumber

PER_PAGE = 20
MAX_ORDER_ID = 100


def buyer_lines(buyer_id: str) -> Any:
    """The buyer's lines that made a donation (indexed by buyer: see decision 0023)."""
    return OrderLine.objects.filter(buyer_id=buyer_id, donation_minor__gt=0)


def history_lines(lines: list[OrderLine]) -> list[dict[str, Any]]:
    """What the history table shows per line: the receipt's figures and status, without the
    log proofs (those are read per leaf; the downloaded receipt carries them)."""
    names = dict(
        Project.objects.filter(id__in={ln.project_id for ln in lines}).values_list("id", "name")
    )
    paid_out = receipts.paid_out_lines(ln.id for ln in lines if ln.status == OrderLine.COMPLETED)
    # URLs and labels made once per page, not per row in the template.
    project_url = reverse("site:project", args=["-"])[:-2]
    receipt_url = reverse("site:receipt_download", args=["-"])
    labels = status_labels()
    rows = []
    for ln in lines:
        status = receipts.status_of(ln, paid_out)
        rows.append(
            {
                "order_id": ln.order_id,
                "paid_at_us": ln.paid_at_us,
                "project_url": f"{project_url}{quote(str(ln.project_id), safe='')}/",
                "receipt_url": receipt_url.replace("/-/", f"/{quote(ln.order_id, safe='')}/"),
                "project_name": names.get(str(ln.project_id), ln.project_id),
                "currency": ln.currency,
                "net_minor": ln.donation_minor - ln.reversed_minor,
                "status": status,
                "status_label": labels[status][0],
                "status_class": labels[status][1],
            }
        )
    return rows


def status_labels() -> dict[str, tuple[str, str]]:
    """A receipt status's words and tag colour, in the active language."""
    return {
        receipts.PENDING: (gettext("pending"), ""),
        receipts.CONFIRMED: (gettext("confirmed"), "good"),
        receipts.PAID_OUT: (gettext("paid to the charity"), "good"),
        receipts.REVERSED: (gettext("reversed"), "bad"),
    }


@require_GET
@role_required("buyer")
def donation_history(request: HttpRequest) -> HttpResponse:
    member = membership(request)
    assert member is not None and member.owner_id is not None
    form = PageNumber(request.GET)
    status = 200
    items: list[dict[str, Any]] = []
    page_obj = None
    query = buyer_lines(member.owner_id)
    sums = query.values("currency").annotate(
        lines=Count("id"), given=Sum("donation_minor"), reversed=Sum("reversed_minor")
    )
    totals = [
        {"currency": s["currency"], "lines": s["lines"], "net_minor": s["given"] - s["reversed"]}
        for s in sums.order_by("currency")
    ]
    if form.is_valid():
        paginator = Paginator(query.order_by("-paid_at_us", "-id"), PER_PAGE)
        # The totals counted the lines already: no second COUNT for the pager.
        paginator.count = sum(t["lines"] for t in totals)
        number = form.cleaned_data["page"] or 1
        if number > max(paginator.num_pages, 1):
            form.add_error("page", translation.gettext("There are not that many pages."))
            status = 400
        else:
            page_obj = paginator.page(number)
            items = history_lines(list(page_obj.object_list))
    else:
        status = 400
    return render(
        request,
        "site/donations.html",
        {"form": form, "items": items, "page_obj": page_obj, "totals": totals},
        status=status,
    )


@require_GET
@role_required("buyer")
def receipt_download(request: HttpRequest, order_id: str) -> HttpResponse:
    """The order's receipt as JSON (only the buyer's own orders; others are not found)."""
    member = membership(request)
    assert member is not None and member.owner_id is not None
    if len(order_id) > MAX_ORDER_ID or not order_id.isprintable():
        raise Http404("no such receipt")
    lines = sorted(
        buyer_lines(member.owner_id).filter(order_id=order_id), key=lambda ln: ln.line_id
    )
    if not lines:
        raise Http404("no such receipt")
    document = {
        "order_id": order_id,
        "lines": receipts.receipt_lines(lines),
        "totals": receipts.totals(lines),
    }
    response = HttpResponse(
        orjson.dumps(document, option=orjson.OPT_INDENT_2), content_type="application/json"
    )
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in order_id)
    response["Content-Disposition"] = f'attachment; filename="receipt-{safe}.json"'
    return response
