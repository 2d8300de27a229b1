"""/office/: each signed-in role goes to its own first page."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from dermawan.accounts.roles import membership

HOMES = {
    "merchant": "backoffice:merchant",
    "charity": "backoffice:charity",
    "admin": "backoffice:admin",
}


def start(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = membership(request)
    if member is None or member.role not in HOMES:
        raise PermissionDenied("the back office is for merchants, charities and admins")
    return HttpResponseRedirect(reverse(HOMES[member.role]))
