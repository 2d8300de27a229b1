"""The admin's back office: webhook dead letters and the audit log.

(Charity verification and settlement runs live in their own modules.) Every
action writes an audit entry in the same transaction as the action.
"""

from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dermawan.accounts.roles import role_required
from dermawan.auditlog.entries import entries
from dermawan.auditlog.entries import record as audit
from dermawan.backoffice.described import DescribedForm
from dermawan.backoffice.office import actor, page_of, row_id, show
from dermawan.core.instants import MICROS_PER_SECOND
from dermawan.webhooks.delivery import requeue
from dermawan.webhooks.models import Delivery


@role_required("admin")
def dead_letters(request: HttpRequest) -> HttpResponse:
    dead = (
        Delivery.objects.filter(status=Delivery.DEAD)
        .select_related("message", "endpoint")
        .order_by("-finished_at_us", "-id")
    )
    return show(
        request, "admin/dead_letters.html", "dead_letters", {"page": page_of(request, dead)}
    )


@role_required("admin")
@require_POST
def retry_dead_letter(request: HttpRequest, delivery_id: str) -> HttpResponse:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(id=row_id(delivery_id)).first()
        if delivery is None:
            raise Http404
        if delivery.status != Delivery.DEAD:
            messages.error(
                request,
                _("Delivery %(id)s is not a dead letter any more; nothing was changed.")
                % {"id": delivery.pk},
            )
        else:
            requeue(delivery, int(time.time() * MICROS_PER_SECOND))
            audit(
                actor(request),
                "webhook.retry",
                f"delivery:{delivery.pk}",
                endpoint=delivery.endpoint_id,
                message=delivery.message_id,
            )
            messages.success(
                request,
                _("Delivery %(id)s is back in the queue, with a fresh 24 hours of retries.")
                % {"id": delivery.pk},
            )
    return HttpResponseRedirect(reverse("backoffice:dead_letters"))


class AuditFilters(DescribedForm):
    action = forms.CharField(
        label=gettext_lazy("Action starts with"), required=False, max_length=64
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), required=False, max_length=200)
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False, max_length=150)


@role_required("admin")
def audit_log(request: HttpRequest) -> HttpResponse:
    filters = AuditFilters(request.GET)
    if filters.is_valid():
        found = entries(
            action_prefix=filters.cleaned_data["action"],
            subject=filters.cleaned_data["subject"],
            actor=filters.cleaned_data["actor"],
        )
        query = urlencode({k: v for k, v in filters.cleaned_data.items() if v})
    else:
        found = entries().none()
        query = ""
    context = {
        "filters": filters,
        "page": page_of(request, found),
        "query": f"{query}&" if query else "",
    }
    return show(request, "admin/audit.html", "audit", context, 200 if filters.is_valid() else 400)
