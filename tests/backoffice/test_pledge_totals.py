"""What each pledge made: kept by every engine batch, equal to a scan of its lines."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F, Q, Sum

from dermawan.backoffice.models import PledgeTotals
from dermawan.donations.models import OrderLine
from tests.conftest import ON_POSTGRES, run_dermawan
from tests.donations.builders import (
    PRODUCT,
    cancelled,
    catalog,
    completed,
    ingest,
    load,
    paid,
    percent_pledge,
    refunded,
    write_jsonl,
)

pytestmark = pytest.mark.django_db


def stored() -> dict[tuple[str, str], tuple[int, ...]]:
    return {
        (t.pledge_id, t.currency): (
            t.donations,
            t.pledged_minor,
            t.reversed_minor,
            t.confirmed_minor,
            t.pending_minor,
        )
        for t in PledgeTotals.objects.all()
    }


def scanned() -> dict[tuple[str, str], tuple[int, ...]]:
    """The oracle: the same figures summed over the order lines (what pages must not do)."""
    net = F("donation_minor") - F("reversed_minor")
    rows = (
        OrderLine.objects.filter(donation_minor__gt=0)
        .values("pledge_id", "currency")
        .annotate(
            n=Count("id"),
            pledged=Sum("donation_minor"),
            reversed=Sum("reversed_minor"),
            confirmed=Sum(net, filter=Q(status="completed"), default=0),
            pending=Sum(net, filter=Q(status="pending"), default=0),
        )
    )
    return {
        (r["pledge_id"], r["currency"]): (
            r["n"],
            r["pledged"],
            r["reversed"],
            r["confirmed"],
            r["pending"],
        )
        for r in rows
    }


def story() -> list[dict[str, Any]]:
    """Two pledges of one merchant: a product one (10 %) and a merchant-wide one (5 %)."""
    return [
        paid("e1", "o-1", "1", unit_price_minor=100_000),  # product pledge: 10_000
        paid("e2", "o-2", "1", product_id="other", unit_price_minor=100_000),  # wide: 5_000
        paid("e3", "o-3", "1", unit_price_minor=50_000, quantity=2),  # product: 10_000
        completed("e4", "o-1", "1"),
        refunded("e5", "o-3", "1", refund_minor=25_000),  # reverses 2_500 while pending
        cancelled("e6", "o-2", "1"),
        refunded("e7", "o-1", "1", refund_minor=100_000),  # after confirmation: all 10_000
        paid("e8", "o-4", "1", unit_price_minor=40_000),
        completed("e9", "o-4", "1"),
    ]


def load_story_catalog() -> None:
    load(
        catalog(
            percent_pledge("pl-wide"),
            percent_pledge("pl-rice", product_id=PRODUCT, basis_points=1000),
        )
    )


def test_each_batch_keeps_its_pledges_rows_equal_to_a_scan() -> None:
    load_story_catalog()
    events = story()
    ingest(*events[:3])
    assert stored() == scanned()
    ingest(*events[3:], batch_size=2)
    assert stored() == scanned()
    assert stored()[("pl-rice", "IDR")] == (3, 24_000, 12_500, 4_000, 7_500)
    assert stored()[("pl-wide", "IDR")] == (1, 5_000, 5_000, 0, 0)


def test_duplicates_and_rejects_change_nothing() -> None:
    load_story_catalog()
    ingest(*story())
    before = stored()
    report = ingest(*story(), refunded("e10", "o-4", "1", refund_minor=10**9))
    assert (report.counts["duplicates"], report.counts["rejected"]) == (9, 1)
    assert stored() == before == scanned()


def test_the_migration_fills_the_rollup_from_lines_already_there() -> None:
    load_story_catalog()
    ingest(*story())
    expected = stored()
    PledgeTotals.objects.all().delete()
    migration = importlib.import_module("dermawan.backoffice.migrations.0001_initial")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert stored() == expected == scanned()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite admits one writer at a time by itself")
def test_concurrent_writers_add_up(scratch_database_url: str, tmp_path: Path) -> None:
    """Two ``dermawan ingest`` processes writing the same pledges' rows at once: the
    additive upserts, in one lock order, add up to a scan of the lines."""
    import psycopg

    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(json.dumps(catalog(
        percent_pledge("pl-wide"), percent_pledge("pl-rice", product_id=PRODUCT, basis_points=1000)
    )))  # fmt: skip
    run_dermawan(scratch_database_url, "load-catalog", str(catalog_file))
    files = []
    for name in ("a", "b"):
        events = [paid(f"{name}-{n}", f"{name}-{n}", "1", product_id=PRODUCT if n % 2 else "x")
                  for n in range(400)]  # fmt: skip
        files.append(write_jsonl(tmp_path / f"{name}.jsonl", events))
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "dermawan", "ingest", str(f), "--batch-size", "50"],
            env=dict(os.environ, DERMAWAN_DATABASE_URL=scratch_database_url),
            stdout=subprocess.DEVNULL,
        )
        for f in files
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    with psycopg.connect(scratch_database_url) as db:
        rollup = db.execute(
            "SELECT pledge_id, donations, pledged_minor, pending_minor"
            " FROM backoffice_pledgetotals ORDER BY pledge_id"
        ).fetchall()
        scan = db.execute(
            "SELECT pledge_id, COUNT(*), SUM(donation_minor), SUM(donation_minor)"
            " FROM donations_orderline WHERE donation_minor > 0 GROUP BY pledge_id"
            " ORDER BY pledge_id"
        ).fetchall()
    assert rollup == scan
    assert [row[1] for row in rollup] == [400, 400]
