"""Charities' bank accounts: validated, ended not edited, audited, one active per currency."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from dermawan.auditlog.entries import entries
from dermawan.banking.account_rules import InvalidAccount
from dermawan.banking.bank_accounts import (
    BankAccountRefused,
    active_destinations,
    add_bank_account,
    end_bank_account,
)
from dermawan.banking.models import BankAccount
from dermawan.core.output import BadInput
from tests.banking.support import ACTOR, charity, charity_with_iban, charity_with_local_account

pytestmark = pytest.mark.django_db


def test_adding_and_ending_an_account_is_audited() -> None:
    charity_with_local_account("CH-1")
    account = BankAccount.objects.get()
    assert (account.bank_code, account.account_number, account.active) == (
        "008",
        "1230004567890",
        True,
    )
    end_bank_account(account.pk, actor="user:ayu", reason="the charity moved banks")
    account.refresh_from_db()
    assert not account.active
    logged = [(e.action, e.actor, e.subject) for e in entries().order_by("id")]
    assert logged == [
        ("bank-account.add", ACTOR, f"bank-account:{account.pk}"),
        ("bank-account.end", "user:ayu", f"bank-account:{account.pk}"),
    ]
    assert (
        entries(action_prefix="bank-account.end").get().details["reason"]
        == "the charity moved banks"
    )


def test_one_active_account_per_charity_and_currency() -> None:
    charity_with_local_account("CH-1")
    with pytest.raises(BankAccountRefused, match="already has an active IDR account"):
        add_bank_account(actor=ACTOR, charity_id="CH-1", holder_name="Y", currency="IDR",
                         bank_code="014", account_number="8730012345")  # fmt: skip
    # Another currency is another account; the database itself refuses a second active one.
    add_bank_account(actor=ACTOR, charity_id="CH-1", holder_name="Y", currency="USD",
                     iban="DE89370400440532013000")  # fmt: skip
    first = BankAccount.objects.get(currency="IDR")
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.create(charity_id="CH-1", holder_name="Y", currency="IDR", country="ID",
                                   bank_code="014", account_number="8730012345",
                                   created_at=timezone.now())  # fmt: skip
    end_bank_account(first.pk, actor=ACTOR)
    replaced = add_bank_account(actor=ACTOR, charity_id="CH-1", holder_name="Y", currency="IDR",
                                bank_code="014", account_number="8730012345")  # fmt: skip
    assert active_destinations(["CH-1"])[("CH-1", "IDR")].account_number == replaced.account_number


def test_the_database_keeps_the_two_shapes_apart() -> None:
    charity("CH-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.create(charity_id="CH-1", holder_name="Y", currency="IDR", country="ID",
                                   iban="DE89370400440532013000", bank_code="014",
                                   account_number="8730012345",
                                   created_at=timezone.now())  # fmt: skip


def test_refusals_name_the_record_and_write_nothing() -> None:
    with pytest.raises(BankAccountRefused, match="no charity 'CH-404'"):
        add_bank_account(actor=ACTOR, charity_id="CH-404", holder_name="Y", currency="IDR",
                         bank_code="014", account_number="8730012345")  # fmt: skip
    charity("CH-1")
    with pytest.raises(InvalidAccount, match="iban"):
        add_bank_account(actor=ACTOR, charity_id="CH-1", holder_name="Y", currency="EUR",
                         iban="DE00370400440532013000")  # fmt: skip
    with pytest.raises(BankAccountRefused, match="no bank account #99"):
        end_bank_account(99, actor=ACTOR)
    assert not BankAccount.objects.exists() and not entries().exists()


def test_an_account_ends_once() -> None:
    charity_with_iban("CH-1")
    account = BankAccount.objects.get()
    end_bank_account(account.pk, actor=ACTOR, now=account.created_at + timedelta(days=1))
    with pytest.raises(BankAccountRefused, match="already ended"):
        end_bank_account(account.pk, actor=ACTOR)


def test_the_command_adds_lists_and_ends(capsys: pytest.CaptureFixture[str]) -> None:
    charity("CH-1")
    call_command("bank_account", "add", "--charity", "CH-1", "--holder", "Yayasan Satu",
                 "--currency", "IDR", "--bank-code", "014", "--account-number", "8730012345",
                 "--actor", "ayu", "--json")  # fmt: skip
    added = orjson.loads(capsys.readouterr().out)
    assert added["account"]["bank_code"] == "014" and added["account"]["ended_at"] is None
    assert entries().get().actor == "cli:ayu"
    call_command("bank_account", "list", "--json")
    listed = orjson.loads(capsys.readouterr().out)
    assert [a["id"] for a in listed["accounts"]] == [added["account"]["id"]]
    call_command("bank_account", "end", str(added["account"]["id"]), "--json")
    assert orjson.loads(capsys.readouterr().out)["account"]["ended_at"] is not None
    call_command("bank_account", "list", "--json")
    assert orjson.loads(capsys.readouterr().out)["accounts"] == []
    call_command("bank_account", "list", "--all")
    assert "ended" in capsys.readouterr().out


def test_the_command_refuses_a_bad_account_with_the_field_and_reason() -> None:
    charity("CH-1")
    with pytest.raises(BadInput, match="bank_code: '8' is not a 3-digit Indonesian bank code"):
        call_command("bank_account", "add", "--charity", "CH-1", "--holder", "Y", "--currency",
                     "IDR", "--bank-code", "8", "--account-number", "8730012345")  # fmt: skip
    assert not BankAccount.objects.exists()
