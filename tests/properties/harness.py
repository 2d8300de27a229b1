"""What the properties share: settings, a per-example rollback, and the ledger checks.

Every hypothesis example runs inside ``fresh_books()``: a savepoint rolled
back at its end, so examples never see each other's catalog or events (the
ledger's append-only triggers refuse DELETE and TRUNCATE, so a rollback is
the only clean way out).
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings

from tests.properties.model import Line

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Bounded example counts keep each property to seconds per database on two
# cores; CI runs the same examples every time (derandomize), a developer's
# run explores new ones. HYPOTHESIS_EXAMPLES=500 for a long hunt.
PROPERTY = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "50")),
    deadline=None,
    derandomize=IN_CI,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the db fixture; see fresh_books()
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@contextmanager
def fresh_books() -> Iterator[None]:
    """Run the block in a savepoint that is rolled back at its end."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def ingest(calls: Iterable[tuple[list[dict[str, Any]], int]]) -> list[Any]:
    """Each (records, batch_size) as one ``ingest_records`` call; their reports."""
    from dermawan.donations.ingest import ingest_records

    return [ingest_records(records, batch_size=size) for records, size in calls]


def rejected_reasons(reports: Iterable[Any]) -> Counter[tuple[str, str]]:
    return Counter(
        (str(reject["event_id"]), reject["reason"])
        for report in reports
        for reject in report.rejects
    )


def engine_totals() -> list[dict[str, Any]]:
    from dermawan.donations.totals import project_totals

    return [dict(row) for row in project_totals()]


def stored_lines() -> dict[tuple[str, str], Any]:
    from dermawan.donations.models import OrderLine

    return {(line.order_id, line.line_id): line for line in OrderLine.objects.all()}


def line_ledger() -> dict[int, dict[str, int]]:
    """Per order line row id, the money each kind of its transactions moved.

    A transaction's amount is the sum of its debits (its postings sum to 0).
    """
    from dermawan.ledger.models import Posting

    moved: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Posting.objects.filter(amount_minor__gt=0)
        .values_list("transaction__order_line_id", "transaction__kind")
        .annotate(total=Sum("amount_minor"))
    )
    for line_id, kind, total in rows:
        moved[line_id][kind] += total
    return moved


def assert_lines_match(expected: dict[tuple, Line], *, refunds_exact: bool = True) -> None:
    """Each paid line as stored, and its ledger transactions, against the spec model.

    ``refunds_exact=False`` when refunds may have arrived after their line's
    cancel (then rejected, so the stored refund sum depends on arrival order;
    the reversal does not: a cancelled line's is always D).
    """
    stored = stored_lines()
    assert set(stored) == set(expected), "the stored order lines are not the paid lines"
    moved = line_ledger()
    for key, line in expected.items():
        row = stored[key]
        money = dict(moved.get(row.pk, {}))
        got = {
            "donation_minor": row.donation_minor,
            "reversed_minor": row.reversed_minor,
            "status": row.status,
            "net_minor": row.net_minor,
            "project_id": row.project_id if line.donation > 0 else None,
            "pledged (ledger)": money.get("pledged", 0),
            "reversed (ledger)": money.get("reversed", 0),
        }
        want = {
            "donation_minor": line.donation,
            "reversed_minor": line.reversed,
            "status": line.status,
            "net_minor": line.net,
            "project_id": line.project_id if line.donation > 0 else None,
            "pledged (ledger)": line.donation,
            "reversed (ledger)": line.reversed,
        }
        if refunds_exact or not line.cancelled:
            got["refunded_minor"] = row.refunded_minor
            want["refunded_minor"] = line.refunded
        assert got == want, f"line {key}"
        assert 0 <= row.reversed_minor <= row.donation_minor, f"line {key} over-reversed"
        if line.donation == 0:
            assert money == {}, f"line {key} makes no donation yet has transactions"


def assert_ledger_sound(totals: list[dict[str, Any]]) -> None:
    """Spec section 5's check-ledger, recomputed here, and the ledger against totals."""
    from dermawan.ledger.checks import check_ledger
    from dermawan.ledger.models import Account, Posting, Transaction

    transactions = {t.pk: t for t in Transaction.objects.all()}
    postings = list(Posting.objects.values_list("transaction_id", "account_id", "amount_minor"))
    accounts = {a.pk: a for a in Account.objects.all()}

    sums: dict[int, int] = defaultdict(int)
    count: dict[int, int] = defaultdict(int)
    balances: dict[int, int] = defaultdict(int)
    for transaction_id, account_id, amount in postings:
        assert transaction_id in transactions, f"posting of unknown transaction {transaction_id}"
        assert account_id in accounts, f"posting to unknown account {account_id}"
        assert amount != 0, f"transaction {transaction_id} has a posting of 0"
        assert accounts[account_id].currency == transactions[transaction_id].currency, (
            f"transaction {transaction_id} posts to an account in another currency"
        )
        sums[transaction_id] += amount
        count[transaction_id] += 1
        balances[account_id] += amount
    unbalanced = {t: s for t, s in sums.items() if s != 0}
    assert unbalanced == {}, "transactions whose postings do not sum to zero"
    empty = [t for t in transactions if count[t] < 2]
    assert empty == [], "transactions with fewer than two postings"
    mismatched = {
        str(a): (a.balance_minor, balances[pk])
        for pk, a in accounts.items()
        if a.balance_minor != balances[pk]
    }
    assert mismatched == {}, "stored balance != sum of postings (stored, summed)"

    check = check_ledger()
    assert check == {
        "ok": True,
        "transactions": len(transactions),
        "postings": len(postings),
        "unbalanced": 0,
        "balance_mismatches": 0,
    }

    # Account kinds against spec section 4, per currency: the merchants owe the
    # net pledged, projects hold the pending, charities are owed the confirmed.
    by_kind: dict[tuple[str, str], int] = defaultdict(int)
    for account in accounts.values():
        by_kind[(account.kind, account.currency)] += account.balance_minor
    currencies = {c for _, c in by_kind} | {row["currency"] for row in totals}
    for currency in sorted(currencies):
        rows = [row for row in totals if row["currency"] == currency]
        want = {
            "merchant_pledges": sum(row["net_minor"] for row in rows),
            "-project_pending": sum(row["pending_minor"] for row in rows),
            "-charity_payable": sum(row["confirmed_minor"] for row in rows),
        }
        got = {
            "merchant_pledges": by_kind[("merchant_pledges", currency)],
            "-project_pending": -by_kind[("project_pending", currency)],
            "-charity_payable": -by_kind[("charity_payable", currency)],
        }
        assert got == want, f"ledger balances vs totals in {currency}"

    # And per owner: a project's pending account holds its pending donations,
    # a charity's payable is owed the confirmed donations of its projects.
    from dermawan.catalog.models import Project

    charity_of = dict(Project.objects.values_list("id", "charity_id"))
    pending: dict[tuple[str, str], int] = defaultdict(int)
    payable: dict[tuple[str, str], int] = defaultdict(int)
    for row in totals:
        pending[(row["project_id"], row["currency"])] += row["pending_minor"]
        payable[(charity_of[row["project_id"]], row["currency"])] += row["confirmed_minor"]
    for account in accounts.values():
        key = (account.owner_id, account.currency)
        if account.kind == "project_pending":
            assert -account.balance_minor == pending.get(key, 0), f"{account} vs totals"
        elif account.kind == "charity_payable":
            assert -account.balance_minor == payable.get(key, 0), f"{account} vs totals"


def assert_totals_consistent(totals: list[dict[str, Any]]) -> None:
    """Section 4's identities, whatever the figures."""
    keys = [(row["project_id"], row["currency"]) for row in totals]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "rows not sorted or repeated"
    for row in totals:
        assert row["donations"] > 0, row
        assert row["net_minor"] == row["pledged_minor"] - row["reversed_minor"], row
        assert 0 <= row["reversed_minor"] <= row["pledged_minor"], row
        assert row["confirmed_minor"] >= 0 and row["pending_minor"] >= 0, row
        # A cancelled line's net is 0 (its whole donation is reversed), so the
        # net is exactly the confirmed plus the pending.
        assert row["confirmed_minor"] + row["pending_minor"] == row["net_minor"], row
