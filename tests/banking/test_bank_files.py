"""Bank files: pain.001 that validates against the ISO schema, and the CSV transfer list."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dermawan.banking import pain001
from dermawan.banking.bank_accounts import end_bank_account
from dermawan.banking.instructions import BankFileRefused, DebtorAccount
from dermawan.banking.models import BankAccount
from dermawan.banking.pain001 import credit_transfer
from dermawan.banking.transfers_csv import transfers_csv
from dermawan.core import bulk
from tests.banking.support import (
    AT,
    DEBTOR,
    IBAN_DEBTOR,
    Instruction,
    charity,
    charity_with_iban,
    charity_with_local_account,
)

pytestmark = pytest.mark.django_db
NS = {"p": pain001.NAMESPACE}


def two_charities() -> list[Instruction]:
    charity_with_local_account("CH-1")
    charity_with_iban("CH-2", currency="EUR")
    return [
        Instruction("DRM202609P00000001", "CH-1", "Yayasan CH-1", 1_234_567, "IDR"),
        Instruction("DRM202609P00000002", "CH-2", "Stiftung CH-2", 5, "EUR"),
        Instruction("DRM202609P00000003", "CH-1", "Yayasan CH-1", 100, "IDR"),
    ]


def transfers(document: bytes) -> dict[str, dict[str, Any]]:
    root = ET.fromstring(document)
    found = {}
    for tx in root.iterfind(".//p:CdtTrfTxInf", NS):
        amount = tx.find("p:Amt/p:InstdAmt", NS)
        assert amount is not None
        found[tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) or ""] = {
            "amount": amount.text,
            "currency": amount.get("Ccy"),
            "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            "account": tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS),
            "bank_code": tx.findtext("p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId", namespaces=NS),
            "bic": tx.findtext("p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS),
            "name": tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
        }
    return found


def test_a_credit_transfer_validates_and_pays_each_payout_to_its_account() -> None:
    document = credit_transfer(
        DEBTOR, two_charities(), message_id="DRM202609R000001", created_at=AT
    )
    assert pain001.schema().is_valid(document)
    assert transfers(document) == {
        # IDR has two decimals in ISO 4217, as in dermawan.core.money.
        "DRM202609P00000001": {"amount": "12345.67", "currency": "IDR", "iban": None,
                               "account": "1230004567890", "bank_code": "008", "bic": None,
                               "name": "Yayasan CH-1"},
        "DRM202609P00000002": {"amount": "0.05", "currency": "EUR",
                               "iban": "DE89370400440532013000", "account": None,
                               "bank_code": None, "bic": "COBADEFFXXX", "name": "Stiftung CH-2"},
        "DRM202609P00000003": {"amount": "1.00", "currency": "IDR", "iban": None,
                               "account": "1230004567890", "bank_code": "008", "bic": None,
                               "name": "Yayasan CH-1"},
    }  # fmt: skip
    root = ET.fromstring(document)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "12346.72"
    blocks = {
        b.findtext("p:PmtInfId", namespaces=NS): b.findtext("p:CtrlSum", namespaces=NS)
        for b in root.iterfind(".//p:PmtInf", NS)
    }
    assert blocks == {"DRM202609R000001-EUR": "0.05", "DRM202609R000001-IDR": "12346.67"}


def test_a_zero_decimal_currency_has_no_decimals() -> None:
    charity_with_local_account("CH-J", currency="JPY")
    document = credit_transfer(
        IBAN_DEBTOR, [Instruction("R1", "CH-J", "J", 1234, "JPY")], message_id="M", created_at=AT
    )
    assert transfers(document)["R1"]["amount"] == "1234"


def test_the_same_payouts_give_the_same_bytes() -> None:
    instructions = two_charities()
    first = credit_transfer(DEBTOR, instructions, message_id="M1", created_at=AT)
    assert credit_transfer(DEBTOR, instructions, message_id="M1", created_at=AT) == first


def test_the_accounts_are_read_in_one_query(monkeypatch: pytest.MonkeyPatch) -> None:
    instructions = two_charities()
    statements: list[str] = []
    real = bulk.select_in

    def counted(cursor: Any, select: str, column: str, values: Any) -> Any:
        statements.append(select)
        return real(cursor, select, column, values)

    monkeypatch.setattr(bulk, "select_in", counted)
    with CaptureQueriesContext(connection) as orm_queries:
        credit_transfer(DEBTOR, instructions * 1, message_id="M1", created_at=AT)
        transfers_csv(instructions)
    assert len(orm_queries) == 0
    assert len(statements) == 2 and all("banking_bankaccount" in s for s in statements)


def test_a_charity_without_an_active_account_is_refused_by_name() -> None:
    instructions = two_charities()
    charity("CH-3", "Rumah Belajar")
    end_bank_account(BankAccount.objects.get(charity_id="CH-2").pk, actor="cli:test")
    with pytest.raises(BankFileRefused) as refused:
        credit_transfer(
            DEBTOR,
            [*instructions, Instruction("R9", "CH-3", "Rumah Belajar", 10, "IDR")],
            message_id="M1",
            created_at=AT,
        )
    assert refused.value.problems == [
        "payout 'DRM202609P00000002': charity 'CH-2' (Stiftung CH-2) has no active EUR bank "
        "account; add one with 'dermawan bank-account add'",
        "payout 'R9': charity 'CH-3' (Rumah Belajar) has no active IDR bank account; add one "
        "with 'dermawan bank-account add'",
    ]
    with pytest.raises(BankFileRefused, match="CH-3"):
        transfers_csv([Instruction("R9", "CH-3", "Rumah Belajar", 10, "IDR")])


@pytest.mark.parametrize(
    ("instruction", "reason"),
    [
        (Instruction("R 1", "CH-1", "Y", 10, "IDR"), "1 to 35 letters"),
        (Instruction("R" * 36, "CH-1", "Y", 10, "IDR"), "1 to 35 letters"),
        (Instruction("R1", "CH-1", "Y", 0, "IDR"), "not a positive payable amount"),
        (Instruction("R1", "CH-1", "Y", -5, "IDR"), "not a positive payable amount"),
        (Instruction("R1", "CH-1", "Y", 10, "XXX"), "not a currency dermawan knows"),
    ],
)
def test_a_bad_instruction_is_refused_with_its_reference(
    instruction: Instruction, reason: str
) -> None:
    charity_with_local_account("CH-1")
    with pytest.raises(BankFileRefused, match=reason):
        credit_transfer(DEBTOR, [instruction], message_id="M1", created_at=AT)


def test_a_reference_twice_in_one_file_is_refused() -> None:
    charity_with_local_account("CH-1")
    twice = [Instruction("R1", "CH-1", "Y", 10, "IDR")] * 2
    with pytest.raises(BankFileRefused, match="twice"):
        credit_transfer(DEBTOR, twice, message_id="M1", created_at=AT)


def test_a_bad_debtor_account_is_refused() -> None:
    charity_with_local_account("CH-1")
    with pytest.raises(BankFileRefused, match=r"debtor account \(DERMAWAN_DEBTOR_\*\): iban"):
        credit_transfer(
            DebtorAccount(name="PT Dermawan", iban="DE00370400440532013000"),
            [Instruction("R1", "CH-1", "Y", 10, "IDR")],
            message_id="M1",
            created_at=AT,
        )


def test_a_document_that_does_not_validate_is_never_returned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instructions = two_charities()
    real = pain001.build_document

    def without_group_header(*args: Any, **kwargs: Any) -> bytes:
        # A broken writer: the schema must stop it before it reaches a bank.
        return real(*args, **kwargs).replace(b"<NbOfTxs>3</NbOfTxs>", b"<NbOfTxs>three</NbOfTxs>")

    monkeypatch.setattr(pain001, "build_document", without_group_header)
    with pytest.raises(BankFileRefused, match="does not validate"):
        credit_transfer(DEBTOR, instructions, message_id="M1", created_at=AT)


def test_a_naive_creation_time_is_refused() -> None:
    with pytest.raises(BankFileRefused, match="time zone"):
        credit_transfer(DEBTOR, [], message_id="M1", created_at=datetime(2026, 10, 1))


def test_the_csv_transfer_list_names_each_account_and_amount() -> None:
    instructions = two_charities()
    BankAccount.objects.filter(charity_id="CH-1").update(holder_name="=HYPERLINK(1)")
    rows = list(csv.DictReader(io.StringIO(transfers_csv(instructions))))
    assert [(r["reference"], r["amount"], r["currency"], r["amount_minor"]) for r in rows] == [
        ("DRM202609P00000001", "12345.67", "IDR", "1234567"),
        ("DRM202609P00000002", "0.05", "EUR", "5"),
        ("DRM202609P00000003", "1.00", "IDR", "100"),
    ]
    assert (rows[0]["bank_code"], rows[0]["account_number"], rows[0]["iban"]) == (
        "008", "1230004567890", "",
    )  # fmt: skip
    assert (rows[1]["iban"], rows[1]["bic"]) == ("DE89370400440532013000", "COBADEFFXXX")
    # A name a spreadsheet would run as a formula is kept as text.
    assert rows[0]["holder_name"] == "'=HYPERLINK(1)"
