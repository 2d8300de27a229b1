"""URL routes: the JSON API under /api/v1 (the site arrives with its own issue)."""

from django.urls import URLPattern, URLResolver, path

from dermawan.api.app import api

urlpatterns: list[URLPattern | URLResolver] = [path("api/v1/", api.urls)]
