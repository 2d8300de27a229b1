"""``POST /api/v1/events`` straight to its view, past the URL resolver and Ninja.

The marketplace's single-event requests are the API's hottest. Under load,
resolving the URL and running Ninja's operation (its checks, its temporal
response, its exception lookup) cost the server's processes CPU that the
engine's writer then waits for (decision 0038).

``events_view`` does what Ninja does for this one operation:
- the key check is Ninja's auth hook (``auth.authenticate``), its actor set
  on ``request.auth``;
- an exception goes to the handlers the API registered with Ninja
  (``app.api.on_exception``): the same problem documents, the same log line.

``wsgi.HotPathHandler`` runs it inside the API's request cycle: Django's
handler, its request signals and the API's middleware, as for any other
route. The route stays in the API too (its OpenAPI operation, the test
client), and both call the same view.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from dermawan.api.app import api
from dermawan.api.auth import authenticate
from dermawan.api.events import post_events

PATH = "/api/v1/events"
METHOD = "POST"


def serves(environ: dict[str, Any]) -> bool:
    """Whether ``events_view`` answers this request."""
    return environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == METHOD


def events_view(request: HttpRequest) -> HttpResponse:
    try:
        request.auth = authenticate(request)  # type: ignore[attr-defined]  # as Ninja sets it
        return post_events(request)
    except Exception as error:  # the API's handlers decide, as under Ninja
        return api.on_exception(request, error)
