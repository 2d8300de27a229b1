"""The WSGI application ``dermawan serve`` runs (``dermawan.api.wsgi:application``).

Two Django handlers behind one path check:
- under ``/api/``, a handler with only the middleware an API answer needs
  (``API_MIDDLEWARE``). A key, never a cookie, says who calls, so sessions,
  CSRF, messages, the locale and frame headers have nothing to do there
  (decision 0034); they cost each request more than the key check does.
- everything else (the site, the back office) gets ``settings.MIDDLEWARE``.

Everything a first request would load (the URL conf, the API and its
schemas) is loaded here, when the worker starts, not on a caller's time;
then the garbage collector is told to leave it alone (core/collector.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver

from dermawan.api.middleware import API_PREFIX
from dermawan.core import collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dermawan.settings")

API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",  # nosniff, HSTS, redirects
    "dermawan.api.middleware.ProblemMiddleware",
]


class ApiHandler(WSGIHandler):
    """A WSGI handler whose middleware chain is ``API_MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE and nothing else;
        # this runs once per process, at import, before any request thread.
        site = settings.MIDDLEWARE
        settings.MIDDLEWARE = API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = site


site_application = get_wsgi_application()
api_application = ApiHandler()
get_resolver().urlconf_module  # noqa: B018 - imports dermawan.urls and the API now

from dermawan.api import hot_path  # noqa: E402 - needs the apps loaded (get_wsgi_application)


class HotPathHandler(ApiHandler):
    """The API's request cycle and middleware around ``hot_path.events_view``,
    with no URL to resolve and no Ninja operation to run (hot_path.py)."""

    def _get_response(self, request: HttpRequest) -> HttpResponse:
        return hot_path.events_view(request)


events_application = HotPathHandler()

StartResponse = Callable[..., Any]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO", "").startswith(API_PREFIX):
        if hot_path.serves(environ):
            return events_application(environ, start_response)
        return api_application(environ, start_response)
    return site_application(environ, start_response)


# Last: all of the above is loaded for the process's life (core/collector.py).
collector.settle_after_startup()
