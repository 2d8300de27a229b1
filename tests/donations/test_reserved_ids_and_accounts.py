"""What a small batch no longer waits for: ids reserved with its reads, and
account ids kept from committed batches (decision 0038)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from dermawan.api import engine_cache
from dermawan.core import bulk
from dermawan.ledger.accounts import AccountBook, CommittedAccounts
from tests.donations.builders import MERCHANT, load_default_catalog

pytestmark = pytest.mark.django_db

TABLES = ("donations_orderline", "ledger_transaction")


def test_reserved_ids_are_fresh_ascending_and_never_shared() -> None:
    with transaction.atomic(), bulk.pipelined(1):
        cursor = bulk.raw_cursor()
        first = bulk.send_allocation(cursor, TABLES)
        second = bulk.send_allocation(cursor, TABLES)
        a = first({"donations_orderline": 3, "ledger_transaction": 0})
        b = second({"donations_orderline": 2, "ledger_transaction": 5})
    assert a["ledger_transaction"] == []
    for ids in (a["donations_orderline"], b["donations_orderline"], b["ledger_transaction"]):
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
    if connection.vendor == "postgresql":  # sequences: never shared, written or not
        assert not set(a["donations_orderline"]) & set(b["donations_orderline"])
    # (SQLite gives the ids after the largest written: one writer, who writes them.)
    assert len(a["donations_orderline"]) == 3 and len(b["ledger_transaction"]) == 5


def test_counts_a_block_cannot_hold_reserve_anew() -> None:
    big = bulk.ID_BLOCK + 5 if connection.vendor == "postgresql" else 2_000
    with transaction.atomic(), bulk.pipelined(1):
        cursor = bulk.raw_cursor()
        reserved = bulk.send_allocation(cursor, ("ledger_transaction",))
        ids = reserved({"ledger_transaction": big, "donations_event": 2})  # one not reserved
    assert len(ids["ledger_transaction"]) == big == len(set(ids["ledger_transaction"]))
    assert len(ids["donations_event"]) == 2


def test_a_book_starts_from_committed_ids_and_reads_only_new_owners() -> None:
    load_default_catalog()
    key = ("merchant_pledges", MERCHANT, "IDR")
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        first = AccountBook()
        made = first.resolve(cursor, {key})
        committed = CommittedAccounts()
        committed.add(first.ids())
        book = AccountBook(committed)
        book.prefetch(cursor, {MERCHANT})
        assert book._ahead is None  # a known owner: nothing to read
        assert book.resolve(cursor, {key}) == made
        assert book.ids() == {}  # nothing of its own to add on commit
        # A new currency of a known owner is still found, created once.
        usd = ("merchant_pledges", MERCHANT, "USD")
        created = book.resolve(cursor, {usd})[usd]
        assert book.ids()[usd] == created and created not in made.values()


def test_accounts_join_the_cache_only_when_their_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    load_default_catalog()
    engine_cache.forget()
    key = ("merchant_pledges", MERCHANT, "IDR")
    database = str(connection.settings_dict["NAME"])
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        engine = engine_cache.engine(0, 0)
        engine.accounts.resolve(bulk.raw_cursor(), {key})
        raise RuntimeError("rolled back")
    assert key not in engine_cache._accounts[database].ids
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        engine = engine_cache.engine(0, 0)
        ids = engine.accounts.resolve(bulk.raw_cursor(), {key})
    assert len(callbacks) == 1
    assert engine_cache._accounts[database].ids[key] == ids[key]
    assert engine_cache.engine(0, 0).accounts.resolve(bulk.raw_cursor(), {key}) == ids
    engine_cache.forget()
