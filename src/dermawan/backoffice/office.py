"""What every back-office page shares: pages of a list, who is acting, rendering."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dermawan.catalog.models import ID_LENGTH

PER_PAGE = 50
LONGEST_ROW_ID = 18  # digits of a bigint
# Page numbers beyond this are not a list anyone reads page by page; a bigger
# number (or text, or nothing) shows the first page instead of an error.
LAST_PAGE_ASKED = 100_000


def page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "")
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return 1
    number = int(text)
    return number if 1 <= number <= LAST_PAGE_ASKED else 1


def page_of(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> Page[Any]:
    """The requested page of ``items`` (past the end: the last page)."""
    return Paginator(items, per_page).get_page(page_number(request))


def actor(request: HttpRequest) -> str:
    """The audit log's name for the signed-in person (``user:ayu``)."""
    return f"user:{request.user.get_username()}"


def show(
    request: HttpRequest,
    template: str,
    section: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render a back-office page; ``section`` marks the current item of the office menu."""
    context = {"office_section": section, "now": timezone.now(), **context}
    return render(request, f"backoffice/{template}", context, status=status)


def record_id(text: str) -> str:
    """A catalog id from the URL, or 404: too long, or holding characters no id has
    (PostgreSQL refuses a NUL in any string, so it must never reach a query)."""
    if len(text) > ID_LENGTH or not text.isprintable():
        raise Http404
    return text


def row_id(text: str) -> int:
    """A row's integer id from the URL, or 404 (text, signs, or past a bigint)."""
    if not text.isascii() or not text.isdigit() or len(text) > LONGEST_ROW_ID:
        raise Http404
    return int(text)
