"""Pages read rollups, never donations: no back-office page's SQL touches the order lines,
their events or the ledger's postings, and each page costs a bounded number of queries
however many donations there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.backoffice.conftest import PROJECT, People
from tests.donations.builders import completed, ingest, paid

pytestmark = pytest.mark.django_db

SCANS = ("donations_orderline", "donations_event", "ledger_posting", "ledger_transaction")
MOST_QUERIES = 25
PAGES = {
    "merchant": ["/office/merchant/", "/office/merchant/pledges/pl-mine/",
                 "/office/merchant/pledges/new/", "/office/merchant/statements/"],
    "charity": ["/office/charity/", f"/office/charity/projects/{PROJECT}/",
                "/office/charity/bank-accounts/", "/office/charity/payouts/"],
    "admin": ["/office/admin/", "/office/admin/charities/yayasan-lain/", "/office/admin/runs/",
              "/office/admin/dead-letters/", "/office/admin/audit/"],
}  # fmt: skip


@pytest.mark.parametrize(("who", "path"), [(w, p) for w, ps in PAGES.items() for p in ps])
def test_a_page_reads_no_donations(people: People, who: str, path: str) -> None:
    ingest(*[paid(f"p{n}", f"o-{n}", "1", occurred_at="2026-09-03T10:00:00Z") for n in range(30)],
           *[completed(f"c{n}", f"o-{n}", "1") for n in range(10)])  # fmt: skip
    client = getattr(people, who)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    statements = [q["sql"].lower() for q in queries.captured_queries]
    assert not [s for s in statements if any(table in s for table in SCANS)]
    assert len(statements) <= MOST_QUERIES
