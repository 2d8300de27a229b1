"""Payout lifecycle: draft -> approved (by a second admin) -> exported -> paid | failed.

Every step is a balanced ledger transaction and an audit entry; a crash
between export and confirmation loses nothing and pays nothing twice.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.settlement.support import (
    ADMIN,
    CHARITY_A,
    CHARITY_B,
    MERCHANT_B,
    PAID_AT,
    donate,
    kind_totals,
    ledger_ok,
    load_two_charities,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_charities() -> None:
    load_two_charities()


def september() -> Any:
    from dermawan.settlement.runs import settle

    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")  # 1,000 -> A
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z",
           merchant_id=MERCHANT_B, price=30_000)  # 3,000 -> B  # fmt: skip
    return settle("2026-09", actor=ADMIN).run


def exported_run() -> tuple[Any, dict[str, str]]:
    from dermawan.settlement.approval import approve
    from dermawan.settlement.payouts import export_run

    run = september()
    approve(run.pk, actor="user:budi")
    instructions = export_run(run.pk, actor="user:budi")
    return run, {i.charity_id: i.reference for i in instructions}


def audit_actions() -> list[str]:
    from dermawan.auditlog.models import AuditEntry

    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_the_admin_who_created_a_run_cannot_approve_it() -> None:
    from dermawan.settlement.approval import approve
    from dermawan.settlement.models import Payout
    from dermawan.settlement.runs import Refused

    run = september()
    before = kind_totals()
    with pytest.raises(Refused, match=f"created by {ADMIN}: a second admin must approve it"):
        approve(run.pk, actor=ADMIN)
    assert kind_totals() == before
    assert set(Payout.objects.values_list("status", flat=True)) == {"draft"}
    assert "settlement.run_approved" not in audit_actions()


def test_approval_by_a_second_admin_moves_the_payouts_in_the_ledger() -> None:
    from dermawan.settlement.approval import approve

    run = september()
    approve(run.pk, actor="user:budi")
    run.refresh_from_db()
    assert (run.status, run.approved_by) == ("approved", "user:budi")
    totals = kind_totals()
    assert totals[("payout_approved", "IDR")] == -4_000
    assert ("payout_draft", "IDR") not in totals
    assert audit_actions() == ["settlement.run_created", "settlement.run_approved"]
    ledger_ok()


def test_only_an_approved_run_exports() -> None:
    from dermawan.settlement.payouts import export_run
    from dermawan.settlement.runs import Refused

    run = september()
    with pytest.raises(Refused, match=f"run {run.pk} is draft; only an approved run exports"):
        export_run(run.pk, actor="user:budi")


def test_export_gives_each_payout_a_unique_bank_safe_reference() -> None:
    import re

    _, references = exported_run()
    assert set(references) == {CHARITY_A, CHARITY_B}
    assert len(set(references.values())) == 2
    for reference in references.values():
        assert re.fullmatch(r"[A-Z0-9]{1,35}", reference), reference
    assert kind_totals()[("payout_exported", "IDR")] == -4_000
    ledger_ok()


def test_exporting_again_changes_nothing_and_gives_the_same_payouts() -> None:
    from dermawan.settlement.payouts import export_run

    run, references = exported_run()
    before = kind_totals()
    again = export_run(run.pk, actor="user:budi")
    assert {i.charity_id: i.reference for i in again} == references
    assert kind_totals() == before
    assert audit_actions().count("settlement.run_exported") == 1


def test_paid_leaves_the_clearing_account_once() -> None:
    from dermawan.settlement.payouts import Refused, exported_payouts, mark_paid

    _, references = exported_run()
    mark_paid(references[CHARITY_A], actor="bank:reconcile", paid_at=PAID_AT)
    found = exported_payouts([references[CHARITY_A], references[CHARITY_B], "NOPE"])
    assert {ref: p.status for ref, p in found.items()} == {
        references[CHARITY_A]: "paid",
        references[CHARITY_B]: "exported",
    }
    assert found[references[CHARITY_A]].amount_minor == 1_000
    totals = kind_totals()
    assert totals[("platform_clearing", "IDR")] == 3_000  # 4,000 collected, 1,000 paid
    with pytest.raises(Refused, match=f"payout {references[CHARITY_A]} is paid, not exported"):
        mark_paid(references[CHARITY_A], actor="bank:reconcile", paid_at=PAID_AT)
    assert kind_totals() == totals
    assert audit_actions().count("settlement.payout_paid") == 1
    ledger_ok()


def test_an_unknown_reference_is_refused_by_name() -> None:
    from dermawan.settlement.payouts import Refused, mark_failed, mark_paid

    exported_run()
    with pytest.raises(Refused, match="no payout has the reference 'DRM000000P1'"):
        mark_paid("DRM000000P1", actor="bank", paid_at=PAID_AT)
    with pytest.raises(Refused, match="no payout has the reference 'X'"):
        mark_failed("X", actor="bank", reason="closed account")


def test_a_failed_payout_returns_to_the_charity_and_is_paid_by_the_next_run() -> None:
    from dermawan.settlement.approval import approve
    from dermawan.settlement.paid import paid_out_lines
    from dermawan.settlement.payouts import export_run, mark_failed, mark_paid
    from dermawan.settlement.runs import settle

    _, references = exported_run()
    mark_failed(references[CHARITY_A], actor="bank:reconcile", reason="account closed")
    assert kind_totals()[("charity_settled", "IDR")] == -1_000
    assert audit_trail()[-1] == (
        "bank:reconcile", "settlement.payout_failed", f"payout:{references[CHARITY_A]}",
    )  # fmt: skip
    assert paid_out_lines(_line_ids()) == set()
    october = settle("2026-10", actor=ADMIN).run
    payouts = {p.charity_id: p for p in october.payouts.all()}
    assert (payouts[CHARITY_A].carried_in_minor, payouts[CHARITY_A].amount_minor) == (1_000, 1_000)
    approve(october.pk, actor="user:budi")
    (instruction,) = export_run(october.pk, actor="user:budi")
    mark_paid(instruction.reference, actor="bank", paid_at=PAID_AT)
    # The September line of charity A is paid out now; charity B's is not (still exported).
    assert paid_out_lines(_line_ids()) == {_line_ids()[0]}
    assert paid_out_leaves() == [_line_ids()[0]]
    assert kind_totals()[("platform_clearing", "IDR")] == 3_000
    assert ("charity_settled", "IDR") not in kind_totals()
    ledger_ok()


def test_paid_out_lines_names_the_lines_a_paid_payout_covered() -> None:
    from dermawan.settlement.paid import paid_out_lines
    from dermawan.settlement.payouts import mark_paid

    _, references = exported_run()
    donate("o-3", at="2026-09-03T10:00:00Z")  # pending: never settled
    a, b, pending = _line_ids()
    assert paid_out_lines([a, b, pending]) == set()
    mark_paid(references[CHARITY_B], actor="bank", paid_at=PAID_AT)
    assert paid_out_lines([a, b, pending, 999_999]) == {b}
    assert paid_out_leaves() == [b], "one paid_out leaf in the transparency log, for b"
    mark_paid(references[CHARITY_A], actor="bank", paid_at=PAID_AT)
    assert paid_out_lines([a, b, pending]) == {a, b}


def test_paid_emits_the_payout_paid_webhook() -> None:
    import orjson

    from dermawan.settlement.payouts import mark_paid
    from dermawan.webhooks.models import Endpoint, Message

    Endpoint.objects.create(
        url="http://127.0.0.1:9/hook", events=["payout.paid"], secret_sealed="unused"
    )
    _, references = exported_run()
    mark_paid(references[CHARITY_B], actor="bank", paid_at=PAID_AT)
    (message,) = Message.objects.filter(type="payout.paid")
    data = orjson.loads(message.data)
    assert (data["reference"], data["amount_minor"], data["currency"], data["donations"]) == (
        references[CHARITY_B], 3_000, "IDR", 1,
    )  # fmt: skip


def test_a_crash_during_paid_changes_nothing_and_the_retry_pays_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dermawan.settlement import paid, payouts

    _, references = exported_run()
    before = kind_totals()

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut")

    # After the ledger moved and the status changed, before the transaction ends.
    monkeypatch.setattr(paid, "announce", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        payouts.mark_paid(references[CHARITY_A], actor="bank", paid_at=PAID_AT)
    assert kind_totals() == before
    assert payouts.exported_payouts([references[CHARITY_A]])[references[CHARITY_A]].status == (
        "exported"
    )
    monkeypatch.undo()
    payouts.mark_paid(references[CHARITY_A], actor="bank", paid_at=PAID_AT)
    assert (
        kind_totals()[("platform_clearing", "IDR")] == before[("platform_clearing", "IDR")] - 1_000
    )
    ledger_ok()


def test_a_crash_during_export_leaves_the_run_approved_and_the_retry_exports_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dermawan.settlement import payouts
    from dermawan.settlement.approval import approve

    run = september()
    approve(run.pk, actor="user:budi")
    before = kind_totals()

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(payouts, "record", crash)  # after the ledger post, before commit
    with pytest.raises(RuntimeError, match="killed"):
        payouts.export_run(run.pk, actor="user:budi")
    run.refresh_from_db()
    assert run.status == "approved" and kind_totals() == before
    monkeypatch.undo()
    first = payouts.export_run(run.pk, actor="user:budi")
    assert len(first) == 2
    assert kind_totals()[("payout_exported", "IDR")] == -4_000
    ledger_ok()


def audit_trail() -> list[tuple[str, str, str]]:
    from dermawan.auditlog.models import AuditEntry

    return list(AuditEntry.objects.order_by("id").values_list("actor", "action", "subject"))


def test_every_step_is_an_audit_entry_naming_who_and_what() -> None:
    from dermawan.settlement.payouts import mark_paid

    run, references = exported_run()
    mark_paid(references[CHARITY_B], actor="bank:reconcile", paid_at=PAID_AT)
    subject = f"settlement-run:{run.pk}"
    assert audit_trail() == [
        (ADMIN, "settlement.run_created", subject),
        ("user:budi", "settlement.run_approved", subject),
        ("user:budi", "settlement.run_exported", subject),
        ("bank:reconcile", "settlement.payout_paid", f"payout:{references[CHARITY_B]}"),
    ]


def test_a_line_whose_money_covered_a_claw_back_is_not_paid_out() -> None:
    from dermawan.settlement.approval import approve
    from dermawan.settlement.paid import paid_out_lines
    from dermawan.settlement.payouts import export_run, mark_paid
    from dermawan.settlement.runs import settle
    from tests.settlement.support import refund

    _, references = exported_run()
    mark_paid(references[CHARITY_A], actor="bank", paid_at=PAID_AT)
    refund("o-1", 20_000, at="2026-10-02T10:00:00Z")  # all of o-1's 1,000 back
    donate("o-9", at="2026-10-03T10:00:00Z", complete_at="2026-10-04T10:00:00Z", price=10_000)
    october = settle("2026-10", actor=ADMIN).run
    (payout,) = october.payouts.filter(charity_id=CHARITY_A)
    assert (payout.amount_minor, payout.carried_out_minor, payout.status) == (0, -500, "nothing")
    approve(october.pk, actor="user:budi")
    assert export_run(october.pk, actor="user:budi") == []
    first, _, late = _line_ids()
    assert paid_out_lines([first, late]) == {first}  # o-9's 500 went to repay o-1's claw-back


def paid_out_leaves() -> list[int]:
    """Order lines with a transparency-log leaf of no order event: the paid_out ones."""
    from dermawan.transparency.models import LeafSource

    return list(
        LeafSource.objects.filter(event_row_id=None)
        .order_by("order_line_id")
        .values_list("order_line_id", flat=True)
    )


def _line_ids() -> list[int]:
    from dermawan.donations.models import OrderLine

    return list(OrderLine.objects.order_by("order_id").values_list("id", flat=True))


@pytest.mark.parametrize("part", [1, 1_000_000])
def test_paying_many_payouts_announces_each_once_whatever_the_parts(
    monkeypatch: pytest.MonkeyPatch, part: int
) -> None:
    """mark_paid_many announces in parts of ANNOUNCE_DONATIONS donations (bounded
    memory): one part per payout or one for all, the same leaves and webhooks."""
    import orjson

    from dermawan.settlement import paid
    from dermawan.settlement.payouts import mark_paid_many
    from dermawan.webhooks.models import Endpoint, Message

    monkeypatch.setattr(paid, "ANNOUNCE_DONATIONS", part)
    Endpoint.objects.create(
        url="http://127.0.0.1:9/hook", events=["payout.paid"], secret_sealed="unused"
    )
    _, references = exported_run()
    mark_paid_many([references[CHARITY_A], references[CHARITY_B]], actor="bank", paid_at=PAID_AT)
    assert paid_out_leaves() == sorted(_line_ids())
    sent = sorted(
        (data["reference"], data["donations"])
        for data in (orjson.loads(m.data) for m in Message.objects.filter(type="payout.paid"))
    )
    assert sent == sorted([(references[CHARITY_A], 1), (references[CHARITY_B], 1)])
    assert ledger_ok()
