"""Who is calling: an API key's actor, or the anonymous public.

Every request goes through ``authenticate`` (Ninja's auth hook, so it runs
before the body is parsed): the key from ``Authorization: Bearer <key>``
(or ``X-Api-Key``), its revocation, its rate limit, and its request
signature. A presented key that is not valid is refused, never read as
anonymous. Each route then says which actors it serves with ``require``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.security.base import AuthBase

from dermawan.api import keys, ratelimits, signatures
from dermawan.api.models import ApiKey
from dermawan.api.problems import Problem

MARKETPLACE, MERCHANT, CHARITY, ADMIN = keys.KINDS
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    kind: str
    owner_id: str = ""
    key_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == ADMIN

    @property
    def label(self) -> str:
        """Who acted, as the audit log names it: ``admin-key:7``, ``anonymous``."""
        return self.kind if self.key_id is None else f"{self.kind}-key:{self.key_id}"


PUBLIC = Actor(ANONYMOUS)


def presented_key(request: HttpRequest) -> str | None:
    # From META: request.headers would first copy every header of the request.
    header: str | None = request.META.get("HTTP_AUTHORIZATION")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Problem("unauthorized", "Authorization must read 'Bearer <API key>'")
        return value.strip()
    key: str | None = request.META.get("HTTP_X_API_KEY")
    return key


def _client(request: HttpRequest) -> str:
    return "ip:" + str(request.META.get("REMOTE_ADDR", ""))


def _has_nul(request: HttpRequest) -> bool:
    """A NUL in the path or query (PostgreSQL cannot compare text holding one)."""
    if "\x00" in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    if "\x00" not in query and "%00" not in query:  # no NUL, encoded or not: nothing to parse
        return False
    return any(
        "\x00" in name or any("\x00" in value for value in values)
        for name, values in request.GET.lists()
    )


def authenticate(request: HttpRequest) -> Actor:
    if _has_nul(request):
        raise Problem("bad-request", "the path or query holds a NUL character")
    presented = presented_key(request)
    if presented is None:
        ratelimits.take(_client(request), *ratelimits.DEFAULTS[ANONYMOUS])
        return PUBLIC
    key = keys.find(presented)
    if key is None:
        ratelimits.take(_client(request), *ratelimits.DEFAULTS[ANONYMOUS])
        raise Problem("unauthorized", "the API key is not valid")
    if key.revoked_at is not None:
        raise Problem("revoked-key", f"the API key {key.prefix} was revoked")
    rate, burst = ratelimits.DEFAULTS[key.kind]
    ratelimits.take(
        f"key:{key.id}",
        key.rate_per_second if key.rate_per_second is not None else rate,
        key.burst if key.burst is not None else burst,
    )
    signatures.check(request, key)
    return Actor(key.kind, key.owner_id, key.id)


class KeyAuth(AuthBase):
    """Bearer API keys; lets anonymous callers through as ``PUBLIC``."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Actor:
        return authenticate(request)


SCHEME = "KeyAuth"
# OpenAPI security of a route anyone may call (a key is optional).
OPTIONAL: dict[str, Any] = {"security": [{}, {SCHEME: []}]}


def actor(request: HttpRequest) -> Actor:
    found = getattr(request, "auth", None)
    return found if isinstance(found, Actor) else PUBLIC


def require(request: HttpRequest, *kinds: str) -> Actor:
    """The caller, if it is one of ``kinds``; else 401 (no key) or 403 (wrong actor)."""
    who = actor(request)
    if who.kind in kinds:
        return who
    if who.kind == ANONYMOUS:
        raise Problem("unauthorized", "this needs an API key")
    wanted = " or ".join(kinds)
    raise Problem("forbidden", f"a {who.kind} key may not do this; it needs a {wanted} key")


__all__ = ["ADMIN", "CHARITY", "MARKETPLACE", "MERCHANT", "Actor", "ApiKey", "require"]
