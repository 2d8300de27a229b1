"""Ids longer than their columns are refused as malformed, never a database error."""

from __future__ import annotations

import pytest

from dermawan.catalog.loader import CatalogRefused, load_catalog
from tests.donations.builders import (
    catalog,
    ingest,
    load_default_catalog,
    merchant,
    paid,
    reason_of,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "length", "accepted"),
    [
        ("event_id", 200, True),
        ("event_id", 201, False),
        ("order_id", 100, True),
        ("order_id", 101, False),
        ("product_id", 101, False),
        ("buyer_id", 101, False),
    ],
)
def test_event_ids_within_their_columns(field: str, length: int, accepted: bool) -> None:
    load_default_catalog()
    event = paid("p1", **{field: "x" * length}) if field != "event_id" else paid("x" * length)
    report = ingest(event)
    assert report.counts["applied"] == (1 if accepted else 0)
    if not accepted:
        assert reason_of(report, event["event_id"]) == "malformed"
        assert f"longer than {length - 1} characters" in report.rejects[0]["message"]


def test_catalog_names_within_their_columns() -> None:
    with pytest.raises(CatalogRefused) as refused:
        load_catalog(catalog(merchants=[merchant("m" * 101), merchant("ok", name="n" * 201)]))
    errors = {(e.id, e.reason) for e in refused.value.errors}
    assert errors == {(None, "malformed"), ("ok", "malformed")}
