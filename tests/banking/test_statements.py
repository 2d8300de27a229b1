"""Reading statements: camt.053 (validated against its schema) and the CSV format."""

from __future__ import annotations

from datetime import date

import pytest

from dermawan.banking.camt053 import read_camt053
from dermawan.banking.statements import (
    BadLine,
    StatementLine,
    UnreadableStatement,
    read_csv_statement,
)
from tests.banking.statement_files import Booking, camt053, statement_csv


def test_each_camt053_entry_is_a_line_with_its_end_to_end_reference() -> None:
    lines = read_camt053(
        camt053(
            Booking("DRM-1", "12345.67"),
            Booking("DRM-2", "1.00", direction="CRDT", returned=True, booked_on="2026-10-06"),
            Booking("DRM-3", "2.00", status="PDNG"),
        )
    )
    assert lines == [
        StatementLine("entry 1", "DRM-1", 1_234_567, "IDR", date(2026, 10, 5), "debit", "booked"),
        StatementLine("entry 2", "DRM-2", 100, "IDR", date(2026, 10, 6), "credit", "returned"),
        StatementLine("entry 3", "DRM-3", 200, "IDR", date(2026, 10, 5), "debit", "pending"),
    ]


def test_a_batch_entry_gives_one_line_per_transaction() -> None:
    lines = read_camt053(camt053(Booking("A", "1.00"), Booking("B", "2.50"), batched=True))
    assert [
        (s.where, s.reference, s.amount_minor) for s in lines if isinstance(s, StatementLine)
    ] == [
        ("entry 1, transaction 1", "A", 100),
        ("entry 1, transaction 2", "B", 250),
    ]


def test_unreadable_camt053_lines_are_named() -> None:
    lines = read_camt053(
        camt053(Booking("", "1.00"), Booking("A", "1.001"), Booking("B", "1.00", currency="XAU"))
    )
    assert lines == [
        BadLine("entry 1", "", "no end-to-end reference"),
        BadLine("entry 2", "A", "amount: '1.001' has more than 2 decimals for IDR"),
        BadLine("entry 3", "B", "currency 'XAU' is not one dermawan knows"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not xml", "not XML"),
        (b'<?xml version="1.0"?><Document xmlns="urn:x"/>', "namespace 'urn:x'"),
        (camt053(Booking("A", "1.00")).replace(b"<Id>STMT-20261005-1</Id>", b""), "validate"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', "DTD"),
    ],
)
def test_a_statement_that_is_not_camt053_is_refused_whole(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableStatement, match=reason):
        read_camt053(data)


def test_the_csv_statement_reads_its_documented_columns() -> None:
    text = statement_csv(
        ("DRM-1", "12345.67", "IDR", "2026-10-05", "debit", "booked"),
        ("DRM-2", "5", "JPY", "2026-10-06", "credit", "returned"),
        ("DRM-3", "-1.00", "IDR", "2026-10-06", "debit", "booked"),
        ("DRM-4", "1.00", "IDR", "05/10/2026", "debit", "booked"),
        ("DRM-5", "1.00", "IDR", "2026-10-06", "out", "booked"),
        ("DRM-6", "1.00", "IDR", "2026-10-06", "debit", "settled"),
    )
    assert read_csv_statement(text) == [
        StatementLine("line 2", "DRM-1", 1_234_567, "IDR", date(2026, 10, 5), "debit", "booked"),
        StatementLine("line 3", "DRM-2", 5, "JPY", date(2026, 10, 6), "credit", "returned"),
        BadLine("line 4", "DRM-3", "amount '-1.00' is not positive"),
        BadLine("line 5", "DRM-4", "booked_on '05/10/2026' is not a date (YYYY-MM-DD)"),
        BadLine("line 6", "DRM-5", "direction 'out' is neither debit nor credit"),
        BadLine("line 7", "DRM-6", "status 'settled' is not one of booked, returned, pending"),
    ]


def test_a_csv_statement_without_the_columns_is_refused() -> None:
    with pytest.raises(UnreadableStatement, match="no column currency, booked_on"):
        read_csv_statement("reference,amount,direction,status\nA,1.00,debit,booked\n")


CAMT053_V02 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>S-2</MsgId><CreDtTm>2026-10-05T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S-2-1</Id><CreDtTm>2026-10-05T18:00:00</CreDtTm>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-10-05</Dt></Dt></Bal>
      <Ntry>
        <Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><DtTm>2026-10-05T09:00:00</DtTm></BookgDt>
        <BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd>
        <NtryDtls>
          <TxDtls><Refs><EndToEndId>DRM-7</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">12.00</Amt></TxAmt></AmtDtls></TxDtls>
          <TxDtls><Refs><EndToEndId>DRM-8</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">0.50</Amt></TxAmt></AmtDtls></TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts>
        <ValDt><Dt>2026-10-06</Dt></ValDt>
        <BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls><Refs><EndToEndId>DRM-9</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def test_camt053_version_02_is_read_too() -> None:
    assert read_camt053(CAMT053_V02) == [
        StatementLine("entry 1, transaction 1", "DRM-7", 1_200, "EUR", date(2026, 10, 5),
                      "debit", "booked"),
        StatementLine("entry 1, transaction 2", "DRM-8", 50, "EUR", date(2026, 10, 5),
                      "debit", "booked"),
        StatementLine("entry 2", "DRM-9", 300, "EUR", date(2026, 10, 6), "debit", "pending"),
    ]  # fmt: skip


def test_a_batch_transaction_without_its_amount_is_a_bad_line() -> None:
    data = CAMT053_V02.replace(b'<AmtDtls><TxAmt><Amt Ccy="EUR">0.50</Amt></TxAmt></AmtDtls>', b"")
    assert read_camt053(data)[1] == BadLine(
        "entry 1, transaction 2", "DRM-8", "a batch entry without this transaction's amount"
    )
