"""Buyer receipts: what each order line gave, to which project, and where it stands.

Per order, and per buyer across orders (the buyer's donation history,
Taobao's "love footprint"). Status of a line's donation:

- ``pending``: paid, the buyer has not confirmed receipt;
- ``confirmed``: the buyer confirmed receipt; the donation is owed to the charity;
- ``reversed``: cancelled, or refunded in full (partial refunds show in
  ``reversed_minor`` and leave the status as it was);
- ``paid_out``: confirmed and paid to the charity by a settlement run.

A line is paid out once the payout of the settlement run that settled it
is marked paid (``dermawan.settlement.paid``).

Each line carries its place in the transparency log (``log``): its leaves,
each with an inclusion proof to the latest signed tree head, that head, and
the buyer salt that opens the leaves' buyer hash (dermawan.transparency.receipts).
Anyone can check it offline: ``dermawan verify-receipt``, or /receipts/verify.

Buyers have no keys: the marketplace reads receipts for them. A merchant key
reads only its own lines; admin reads all. An order or buyer with no line
the key may see answers 404, whether or not it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from dermawan.api.auth import ADMIN, MARKETPLACE, MERCHANT, Actor, require
from dermawan.api.problems import Problem
from dermawan.api.schemas import LIMIT, OFFSET, Page
from dermawan.catalog.models import Charity, Project
from dermawan.core.instants import to_rfc3339
from dermawan.donations.models import OrderLine
from dermawan.settlement import paid as settlement_paid
from dermawan.transparency.api import TreeHeadOut
from dermawan.transparency.receipts import line_logs

router = Router(tags=["receipts"])

PENDING, CONFIRMED, REVERSED, PAID_OUT = "pending", "confirmed", "reversed", "paid_out"
STATUSES = (PENDING, CONFIRMED, REVERSED, PAID_OUT)


def paid_out_lines(line_ids: Iterable[int]) -> set[int]:
    """Which of these (confirmed) lines a paid payout covered (dermawan.settlement.paid)."""
    return settlement_paid.paid_out_lines(line_ids)


class LogEntryOut(Schema):
    leaf_index: int
    kind: str = Field(description="pledged, confirmed, reversed or paid_out")
    leaf: str = Field(description="the canonical leaf bytes, base64")
    audit_path: list[str] | None = Field(
        description="inclusion proof to tree_head, base64; null until a head covers the leaf"
    )


class LineLogOut(Schema):
    """The line in the transparency log: check it with ``dermawan verify-receipt``."""

    format: str
    tree_head: TreeHeadOut | None
    buyer_salt: str | None = Field(
        description="opens the leaves' buyer hash: HMAC-SHA256(salt, buyer_id), base64"
    )
    entries: list[LogEntryOut]
    entries_waiting: int = Field(
        description="the line's effects committed and not yet appended to the log "
        "(a moment's wait); until they are, the entries do not add up to the line"
    )


class ReceiptLine(Schema):
    order_id: str
    line_id: str
    merchant_id: str
    product_id: str
    buyer_id: str | None
    paid_at: str
    pledge_id: str
    project_id: str
    project_name: str
    charity_id: str
    charity_name: str
    currency: str
    donation_minor: int
    reversed_minor: int
    net_minor: int
    status: str
    log: LineLogOut | None


class ReceiptTotal(Schema):
    currency: str
    donation_minor: int
    reversed_minor: int
    net_minor: int


class OrderReceipt(Schema):
    order_id: str
    lines: list[ReceiptLine]
    totals: list[ReceiptTotal]


class BuyerReceipts(Page):
    buyer_id: str
    items: list[ReceiptLine]
    totals: list[ReceiptTotal]


class PageQuery(Schema):
    limit: int = LIMIT
    offset: int = OFFSET


def status_of(line: OrderLine, paid_out: set[int]) -> str:
    if line.status == OrderLine.CANCELLED or line.reversed_minor >= line.donation_minor:
        return REVERSED
    if line.status == OrderLine.COMPLETED:
        return PAID_OUT if line.id in paid_out else CONFIRMED
    return PENDING


def receipt_lines(lines: list[OrderLine]) -> list[dict[str, Any]]:
    projects = dict(
        Project.objects.filter(id__in={ln.project_id for ln in lines}).values_list("id", "name")
    )
    charities = dict(
        Charity.objects.filter(id__in={ln.charity_id for ln in lines}).values_list("id", "name")
    )
    paid_out = paid_out_lines(ln.id for ln in lines if ln.status == OrderLine.COMPLETED)
    logs = line_logs([ln.id for ln in lines])
    return [
        {
            "order_id": ln.order_id,
            "line_id": ln.line_id,
            "merchant_id": ln.merchant_id,
            "product_id": ln.product_id,
            "buyer_id": ln.buyer_id,
            "paid_at": to_rfc3339(ln.paid_at_us),
            "pledge_id": ln.pledge_id,
            "project_id": ln.project_id,
            "project_name": projects.get(str(ln.project_id), str(ln.project_id)),
            "charity_id": ln.charity_id,
            "charity_name": charities.get(str(ln.charity_id), str(ln.charity_id)),
            "currency": ln.currency,
            "donation_minor": ln.donation_minor,
            "reversed_minor": ln.reversed_minor,
            "net_minor": ln.donation_minor - ln.reversed_minor,
            "status": status_of(ln, paid_out),
            "log": logs.get(ln.id),
        }
        for ln in lines
    ]


def totals(lines: Iterable[OrderLine]) -> list[dict[str, Any]]:
    sums: dict[str, list[int]] = {}
    for ln in lines:
        figures = sums.setdefault(ln.currency, [0, 0])
        figures[0] += ln.donation_minor
        figures[1] += ln.reversed_minor
    return [
        {"currency": c, "donation_minor": d, "reversed_minor": r, "net_minor": d - r}
        for c, (d, r) in sorted(sums.items())
    ]


def visible(who: Actor) -> QuerySet[OrderLine]:
    lines = OrderLine.objects.filter(donation_minor__gt=0)
    if who.kind == MERCHANT:
        lines = lines.filter(merchant_id=who.owner_id)
    return lines


@router.get("/orders/{order_id}/receipt", response={200: OrderReceipt, 404: None})
def order_receipt(request: HttpRequest, order_id: str) -> dict[str, Any]:
    """What each line of an order gave (lines without a donation are left out)."""
    who = require(request, ADMIN, MARKETPLACE, MERCHANT)
    lines = sorted(visible(who).filter(order_id=order_id), key=lambda ln: ln.line_id)
    if not lines:
        raise Problem("not-found", f"no donation of order {order_id}")
    return {"order_id": order_id, "lines": receipt_lines(lines), "totals": totals(lines)}


@router.get("/buyers/{buyer_id}/receipts", response={200: BuyerReceipts, 404: None})
def buyer_receipts(request: HttpRequest, buyer_id: str, page: Query[PageQuery]) -> dict[str, Any]:
    """A buyer's donations, newest first, with totals over all of them."""
    who = require(request, ADMIN, MARKETPLACE, MERCHANT)
    query = visible(who).filter(buyer_id=buyer_id)
    every = list(query.only("currency", "donation_minor", "reversed_minor"))
    if not every:
        raise Problem("not-found", f"no donation of buyer {buyer_id}")
    lines = list(query.order_by("-paid_at_us", "-id")[page.offset : page.offset + page.limit])
    return {
        "buyer_id": buyer_id,
        "count": len(every),
        "limit": page.limit,
        "offset": page.offset,
        "items": receipt_lines(lines),
        "totals": totals(every),
    }
