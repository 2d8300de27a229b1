"""Statements per merchant and per charity for a settled period: CSV and PDF.

A statement is a list of rows that sums to zero per currency, like a bank
statement read from both sides: for a charity, what it carried in and the
donations confirmed (one row per order line) are given; claw-backs, the
platform fee, the payout and what it carries forward are taken. For a
merchant, the donations confirmed and clawed back against the collection
deducted from its proceeds. The CSV holds every row; the PDF the totals per
currency, with the platform's branding. Money is formatted for the reader's
locale with Babel (Indonesian by default, English, Simplified Chinese).
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal

from dermawan.core import bulk
from dermawan.core.money import CURRENCY_EXPONENTS
from dermawan.settlement import effects
from dermawan.settlement.models import Collection, Payout, Run

LOCALES = {"id": "id_ID", "en": "en_US", "zh": "zh_Hans_CN"}
MERCHANT, CHARITY = "merchant", "charity"

# Row kinds, in the order a statement reads.
CARRIED_IN = "carried_in"
CONFIRMED = "confirmed"
CLAWED_BACK = "clawed_back"
FEE = "fee"
PAYOUT = "payout"
COLLECTION = "collection"
CARRIED_FORWARD = "carried_forward"

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "title_merchant": "Laporan penyelesaian pedagang",
        "title_charity": "Laporan penyelesaian lembaga amal",
        "period": "Periode",
        "currency": "Mata uang",
        "donations": "Donasi",
        CARRIED_IN: "Saldo dibawa dari periode lalu",
        CONFIRMED: "Donasi terkonfirmasi",
        CLAWED_BACK: "Penarikan kembali (pengembalian dana)",
        FEE: "Biaya platform",
        PAYOUT: "Pembayaran ke lembaga amal",
        COLLECTION: "Dipotong dari hasil penjualan",
        CARRIED_FORWARD: "Saldo dibawa ke periode berikut",
        "status": "Status",
        "reference": "Referensi",
        "fee_rate": "Tarif biaya platform",
        "footer": "Dibuat oleh dermawan. Setiap angka tercatat di buku besar berpasangan.",
    },
    "en": {
        "title_merchant": "Merchant settlement statement",
        "title_charity": "Charity settlement statement",
        "period": "Period",
        "currency": "Currency",
        "donations": "Donations",
        CARRIED_IN: "Carried in from earlier periods",
        CONFIRMED: "Donations confirmed",
        CLAWED_BACK: "Claw-backs (refunds after confirmation)",
        FEE: "Platform fee",
        PAYOUT: "Paid to the charity",
        COLLECTION: "Deducted from sales proceeds",
        CARRIED_FORWARD: "Carried forward",
        "status": "Status",
        "reference": "Reference",
        "fee_rate": "Platform fee rate",
        "footer": "Made by dermawan. Every figure is on the double-entry ledger.",
    },
    "zh": {
        "title_merchant": "商家结算单",
        "title_charity": "慈善机构结算单",
        "period": "期间",
        "currency": "币种",
        "donations": "捐赠笔数",
        CARRIED_IN: "上期结转",
        CONFIRMED: "已确认捐赠",
        CLAWED_BACK: "追回: 确认后退款",
        FEE: "平台服务费",
        PAYOUT: "支付给慈善机构",
        COLLECTION: "从销售款中扣除",
        CARRIED_FORWARD: "结转下期",
        "status": "状态",
        "reference": "参考号",
        "fee_rate": "平台服务费率",
        "footer": "由 dermawan 生成。每个数字都记录在复式账本中。",
    },
}

CSV_COLUMNS = (
    "period", "party", "party_id", "currency", "kind", "order_id", "line_id",
    "counterparty_id", "amount_minor", "amount",
)  # fmt: skip


class NoStatement(ValueError):
    pass


@dataclass
class Row:
    currency: str
    kind: str
    amount_minor: int  # signed: given +, taken -
    order_id: str = ""
    line_id: str = ""
    counterparty_id: str = ""  # the charity of a merchant's line, the merchant of a charity's


@dataclass
class Summary:
    currency: str
    figures: list[tuple[str, int]]  # (kind, signed amount), in reading order
    donations: int
    status: str = ""
    reference: str = ""


@dataclass
class Statement:
    party: str  # merchant or charity
    party_id: str
    party_name: str
    period: str
    fee_bps: int
    run_id: int
    summaries: list[Summary] = field(default_factory=list)

    def rows(self) -> list[Row]:
        """Every row: the summary figures, with confirmations and claw-backs per line."""
        return _detail_rows(self)


def build(party: str, party_id: str, period: str) -> Statement:
    """The statement of ``party_id`` (a merchant or a charity) for ``period``."""
    from dermawan.catalog.models import Charity, Merchant

    run = Run.objects.filter(period=period).first()
    if run is None:
        raise NoStatement(f"period {period} is not settled yet ('dermawan settle --period')")
    if party == MERCHANT:
        name = Merchant.objects.filter(pk=party_id).values_list("name", flat=True).first()
    else:
        name = Charity.objects.filter(pk=party_id).values_list("name", flat=True).first()
    if name is None:
        raise NoStatement(f"there is no {party} {party_id!r}")
    statement = Statement(party, party_id, name, period, run.fee_bps, run.pk)
    if party == MERCHANT:
        for c in Collection.objects.filter(run=run, merchant_id=party_id).order_by("currency"):
            figures = [
                (CONFIRMED, c.confirmed_minor),
                (CLAWED_BACK, -c.clawed_back_minor),
                (COLLECTION, -c.amount_minor),
            ]
            statement.summaries.append(Summary(c.currency, figures, c.donations))
    else:
        for p in Payout.objects.filter(run=run, charity_id=party_id).order_by("currency"):
            figures = [
                (CARRIED_IN, p.carried_in_minor),
                (CONFIRMED, p.confirmed_minor),
                (CLAWED_BACK, -p.clawed_back_minor),
                (FEE, -p.fee_minor),
                (PAYOUT, -p.amount_minor),
                (CARRIED_FORWARD, -p.carried_out_minor),
            ]
            statement.summaries.append(
                Summary(p.currency, figures, p.donations, p.status, p.reference or "")
            )
    return statement


def _detail_rows(statement: Statement) -> list[Row]:
    """Per line for confirmations and claw-backs (set-based reads), totals for the rest."""
    run = Run.objects.get(pk=statement.run_id)
    cursor = bulk.raw_cursor()
    own, other = (
        ("merchant_id", "charity_id")
        if statement.party == MERCHANT
        else ("charity_id", "merchant_id")
    )
    accounts = effects.payable_accounts(cursor)
    by_kind: dict[tuple[str, str], list[Row]] = {}
    if accounts and run.lines:
        confirmed, params = effects.confirmations(run)
        clawed, claw_params = effects.claw_backs(run, accounts)
        for kind, sql, sql_params in (
            (CONFIRMED, f"l.confirmed_minor {confirmed}", params),
            (CLAWED_BACK, f"-t.amount_minor {clawed}", claw_params),
        ):
            cursor.execute(
                f"SELECT l.currency, l.order_id, l.line_id, l.{other}, {sql} "
                f"AND l.{own} = {bulk.marks(1)} ORDER BY l.currency, l.order_id, l.line_id"
                + (", t.id" if kind == CLAWED_BACK else ""),
                [*sql_params, statement.party_id],
            )
            for currency, order_id, line_id, counterparty, amount in cursor.fetchall():
                by_kind.setdefault((currency, kind), []).append(
                    Row(currency, kind, int(amount), order_id, line_id, counterparty or "")
                )
    rows: list[Row] = []
    for summary in statement.summaries:
        for kind, amount in summary.figures:
            if kind in (CONFIRMED, CLAWED_BACK):
                rows += by_kind.get((summary.currency, kind), [])
            else:
                rows.append(Row(summary.currency, kind, amount))
    return rows


def money(amount_minor: int, currency: str, locale: str) -> str:
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    value = Decimal(amount_minor).scaleb(-exponent)
    return format_currency(value, currency, locale=LOCALES[locale])


def to_csv(statement: Statement, locale: str = "id") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in statement.rows():
        writer.writerow(
            (
                statement.period, statement.party, statement.party_id, row.currency, row.kind,
                row.order_id, row.line_id, row.counterparty_id, row.amount_minor,
                money(row.amount_minor, row.currency, locale),
            )
        )  # fmt: skip
    return out.getvalue()


STYLE = """
@page { size: A4; margin: 18mm 16mm 20mm;
  @bottom-center { content: counter(page) " / " counter(pages); color: #667; font-size: 8pt; } }
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; font-size: 10pt;
  color: #1d2433; }
header { border-bottom: 4px solid #0f7b6c; padding-bottom: 6pt; margin-bottom: 14pt; }
.brand { color: #0f7b6c; font-size: 20pt; font-weight: bold; letter-spacing: 0.5pt; }
.brand small { color: #667; font-size: 9pt; font-weight: normal; margin-left: 8pt; }
h1 { font-size: 13pt; margin: 6pt 0 2pt; }
.meta { color: #445; }
table { width: 100%; border-collapse: collapse; margin: 10pt 0 16pt; }
th { text-align: left; background: #e6f4f1; color: #0b5e53; padding: 4pt 6pt; }
td { padding: 3pt 6pt; border-bottom: 1px solid #dde3ea; }
td.amount { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 2px solid #0f7b6c; }
footer { color: #667; font-size: 8pt; margin-top: 18pt; }
"""


def to_html(statement: Statement, locale: str = "id") -> str:
    labels = LABELS[locale]
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<style>{STYLE}</style></head><body>",
        "<header><div class='brand'>dermawan<small>Goods for Good</small></div>",
        f"<h1>{e(labels['title_' + statement.party])}</h1>",
        f"<div class='meta'>{e(statement.party_name)} ({e(statement.party_id)}) · "
        f"{e(labels['period'])} {e(statement.period)} · {e(labels['fee_rate'])} "
        f"{e(format_decimal(Decimal(statement.fee_bps) / 100, locale=LOCALES[locale]))} %</div>",
        "</header>",
    ]
    for summary in statement.summaries:
        cur = summary.currency
        parts.append(
            f"<table><tr><th>{e(labels['currency'])} {e(cur)}</th>"
            f"<th>{e(labels['donations'])}: {summary.donations}</th></tr>"
        )
        last = len(summary.figures) - 1
        for index, (kind, amount) in enumerate(summary.figures):
            row_class = " class='total'" if index == last else ""
            parts.append(
                f"<tr{row_class}><td>{e(labels[kind])}</td>"
                f"<td class='amount'>{e(money(shown(kind, amount), cur, locale))}</td></tr>"
            )
        if summary.status:
            parts.append(
                f"<tr><td>{e(labels['status'])}</td><td class='amount'>{e(summary.status)}"
                + (
                    f" · {e(labels['reference'])} {e(summary.reference)}"
                    if summary.reference
                    else ""
                )
                + "</td></tr>"
            )
        parts.append("</table>")
    parts.append(f"<footer>{e(labels['footer'])}</footer></body></html>")
    return "".join(parts)


def shown(kind: str, amount: int) -> int:
    """The figure as a reader expects it: a carried balance with its sign (negative:
    the charity owes a claw-back), every other line as the amount it names."""
    if kind == CARRIED_IN:
        return amount
    if kind == CARRIED_FORWARD:
        return -amount
    return abs(amount)


def to_pdf_document(statement: Statement, locale: str = "id") -> Any:
    """The laid-out WeasyPrint document (tests read its text boxes)."""
    from weasyprint import HTML

    return HTML(string=to_html(statement, locale)).render()


def to_pdf(statement: Statement, locale: str = "id") -> bytes:
    return to_pdf_document(statement, locale).write_pdf()  # type: ignore[no-any-return]
