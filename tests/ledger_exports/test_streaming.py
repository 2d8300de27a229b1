"""An export streams: its memory does not grow with the number of postings in the period."""

from __future__ import annotations

import tracemalloc

import pytest

from dermawan.core import bulk
from dermawan.ledger.accounts import AccountBook
from dermawan.ledger.exports import source
from dermawan.ledger.exports.export import export_ledger
from dermawan.ledger.journal import post
from tests.ledger_exports.builders import PENDING, PLEDGES, entry

pytestmark = pytest.mark.django_db


class Sink:
    """A file that only counts what is written to it."""

    def __init__(self) -> None:
        self.characters = 0

    def write(self, text: str) -> int:
        self.characters += len(text)
        return len(text)


def add_transactions(count: int) -> None:
    entries = [
        entry("pledged", "IDR", f"2026-09-{1 + i % 28:02d}T10:{i % 60:02d}:00",
              (PLEDGES, f"M-{i % 50}"), (PENDING, f"P-{i % 20}"), 100 + i, i)
        for i in range(count)
    ]  # fmt: skip
    post(bulk.raw_cursor(), AccountBook(), entries)


def peak_bytes(fmt: str) -> tuple[int, int]:
    sink = Sink()
    tracemalloc.start()
    try:
        summary = export_ledger("2026-09", fmt, sink)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sink.characters > 0
    return peak, int(str(summary["postings"]))


@pytest.mark.parametrize("fmt", ["csv", "hledger", "beancount"])
def test_four_times_the_postings_needs_no_more_memory(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small fetches, so both ledgers span many of them (the real size is 10,000 rows).
    monkeypatch.setattr(source, "FETCH", 500)
    add_transactions(5_000)
    small, postings = peak_bytes(fmt)
    assert postings == 10_000
    add_transactions(15_000)
    large, postings = peak_bytes(fmt)
    assert postings == 40_000
    # A period held in memory would need about four times as much; a stream the same.
    assert large < small * 1.5, (small, large)
