"""A merchant's or charity's statement for a settled period, as CSV or PDF.

dermawan.settlement builds and renders it (rows summing to zero per
currency); this view only chooses whose (the signed-in member's own, never
another's) and in which language. A period not settled, or not written
YYYY-MM, answers 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from dermawan.accounts.roles import membership, role_required
from dermawan.settlement import statements
from dermawan.settlement.periods import BadPeriod, parse_period

FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def reader_locale() -> str:
    """settlement.statements' locale key for the active language."""
    language = (translation.get_language() or "id").split("-")[0]
    return language if language in statements.LOCALES else "id"


@role_required("merchant", "charity")
def statement(request: HttpRequest, period: str, file_format: str) -> HttpResponse:
    member = membership(request)
    assert member is not None and member.owner_id is not None
    if file_format not in FORMATS:
        raise Http404
    try:
        parse_period(period)
        found = statements.build(member.role, member.owner_id, period)
    except (BadPeriod, statements.NoStatement):
        raise Http404 from None
    locale = reader_locale()
    if file_format == "csv":
        body: bytes = statements.to_csv(found, locale).encode()
    else:
        body = statements.to_pdf(found, locale)
    response = HttpResponse(body, content_type=FORMATS[file_format])
    name = f"dermawan-{member.role}-{member.owner_id}-{period}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
