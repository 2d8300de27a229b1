"""The receipt check page: the browser verifies a pasted receipt (static/transparency/verify.js).

It extends the site's layout when the site app is installed, else a bare page
of its own; the check itself never leaves the browser.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from dermawan.transparency import recording, signing

SITE_BASE = "site/base.html"
OWN_BASE = "transparency/standalone.html"


def _base() -> str:
    try:
        get_template(SITE_BASE)
    except TemplateDoesNotExist:
        return OWN_BASE
    return SITE_BASE


def verify_receipt(request: HttpRequest) -> HttpResponse:
    key = recording.signing_key().public_key()
    return render(
        request,
        "transparency/verify.html",
        {
            "base_template": _base(),
            "public_key": signing.public_base64(key),
            "key_id": signing.key_id(key),
            "key_url": "/api/v1/log/key",
        },
    )
