"""URL routes: the JSON API under /api/v1, the site's pages, sign-in, language switch."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from dermawan.api.app import api
from dermawan.site import files

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("dermawan.accounts.urls")),
    path("office/", include("dermawan.backoffice.urls")),
    re_path(r"^static/(?P<path>.+)$", files.static_file, name="static"),
    re_path(r"^media/(?P<path>.+)$", files.media_file, name="media"),
    path("receipts/", include("dermawan.transparency.urls")),  # /receipts/verify: in-browser check
    path("", include("dermawan.site.urls")),
]
