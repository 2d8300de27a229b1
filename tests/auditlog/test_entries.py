"""The audit log keeps what happened, in the caller's transaction, and never changes."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from dermawan.auditlog.entries import entries, record

pytestmark = pytest.mark.django_db


def test_an_entry_reads_back_newest_first_and_narrows() -> None:
    record("user:ayu", "settlement.create", "settlement-run:1", period="2026-09")
    record("user:budi", "settlement.approve", "settlement-run:1")
    record("user:ayu", "charity.verify", "charity:CH-1")

    assert [e.action for e in entries()] == [
        "charity.verify",
        "settlement.approve",
        "settlement.create",
    ]
    assert [e.actor for e in entries(action_prefix="settlement.")] == ["user:budi", "user:ayu"]
    assert entries(subject="charity:CH-1").get().details == {}
    assert entries(actor="user:ayu", subject="settlement-run:1").get().details == {
        "period": "2026-09"
    }


def test_an_action_rolled_back_leaves_no_entry() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record("cli", "settlement.export", "settlement-run:2")
        raise RuntimeError("the export failed")
    assert not entries().exists()


def test_an_entry_needs_who_what_and_on_what() -> None:
    with pytest.raises(ValueError, match="actor"):
        record("", "settlement.create", "settlement-run:1")


@pytest.mark.parametrize("change", ["UPDATE {} SET actor = 'x'", "DELETE FROM {}"])
def test_the_database_refuses_to_change_an_entry(change: str) -> None:
    record("user:ayu", "settlement.create", "settlement-run:1")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(change.format("auditlog_auditentry"))
