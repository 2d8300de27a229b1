"""The transparency page: the latest signed tree heads, the key, and how to check them."""

from __future__ import annotations

import base64
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dermawan.site import formatting
from dermawan.site.reads import fresh
from dermawan.transparency.models import TreeHead

SHOWN = 10


def public_key() -> dict[str, str] | None:
    """The log's public key (PEM and id), when this server holds the signing key."""
    from dermawan.transparency import signing

    try:
        key = signing.load_key().public_key()
    except Exception:  # no key yet, or unreadable: the page says so instead
        return None
    return {"pem": signing.public_pem(key), "id": signing.key_id(key)}


def _head(head: TreeHead) -> dict[str, Any]:
    return {
        "tree_size": head.tree_size,
        "signed_at": formatting.from_micros(head.timestamp_ms * 1000),
        "root_hash": base64.b64encode(bytes(head.root_hash)).decode("ascii"),
        "signature": base64.b64encode(bytes(head.signature)).decode("ascii"),
        "key_id": head.key_id,
    }


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    heads = [_head(h) for h in TreeHead.objects.order_by("-id")[:SHOWN]]
    return render(
        request,
        "site/transparency.html",
        {
            "heads": heads,
            "latest": heads[0] if heads else None,
            # Read from the key file once a minute, not on every visit.
            "key": fresh("log-public-key", lambda: public_key() or {}, seconds=60) or None,
        },
    )
