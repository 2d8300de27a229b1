"""ISO 20022 customer credit transfer initiation, ``pain.001.001.09`` (decision 0017).

One payment information block per currency, one credit transfer per payout,
the payout's reference as the end-to-end id, so the bank statement
(``camt.053``) names the payout it settles. The document is validated
against the official schema (vendored in ``schemas/``) before it is handed
back: a file that does not validate is never returned, so never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from xml.etree import ElementTree as ET

import xmlschema

from dermawan.banking.account_rules import Destination
from dermawan.banking.amounts import decimal_text
from dermawan.banking.instructions import (
    REFERENCE,
    BankFileRefused,
    DebtorAccount,
    Payment,
    PayoutInstruction,
    resolve_payments,
)

VERSION = "pain.001.001.09"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{VERSION}"
# No ISO clearing-system code names Bank Indonesia's bank codes, so the
# scheme is given as a proprietary name (decision 0017).
LOCAL_CLEARING_SYSTEM = "ID-BI-BANK-CODE"


@cache
def schema() -> xmlschema.XMLSchema:
    source = resources.files("dermawan.banking") / "schemas" / f"{VERSION}.xsd"
    with resources.as_file(source) as path:
        return xmlschema.XMLSchema(str(path))


def credit_transfer(
    debtor: DebtorAccount,
    instructions: Sequence[PayoutInstruction],
    *,
    message_id: str,
    created_at: datetime,
) -> bytes:
    """The pain.001 document paying every instruction, validated, or BankFileRefused."""
    if not REFERENCE.match(message_id):
        raise BankFileRefused([f"message id {message_id!r}: must be 1 to 35 letters or digits"])
    if created_at.tzinfo is None:
        raise BankFileRefused(["created_at must carry a time zone"])
    if not instructions:
        raise BankFileRefused(["a credit transfer needs at least one payout"])
    payments = resolve_payments(instructions)
    by_currency: dict[str, list[Payment]] = {}
    for payment in payments:
        by_currency.setdefault(payment.currency, []).append(payment)
    debtors = {currency: debtor.destination(currency) for currency in by_currency}
    document = build_document(
        debtors, by_currency, message_id=message_id, created_at=created_at.astimezone(UTC)
    )
    errors = list(schema().iter_errors(document))
    if errors:
        raise BankFileRefused(
            [f"{VERSION} does not validate: {e.reason} at {e.path}" for e in errors[:5]]
        )
    return document


def build_document(
    debtors: dict[str, Destination],
    by_currency: dict[str, list[Payment]],
    *,
    message_id: str,
    created_at: datetime,
) -> bytes:
    """The XML, unvalidated: pure, so tests can break it and watch validation refuse it."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_q("Document"))
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    every = [p for payments in by_currency.values() for p in payments]
    _sub(header, "NbOfTxs", str(len(every)))
    _sub(header, "CtrlSum", _control_sum(every))
    _sub(_sub(header, "InitgPty"), "Nm", next(iter(debtors.values())).holder_name)
    for currency in sorted(by_currency):
        payments = by_currency[currency]
        block = _sub(initiation, "PmtInf")
        _sub(block, "PmtInfId", f"{message_id[:31]}-{currency}")
        _sub(block, "PmtMtd", "TRF")
        _sub(block, "BtchBookg", "false")  # one statement line per payout, to reconcile
        _sub(block, "NbOfTxs", str(len(payments)))
        _sub(block, "CtrlSum", _control_sum(payments))
        _sub(_sub(block, "ReqdExctnDt"), "Dt", created_at.date().isoformat())
        debtor = debtors[currency]
        _sub(_sub(block, "Dbtr"), "Nm", debtor.holder_name)
        _account(_sub(block, "DbtrAcct"), debtor, currency)
        _agent(_sub(block, "DbtrAgt"), debtor)
        # SEPA asks for SLEV (service level); elsewhere each side pays its own bank.
        _sub(block, "ChrgBr", "SLEV" if currency == "EUR" and debtor.is_iban else "SHAR")
        for payment in payments:
            _transfer(_sub(block, "CdtTrfTxInf"), payment)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="UTF-8", xml_declaration=True))


def _transfer(parent: ET.Element, payment: Payment) -> None:
    ids = _sub(parent, "PmtId")
    _sub(ids, "InstrId", payment.reference)
    _sub(ids, "EndToEndId", payment.reference)
    amount = _sub(
        _sub(parent, "Amt"), "InstdAmt", decimal_text(payment.amount_minor, payment.currency)
    )
    amount.set("Ccy", payment.currency)
    creditor = payment.creditor
    if creditor.bic or creditor.bank_code:
        _agent(_sub(parent, "CdtrAgt"), creditor)
    party = _sub(parent, "Cdtr")
    _sub(party, "Nm", creditor.holder_name)
    _sub(party, "CtryOfRes", creditor.country)
    _account(_sub(parent, "CdtrAcct"), creditor, payment.currency)
    _sub(_sub(parent, "RmtInf"), "Ustrd", f"Dermawan donations payout {payment.reference}")


def _account(parent: ET.Element, destination: Destination, currency: str) -> None:
    ident = _sub(parent, "Id")
    if destination.iban:
        _sub(ident, "IBAN", destination.iban)
    else:
        other = _sub(ident, "Othr")
        _sub(other, "Id", destination.account_number or "")
        _sub(_sub(other, "SchmeNm"), "Cd", "BBAN")
    _sub(parent, "Ccy", currency)


def _agent(parent: ET.Element, destination: Destination) -> None:
    institution = _sub(parent, "FinInstnId")
    if destination.bic:
        _sub(institution, "BICFI", destination.bic)
    elif destination.bank_code:
        member = _sub(institution, "ClrSysMmbId")
        _sub(_sub(member, "ClrSysId"), "Prtry", LOCAL_CLEARING_SYSTEM)
        _sub(member, "MmbId", destination.bank_code)
    else:  # the schema needs an agent for the debtor; "not provided" is its usual filler
        _sub(_sub(institution, "Othr"), "Id", "NOTPROVIDED")


def _control_sum(payments: Sequence[Payment]) -> str:
    """Sum of the amounts as decimals, across currencies as ISO 20022 defines it."""
    total = sum((_decimal(p.amount_minor, p.currency) for p in payments), start=_decimal(0, "USD"))
    return format(total, "f")


def _decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(decimal_text(amount_minor, currency))


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _q(tag))
    if text is not None:
        element.text = text
    return element
