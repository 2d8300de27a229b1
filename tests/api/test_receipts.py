"""Buyer receipts: per order and per buyer, with each line's status and its place in the
transparency log, which anyone can check offline."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.support import Api, Keys, problem
from tests.donations.builders import (
    MERCHANT,
    OTHER_MERCHANT,
    PROJECT,
    call,
    call_json,
    cancelled,
    completed,
    paid,
    refunded,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(api: Api, keys: Keys) -> None:
    response = api.events(
        paid("p-1", "o-1", "1", buyer_id="b-1", occurred_at="2026-09-10T08:00:00Z"),
        paid("p-2", "o-1", "2", buyer_id="b-1", occurred_at="2026-09-10T08:00:00Z"),
        paid("p-3", "o-1", "3", buyer_id="b-1", occurred_at="2026-09-10T08:00:00Z"),
        paid(
            "p-4",
            "o-1",
            "4",
            buyer_id="b-1",
            merchant_id=OTHER_MERCHANT,
            product_id="sumur",
            occurred_at="2026-09-10T08:00:00Z",
        ),
        paid("p-5", "o-2", "1", buyer_id="b-1", occurred_at="2026-09-11T08:00:00Z"),
        completed("c-2", "o-1", "2"),
        cancelled("x-3", "o-1", "3"),
        refunded("r-5", "o-2", "1", refund_minor=5_000),
        key=keys.marketplace,
    )
    assert response.json()["counts"]["applied"] == 8


def test_an_order_receipt_gives_each_lines_donation_and_status(
    api: Api, keys: Keys, orders: None
) -> None:
    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    lines = {
        (
            ln["line_id"],
            ln["project_id"],
            ln["donation_minor"],
            ln["reversed_minor"],
            ln["net_minor"],
            ln["status"],
        )
        for ln in receipt["lines"]
    }
    assert lines == {
        ("1", PROJECT, 1_000, 0, 1_000, "pending"),
        ("2", PROJECT, 1_000, 0, 1_000, "confirmed"),
        ("3", PROJECT, 1_000, 1_000, 0, "reversed"),
        ("4", "sumur-desa", 2_000, 0, 2_000, "pending"),
    }
    assert receipt["totals"] == [
        {"currency": "IDR", "donation_minor": 5_000, "reversed_minor": 1_000, "net_minor": 4_000}
    ]
    assert {ln["project_name"] for ln in receipt["lines"]} == {
        f"Project {PROJECT}",
        "Project sumur-desa",
    }


def test_a_merchant_sees_only_its_own_lines(api: Api, keys: Keys, orders: None) -> None:
    mine = api.get("/api/v1/orders/o-1/receipt", key=keys.merchant).json()
    assert {ln["merchant_id"] for ln in mine["lines"]} == {MERCHANT}
    theirs = api.get("/api/v1/orders/o-1/receipt", key=keys.other_merchant).json()
    assert [ln["line_id"] for ln in theirs["lines"]] == ["4"]
    problem(api.get("/api/v1/orders/o-2/receipt", key=keys.other_merchant), 404, "not-found")


def test_a_buyers_history_newest_first_with_totals(api: Api, keys: Keys, orders: None) -> None:
    page = api.get("/api/v1/buyers/b-1/receipts?limit=2", key=keys.marketplace).json()
    assert page["count"] == 5
    partial = page["items"][0]
    assert (partial["order_id"], partial["line_id"]) == ("o-2", "1")
    # A quarter of the net refunded: a quarter of the donation reversed, still pending.
    assert (partial["reversed_minor"], partial["status"]) == (250, "pending")
    assert page["totals"] == [
        {"currency": "IDR", "donation_minor": 6_000, "reversed_minor": 1_250, "net_minor": 4_750}
    ]
    rest = api.get("/api/v1/buyers/b-1/receipts?limit=2&offset=4", key=keys.marketplace).json()
    assert len(rest["items"]) == 1


def test_unknown_order_and_buyer(api: Api, keys: Keys, orders: None) -> None:
    problem(api.get("/api/v1/orders/nope/receipt", key=keys.marketplace), 404, "not-found")
    problem(api.get("/api/v1/buyers/nobody/receipts", key=keys.admin), 404, "not-found")


# --- the transparency log in receipts ---------------------------------------


@pytest.fixture
def signed_every_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Path:
    """A log key of the test's own, and a tree head after every batch."""
    monkeypatch.setenv("DERMAWAN_DATA_DIR", str(tmp_path / "data"))
    settings.DERMAWAN_LOG_HEAD_INTERVAL_MS = 0
    return tmp_path


def public_key() -> Any:
    from dermawan.transparency import recording

    return recording.signing_key().public_key()


def test_each_line_carries_its_leaves_proofs_head_and_salt(
    api: Api, keys: Keys, signed_every_batch: Path, orders: None
) -> None:
    from dermawan.transparency.verification import check_receipt

    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    by_line = {ln["line_id"]: ln["log"] for ln in receipt["lines"]}
    assert [e["kind"] for e in by_line["2"]["entries"]] == ["pledged", "confirmed"]
    assert [e["kind"] for e in by_line["3"]["entries"]] == ["pledged", "reversed"]
    assert all(e["audit_path"] is not None for log in by_line.values() for e in log["entries"])
    assert by_line["1"]["buyer_salt"] and by_line["1"]["tree_head"]["tree_size"] == 8
    result = check_receipt(receipt, public_key())
    assert result.ok, result.document()
    proven = " ".join(p for line in result.document()["lines"] for p in line["proven"])
    assert "opens to buyer b-1" in proven and "donation_minor 1000 is what the log holds" in proven
    page = api.get("/api/v1/buyers/b-1/receipts", key=keys.marketplace).json()
    assert check_receipt(page, public_key()).ok


def _flip(receipt: dict[str, Any], where: str) -> dict[str, Any]:
    changed = copy.deepcopy(receipt)
    log = changed["lines"][0]["log"]
    target = {
        "leaf": (log["entries"][0], "leaf"),
        "proof": (log["entries"][0]["audit_path"], 0),
        "signature": (log["tree_head"], "signature"),
        "root": (log["tree_head"], "root_hash"),
        "salt": (log, "buyer_salt"),
    }[where]
    container, name = target
    data = bytearray(base64.b64decode(container[name]))  # type: ignore[index]
    data[len(data) // 2] ^= 0x01
    container[name] = base64.b64encode(bytes(data)).decode()  # type: ignore[index]
    return changed


@pytest.mark.parametrize("where", ["leaf", "proof", "signature", "root", "salt"])
def test_a_flipped_byte_anywhere_fails_the_check(
    api: Api, keys: Keys, signed_every_batch: Path, orders: None, where: str
) -> None:
    from dermawan.transparency.verification import check_receipt

    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    result = check_receipt(_flip(receipt, where), public_key())
    assert not result.ok
    assert result.lines[0].problems and all(not line.problems for line in result.lines[1:])


def test_a_changed_amount_fails_the_check(
    api: Api, keys: Keys, signed_every_batch: Path, orders: None
) -> None:
    from dermawan.transparency.verification import check_receipt

    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    receipt["lines"][0]["donation_minor"] += 1
    result = check_receipt(receipt, public_key())
    assert not result.ok
    assert "its pledged leaves add up to 1000" in " ".join(result.lines[0].problems)


def test_verify_receipt_says_what_it_proved(
    api: Api,
    keys: Keys,
    signed_every_batch: Path,
    orders: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from dermawan.transparency import signing

    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    good, bad = signed_every_batch / "good.json", signed_every_batch / "bad.json"
    good.write_text(json.dumps(receipt))
    bad.write_text(json.dumps(_flip(receipt, "proof")))
    key_file = signed_every_batch / "log.pub"
    key_file.write_text(signing.public_pem(public_key()))
    code, text = call("verify_receipt", str(good), "--public-key", str(key_file), capsys=capsys)
    assert code == 0 and text.startswith("RECEIPT VERIFIED"), text
    assert "proven: the log's key signed a tree head of size 8" in text
    assert "Not proven by any receipt" in text and "the charity's bank statement" in text
    b64_key = signing.public_base64(public_key())
    code, document = call_json("verify_receipt", str(bad), "--public-key", b64_key, capsys=capsys)
    assert code == 1 and document["ok"] is False
    assert "is not proven in the log" in document["lines"][0]["problems"][0]
    for args in (
        (str(signed_every_batch / "missing.json"), "--public-key", b64_key),
        (str(key_file), "--public-key", b64_key),  # not JSON
        (str(good), "--public-key", "not a key"),
    ):
        code, _ = call("verify_receipt", *args, capsys=capsys)
        assert code == 2, args


def test_a_line_is_paid_out_once_its_payout_is_paid(api: Api, keys: Keys, orders: None) -> None:
    from datetime import UTC, datetime

    from dermawan.settlement.approval import approve
    from dermawan.settlement.payouts import export_run, mark_paid
    from dermawan.settlement.runs import settle

    run = settle("2026-09", actor="user:ayu").run  # line 2 was confirmed in September
    approve(run.pk, actor="user:budi")
    (instruction,) = export_run(run.pk, actor="user:budi")

    def status_of_line_2() -> str:
        receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
        return next(ln["status"] for ln in receipt["lines"] if ln["line_id"] == "2")

    assert status_of_line_2() == "confirmed"  # exported, not yet paid
    mark_paid(instruction.reference, actor="bank", paid_at=datetime(2026, 10, 2, tzinfo=UTC))
    assert status_of_line_2() == "paid_out"


def test_a_receipt_counts_the_effects_still_waiting_for_the_log(
    api: Api, keys: Keys, signed_every_batch: Path, orders: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dermawan.donations import hooks
    from dermawan.transparency import appending
    from dermawan.transparency.verification import check_receipt

    monkeypatch.setattr(hooks, "_after_commit", [])  # committed, not yet appended
    api.events(completed("c-1", "o-1", "1"), paid("p-9", "o-9", "1", buyer_id="b-1"),
               key=keys.marketplace)  # fmt: skip
    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    by_line = {ln["line_id"]: ln["log"] for ln in receipt["lines"]}
    assert [e["kind"] for e in by_line["1"]["entries"]] == ["pledged"]
    assert (by_line["1"]["entries_waiting"], by_line["2"]["entries_waiting"]) == (1, 0)
    check = check_receipt(receipt, public_key())
    assert [line.problems for line in check.lines if line.problems] == [
        ["1 of its effects are committed and not yet in the log; fetch the receipt again "
         "in a moment"]
    ]  # fmt: skip
    # A line whose only leaf waits has a log with no entries yet.
    new = api.get("/api/v1/orders/o-9/receipt", key=keys.marketplace).json()["lines"][0]["log"]
    assert (new["entries"], new["entries_waiting"]) == ([], 1)
    assert appending.append_pending() == 2
    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    assert check_receipt(receipt, public_key()).ok
