"""Who is asking, for views: ``membership(request)`` and ``@role_required(...)``.

The whole API the back office and the site use::

    from dermawan.accounts.roles import Member, membership, role_required

    @role_required("merchant")
    def statements(request):
        member = membership(request)      # never None inside a role_required view
        member.role, member.owner_id      # "merchant", the catalog Merchant id

- ``membership(request)`` -> ``Member | None``: ``None`` for anonymous
  visitors and for users with neither ``is_staff`` nor a Membership. Admins
  (``is_staff``) are ``Member(role="admin", owner_id=None)``.
- ``role_required(*roles)``: anonymous visitors are sent to the sign-in page
  (and back afterwards); a signed-in user of another role gets 403 with the
  site's page. Admins pass only where "admin" is listed: an admin does not
  act as a merchant.
- ``home_url(member)``: where a role lands after signing in (``ROLE_HOMES``
  names URL patterns; a role whose pages are not installed lands on the home page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from dermawan.accounts.models import ADMIN, BUYER, CHARITY, MERCHANT, ROLES, Membership

View = TypeVar("View", bound=Callable[..., HttpResponse])

# The first URL name that resolves is where a role lands after signing in.
ROLE_HOMES: dict[str, tuple[str, ...]] = {
    BUYER: ("site:donations",),
    MERCHANT: ("backoffice:merchant", "site:home"),
    CHARITY: ("backoffice:charity", "site:home"),
    ADMIN: ("backoffice:admin", "site:home"),
}


@dataclass(frozen=True)
class Member:
    role: str
    owner_id: str | None  # buyer, merchant or charity id; None for admins
    user_id: int


def member_of(user: Any) -> Member | None:
    """The Member for a user object (anonymous or without a role: None)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff:
        return Member(ADMIN, None, user.pk)
    try:
        found: Membership = user.membership
    except Membership.DoesNotExist:
        return None
    return Member(found.role, found.owner_id, user.pk)


def membership(request: HttpRequest) -> Member | None:
    """Who the request's user is on the platform (cached on the request)."""
    if hasattr(request, "_dermawan_member"):
        cached: Member | None = request._dermawan_member
        return cached
    member = member_of(getattr(request, "user", None))
    request._dermawan_member = member  # type: ignore[attr-defined]
    return member


def role_required(*roles: str) -> Callable[[View], View]:
    """Only users of these roles; others are asked to sign in, or refused (403)."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"role_required takes roles among {ROLES}, not {sorted(unknown)}")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = membership(request)
            if member is None or member.role not in roles:
                raise PermissionDenied(f"this page is for {' or '.join(roles)} accounts")
            return view(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def home_url(member: Member | None) -> str:
    """Where this member lands after signing in."""
    names = ROLE_HOMES.get(member.role, ()) if member else ()
    for name in (*names, "site:home"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/"
