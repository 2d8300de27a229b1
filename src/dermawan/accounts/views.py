"""Signing in and out (Django's auth views with the site's templates)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from dermawan.accounts.forms import SignInForm
from dermawan.accounts.roles import home_url, membership


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


def landing(request: HttpRequest) -> HttpResponse:
    """After signing in: the page of the user's role (or ``next``, when safe)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = ""
    return HttpResponseRedirect(target or home_url(membership(request)))
