"""Bank statements as a bank would send them, for the reconciliation tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Booking:
    reference: str
    amount: str  # as the bank writes it, e.g. "10.00"
    currency: str = "IDR"
    direction: str = "DBIT"  # DBIT | CRDT
    status: str = "BOOK"  # BOOK | PDNG
    booked_on: str = "2026-10-05"
    returned: bool = False


def camt053(*bookings: Booking, batched: bool = False) -> bytes:
    """A camt.053.001.08 statement: one entry per booking, or one batch entry holding them all."""
    entries: list[str] = []
    if batched:
        total = sum(float(b.amount) for b in bookings)
        first = bookings[0]
        entries.append(
            _entry(
                first, f"{total:.2f}", "".join(_transaction(b, with_amount=True) for b in bookings)
            )
        )
    else:
        entries = [_entry(b, b.amount, _transaction(b, with_amount=False)) for b in bookings]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-20261005</MsgId><CreDtTm>2026-10-05T18:00:00+07:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-20261005-1</Id>
      <Acct><Id><Othr><Id>8730012345</Id></Othr></Id></Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="IDR">1000000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-10-05</Dt></Dt>
      </Bal>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def _entry(b: Booking, amount: str, transactions: str) -> str:
    reversal = "<RvslInd>true</RvslInd>" if b.returned and b.direction == "CRDT" else ""
    return f"""
      <Ntry>
        <Amt Ccy="{b.currency}">{amount}</Amt><CdtDbtInd>{b.direction}</CdtDbtInd>{reversal}
        <Sts><Cd>{b.status}</Cd></Sts>
        <BookgDt><Dt>{b.booked_on}</Dt></BookgDt>
        <BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd>
        <NtryDtls>{transactions}</NtryDtls>
      </Ntry>"""


def _transaction(b: Booking, *, with_amount: bool) -> str:
    amount = f'<Amt Ccy="{b.currency}">{b.amount}</Amt>' if with_amount else ""
    refs = f"<Refs><EndToEndId>{b.reference}</EndToEndId></Refs>" if b.reference else ""
    returned = "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>" if b.returned else ""
    return f"<TxDtls>{refs}{amount}{returned}</TxDtls>"


def statement_csv(*rows: tuple[str, str, str, str, str, str]) -> str:
    """reference, amount, currency, booked_on, direction, status."""
    lines = ["reference,amount,currency,booked_on,direction,status"]
    lines += [",".join(row) for row in rows]
    return "\n".join(lines) + "\n"
