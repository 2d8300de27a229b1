"""The WSGI application ``dermawan serve`` runs (``dermawan.api.wsgi:application``).

Everything a first request would load (the URL conf, the API and its
schemas) is loaded here, when the worker starts, not on a caller's time.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dermawan.settings")
application = get_wsgi_application()
get_resolver().urlconf_module  # noqa: B018 - imports dermawan.urls and the API now
