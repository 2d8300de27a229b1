"""``dermawan audit`` rebuilds each leaf from its rows and names any row changed since."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

from dermawan.donations.models import OrderLine
from tests.donations.builders import (
    call,
    call_json,
    completed,
    ingest,
    load_default_catalog,
    paid,
    refunded,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def donations() -> None:
    load_default_catalog()
    ingest(
        paid("p-1", "o-1", "1", buyer_id="b-1"),
        paid("p-2", "o-1", "2", buyer_id="b-1"),
        completed("c-1", "o-1", "1"),
        refunded("r-2", "o-1", "2", refund_minor=10_000),
        batch_size=2,
    )


def mark() -> str:
    return "%s" if connection.vendor == "postgresql" else "?"


@contextmanager
def without_triggers(*tables: str) -> Iterator[Any]:
    """A cursor that may change append-only tables (the test's rollback restores them)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        yield cursor


def audit_problems(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code, document = call_json("audit", capsys=capsys)
    return code, document["problems"]


def test_untouched_donations_pass(donations: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = call("audit", capsys=capsys)
    assert code == 0, text
    assert text.startswith("Log OK: 4 leaves recomputed, 4 compared with their rows")
    assert "(signatures checked)" in text


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("project_id", "'elsewhere'", "project_id is 'elsewhere' in the rows, 'makan-siang'"),
        ("charity_id", "'someone-else'", "charity_id is 'someone-else' in the rows"),
        ("donation_minor", "900", "donation_minor is 900 in the order line, 1000 in its"),
        ("buyer_id", "'b-2'", "the buyer hash differs"),
        ("order_id", "'o-9'", "order_id is 'o-9' in the rows, 'o-1' in the leaf"),
    ],
)
def test_a_donation_edited_in_the_database_is_named(
    donations: None, capsys: pytest.CaptureFixture[str], column: str, value: str, says: str
) -> None:
    line = OrderLine.objects.get(order_id="o-1", line_id="1")
    with connection.cursor() as cursor:  # the order line table is not append-only
        cursor.execute(
            f"UPDATE donations_orderline SET {column} = {value} WHERE id = {mark()}", [line.pk]
        )
    code, problems = audit_problems(capsys)
    assert code == 1
    assert problems, "the audit found nothing"
    assert all(f"order line row {line.pk}" in p for p in problems), problems
    assert any(says in p for p in problems), problems


def test_a_ledger_amount_edited_in_the_database_is_named(
    donations: None, capsys: pytest.CaptureFixture[str]
) -> None:
    line = OrderLine.objects.get(order_id="o-1", line_id="2")
    with without_triggers("ledger_transaction") as cursor:
        cursor.execute(
            "UPDATE ledger_transaction SET amount_minor = amount_minor * 2 "
            f"WHERE kind = 'reversed' AND order_line_id = {mark()}",
            [line.pk],
        )
    code, problems = audit_problems(capsys)
    assert code == 1
    assert any(
        f"(reversed, order line row {line.pk})" in p and "amount_minor is 1000 in the rows" in p
        for p in problems
    ), problems


def test_a_reversal_the_line_no_longer_shows_is_named(
    donations: None, capsys: pytest.CaptureFixture[str]
) -> None:
    line = OrderLine.objects.get(order_id="o-1", line_id="2")
    OrderLine.objects.filter(pk=line.pk).update(reversed_minor=0)
    code, problems = audit_problems(capsys)
    assert code == 1
    assert problems == [
        f"order line row {line.pk}: reversed_minor is 0, its reversed leaves add up to 500"
    ]


def test_a_ledger_transaction_with_no_leaf_is_named(
    donations: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with without_triggers("transparency_leafsource") as cursor:
        cursor.execute("DELETE FROM transparency_leafsource WHERE id = 2")
    code, problems = audit_problems(capsys)
    assert code == 1
    assert any(
        "(confirmed, order line row" in p and "has no leaf in the log" in p for p in problems
    )
    assert "leaf 2 has no source row: nothing says which donation it records" in problems
