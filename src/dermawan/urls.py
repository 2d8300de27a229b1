"""URL routes; the site and API arrive with their own issues."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
