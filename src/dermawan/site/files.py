"""Static files and uploads, served by the site itself.

One process to run (``dermawan serve``), no separate file server: the files
are few and small, and the browser keeps static ones for a year (their names
carry their version, or change with a release). A proxy in front may serve
STATIC_ROOT (``dermawan collectstatic``) and MEDIA_ROOT itself instead.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.static import serve

# Vendored libraries carry their version in their names; our own CSS and
# scripts change with releases, so browsers check them again within the hour.
VENDOR_MAX_AGE = 365 * 24 * 3600
STATIC_MAX_AGE = 3600
MEDIA_MAX_AGE = 24 * 3600
# Public uploads: project and report photos. Anything else in MEDIA_ROOT (a
# charity's permits and documents) is private, served only by the back
# office's admin view.
PUBLIC_MEDIA = ("projects/", "reports/")


def static_file(request: HttpRequest, path: str) -> HttpResponseBase:
    try:
        found = finders.find(path)
    except SuspiciousFileOperation:  # a path that climbs out of the static folders
        found = None
    if not found or isinstance(found, list):
        raise Http404("no such file")
    response = FileResponse(open(found, "rb"))  # noqa: SIM115 - FileResponse closes it
    max_age = VENDOR_MAX_AGE if "/vendor/" in path else STATIC_MAX_AGE
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def media_file(request: HttpRequest, path: str) -> HttpResponseBase:
    if not path.startswith(PUBLIC_MEDIA) or ".." in path.split("/"):
        raise Http404("no such file")
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
