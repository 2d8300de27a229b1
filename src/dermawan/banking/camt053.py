"""ISO 20022 bank-to-customer statements, ``camt.053.001.08`` and ``.02`` (decision 0018).

The file is validated against its official schema first; a file that does
not validate is refused whole. Then every transaction of every entry is one
statement line: its end-to-end id, its amount (the transaction's own, or the
entry's when the entry holds a single transaction), the credit/debit sign,
the booking date, and whether it was booked, returned (a reversal, or
return information) or is still pending.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from xml.etree import ElementTree as ET

import xmlschema

from dermawan.banking.statements import (
    BOOKED,
    CREDIT,
    DEBIT,
    PENDING,
    RETURNED,
    BadLine,
    ParsedLine,
    UnreadableStatement,
    make_line,
)

VERSIONS = ("camt.053.001.08", "camt.053.001.02")
_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"


@cache
def schema(version: str) -> xmlschema.XMLSchema:
    source = resources.files("dermawan.banking") / "schemas" / f"{version}.xsd"
    with resources.as_file(source) as path:
        return xmlschema.XMLSchema(str(path))


def read_camt053(data: bytes) -> list[ParsedLine]:
    try:
        # No DTDs or entities: a statement is data, never instructions to the parser.
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise UnreadableStatement("the statement declares a DTD or entities; refused")
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise UnreadableStatement(f"the statement is not XML ({error})") from error
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    version = namespace.removeprefix(_PREFIX)
    if version not in VERSIONS:
        raise UnreadableStatement(
            f"the statement's namespace {namespace!r} is not one of {', '.join(VERSIONS)}"
        )
    errors = list(schema(version).iter_errors(root))
    if errors:
        first = errors[0]
        raise UnreadableStatement(
            f"the statement does not validate against {version}: {first.reason} at {first.path}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
        )
    ns = {"c": namespace}
    lines: list[ParsedLine] = []
    for entry_no, entry in enumerate(root.iterfind(".//c:Stmt/c:Ntry", ns), start=1):
        lines += _entry_lines(entry, entry_no, ns)
    return lines


def _entry_lines(entry: ET.Element, entry_no: int, ns: dict[str, str]) -> list[ParsedLine]:
    amount = entry.find("c:Amt", ns)
    status_code = _text(entry, "c:Sts/c:Cd", ns) or _text(entry, "c:Sts", ns)
    reversal = _text(entry, "c:RvslInd", ns) == "true"
    booked_on = (
        _text(entry, "c:BookgDt/c:Dt", ns)
        or _text(entry, "c:BookgDt/c:DtTm", ns)[:10]
        or _text(entry, "c:ValDt/c:Dt", ns)
    )
    transactions = entry.findall("c:NtryDtls/c:TxDtls", ns)
    if not transactions:
        transactions = [ET.Element("none")]
    lines: list[ParsedLine] = []
    for tx_no, tx in enumerate(transactions, start=1):
        where = f"entry {entry_no}" + (f", transaction {tx_no}" if len(transactions) > 1 else "")
        tx_amount = tx.find("c:Amt", ns)
        if tx_amount is None:
            tx_amount = tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
        if tx_amount is None and len(transactions) == 1:
            tx_amount = amount
        reference = _text(tx, "c:Refs/c:EndToEndId", ns)
        if tx_amount is None:
            lines.append(
                BadLine(where, reference, "a batch entry without this transaction's amount")
            )
            continue
        indicator = _text(tx, "c:CdtDbtInd", ns) or _text(entry, "c:CdtDbtInd", ns)
        returned = reversal or tx.find("c:RtrInf", ns) is not None
        status = PENDING if status_code != "BOOK" else RETURNED if returned else BOOKED
        lines.append(
            make_line(
                where,
                reference=reference,
                amount=tx_amount.text or "",
                currency=tx_amount.get("Ccy", ""),
                booked_on=booked_on,
                direction={"DBIT": DEBIT, "CRDT": CREDIT}.get(indicator, indicator),
                status=status,
            )
        )
    return lines


def _text(element: ET.Element, path: str, ns: dict[str, str]) -> str:
    found = element.find(path, ns)
    return (found.text or "").strip() if found is not None else ""
