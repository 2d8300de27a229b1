"""The order-event stream of a run, generated in batches with bounded memory.

Model: the record number is the clock, mapped onto time by ``Timeline``.
At each record either a line's next event falls due (lines wait in buckets
keyed by the record number they are due at) or a new order is paid. A
line's later events are at most ``HORIZON`` records apart, so only a
bounded window of lines is ever pending,
whatever the number of events; at 11.11 rates that compresses delays of days
into minutes, which keeps 10 million events in a few tens of megabytes.

Arrival is chronological except for two realistic disorders, drawn from
small buffers: a few lines' ``paid`` is held back until after their first
later event (out of order), and a few recent events are sent again verbatim
(duplicates). Exactly ``events`` records come out, duplicates included.

The loop is one long function on purpose: at 300k+ events/s, attribute
look-ups and calls are the cost, so the hot names are bound to locals.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from dermawan.donations.events import FIELDS as EVENT_FIELDS
from dermawan.simulation.catalog import Product, Shop
from dermawan.simulation.invalid import Event, Line, invalid_event, kinds_for
from dermawan.simulation.lines import COMPLETED, REFUND_RATE, Step, order_outcome, plan
from dermawan.simulation.money import small_amount
from dermawan.simulation.timeline import DAY, HOUR, UTC_SECONDS, WIB, WIB_SECONDS, Stamps, Timeline

# The columns of an event file (spec section 3), as the engine reads them.
FIELDS: tuple[str, ...] = EVENT_FIELDS
INTEGER_FIELDS = frozenset({"quantity", "unit_price_minor", "discount_minor", "refund_minor"})

DUPLICATE_RATE = 0.01  # of records: a recent event sent again
OUT_OF_ORDER_RATE = 0.045  # of lines with later events: ~2% of records arrive before their paid
HORIZON = 50_000  # most records between two events of a line (bounds memory)
BATCH = 4096
RELEASE_SPREAD = 8  # a held-back paid arrives within this many records of its later event
RECENT_LINES = 256  # paid lines an invalid event may target
NEVER = 1 << 62  # a record number past any run

QUANTITIES = (1,) * 55 + (2,) * 20 + (3,) * 10 + (4,) * 6 + (5,) * 5 + (6, 10, 12, 24)
LINES_PER_ORDER = (1,) * 80 + (2,) * 12 + (3,) * 4 + (4,) * 3 + (5,)
DISCOUNT_RATE = 0.18
VOUCHER_RUPIAH = (2_000, 5_000, 5_000, 10_000, 10_000, 15_000, 25_000, 50_000)
LINE_IDS = tuple(str(number) for number in range(1, 100))
BUYER_RATE = 0.97  # the rest check out as guests


@dataclass
class Stats:
    """What a run wrote, filled in while the stream is consumed."""

    events: int = 0
    orders: int = 0
    lines: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    invalid: int = 0
    by_type: dict[str, int] = field(
        default_factory=lambda: {"paid": 0, "completed": 0, "cancelled": 0, "refunded": 0}
    )
    peak_pending_lines: int = 0


@dataclass(slots=True)
class _Seller:
    id: str
    number: int
    products: list[Product]
    paid_wib: bool  # the shop's order system writes +07:00, else Z
    later_wib: bool  # its fulfilment system, which may differ
    verbose: bool  # later events repeat merchant, product and currency


# A line waiting for its next later event. A plain tuple, not an object: one
# is made per line and per step, and a tuple costs a tenth of an instance.
# (plan, index of the next step, its held-back paid event or None, order_id,
#  line_id, seller, product_id, currency, paid at)
Due = tuple[list[Step], int, Event | None, str, str, _Seller, str, str, int]


def _day_campaigns(stamps: Stamps, day: int) -> tuple[str, str | None, float, float]:
    """(YYYYMMDD, campaign id, share of orders in it, share from a livestream) of a WIB day."""
    date = stamps.local_date(day * DAY - WIB)
    month_day = date[4:]
    if month_day == "1111":
        return date, "harbolnas-1111", 0.6, 0.10
    if month_day == "1212":
        return date, "harbolnas-1212", 0.6, 0.10
    if month_day in ("1110", "1112"):
        return date, "harbolnas-1111", 0.2, 0.06
    if month_day[2:] == "25":
        return date, f"gajian-{date[:6]}", 0.15, 0.04
    return date, f"flash-sale-{date}", 0.04, 0.04


def generate(
    shops: list[Shop],
    events: int,
    seed: int,
    start: int,
    seconds: int,
    *,
    invalid_rate: float = 0.0,
    file_format: str = "jsonl",
    stats: Stats | None = None,
) -> Iterator[list[Event]]:
    """Yield batches of exactly ``events`` records in arrival order."""
    stats = stats if stats is not None else Stats()
    rng = random.Random(f"dermawan-events:{seed}")
    rnd = rng.random
    timeline = Timeline(start, seconds, max(1, events))
    # Timeline.number_at, inlined below: (first number, start, numbers, seconds) per hour.
    bins = timeline.bins()
    end = timeline.end
    stamps = Stamps()
    utc_prefix, wib_prefix = stamps.utc_prefix, stamps.wib_prefix

    sellers = [
        _Seller(shop.id, number, shop.products, rnd() < 0.35, rnd() < 0.5, rnd() < 0.5)
        for number, shop in enumerate(shops)
    ]
    cumulative: list[float] = []
    running = 0.0
    for shop in shops:
        running += shop.weight
        cumulative.append(running)
    last_seller = len(sellers) - 1
    currencies = sorted({product.currency for shop in shops for product in shop.products})
    vouchers = {c: tuple(small_amount(r, c) for r in VOUCHER_RUPIAH) for c in currencies}
    n_vouchers = len(VOUCHER_RUPIAH)
    n_quantities = len(QUANTITIES)
    n_order_sizes = len(LINES_PER_ORDER)
    # Buyer ids made once: formatting one per order would cost more than the rest of it.
    buyer_ids = [f"b-{number:06d}" for number in range(max(1000, min(events // 3, 200_000)))]
    n_buyers = len(buyer_ids)
    days: dict[int, tuple[str, str | None, float, float]] = {}
    invalid_kinds = kinds_for(file_format)
    event_prefix = f"ev-{seed}-"
    order_prefix = f"o-{seed}-"

    # Lines waiting for a later event, bucketed by the record number it is due
    # at (a ring: dues are at most HORIZON ahead), then queued once due. O(1)
    # where a heap would cost log(pending) comparisons per event.
    slots = HORIZON + 64
    buckets: list[list[Due] | None] = [None] * slots
    ready: deque[Due] = deque()
    drained = 0  # buckets of record numbers below this are in ready
    waiting = peak = 0

    release: deque[tuple[int, Event]] = deque()  # held-back paid events: (not before record, event)
    recent_lines: list[Line] = []
    bad: set[int] = set()  # id() of invalid events in the batches duplicates are drawn from
    batch: list[Event] = []
    previous: list[Event] = []

    written = event_number = order_number = 0
    # Duplicates and invalid events come at random gaps (uniform, mean 1/rate):
    # one draw per such event instead of one per record.
    duplicate_gap = 2 / DUPLICATE_RATE - 1
    next_duplicate = 1 + int(rnd() * duplicate_gap)
    invalid_gap = 2 / invalid_rate - 1 if invalid_rate else 0.0
    next_invalid = 1 + int(rnd() * invalid_gap) if invalid_rate else NEVER
    # The first record number at which a duplicate, an invalid event or a
    # held-back paid is due: one comparison per record instead of three.
    next_special = min(next_duplicate, next_invalid)
    flush_at = BATCH
    duplicates = out_of_order = invalid = lines = 0
    completed = cancelled = refunded = 0

    # The timeline's current hour, advanced as records go by.
    hour = 0
    bin_first, bin_start = timeline.bin_first, timeline.bin_start
    last_hour = len(bin_first) - 2

    def hour_params(h: int) -> tuple[int, int, int, int, int]:
        first, begin = bin_first[h], bin_start[h]
        count = max(1, bin_first[h + 1] - first)
        following = bin_first[h + 1] if h < last_hour else NEVER
        return first, begin, count, bin_start[h + 1] - begin, following

    first, begin, count, width, following = hour_params(0)
    moment = start
    utc_minute = wib_minute = -1
    utc_head = wib_head = ""

    while written < events:
        if written >= next_special:
            if release and (release[0][0] <= written or events - written <= len(release)):
                batch.append(release.popleft()[1])
                written += 1
                lines += 1
            elif written >= next_duplicate:
                next_duplicate = written + 1 + int(rnd() * duplicate_gap)
                source = batch if len(batch) > 16 or not previous else previous
                again = source[int(rnd() * len(source))]
                if id(again) not in bad:  # only valid events are sent again
                    batch.append(again)
                    written += 1
                    duplicates += 1
            elif written >= next_invalid:
                next_invalid = written + 1 + int(rnd() * invalid_gap)
                event_number += 1
                target = recent_lines[int(rnd() * len(recent_lines))] if recent_lines else None
                bad_event = invalid_event(
                    invalid_kinds[int(rnd() * len(invalid_kinds))],
                    rng,
                    f"{event_prefix}{event_number}",
                    f"{order_prefix}x{event_number}",
                    stamps.utc(moment),
                    target,
                )
                bad.add(id(bad_event))
                batch.append(bad_event)
                written += 1
                invalid += 1
            # The next special record; a held-back paid is due at its place or
            # when the rest of the file is owed to held-back paid events.
            next_special = min(next_duplicate, next_invalid)
            if release:
                next_special = min(next_special, release[0][0], events - len(release))
        else:
            # A generation step: time moves on to this record's moment.
            while written >= following:
                hour += 1
                first, begin, count, width, following = hour_params(hour)
            moment = begin + (written - first) * width // count
            if moment >= end:
                moment = end - 1
            while drained <= written:
                bucket = buckets[drained % slots]
                if bucket is not None:
                    ready.extend(bucket)
                    buckets[drained % slots] = None
                drained += 1

            if ready:
                (
                    plan_steps,
                    index,
                    held,
                    order_id,
                    line_id,
                    seller,
                    product_id,
                    currency,
                    paid_at,
                ) = ready.popleft()
                waiting -= 1
                _, kind, amount = plan_steps[index]
                index += 1
                if moment <= paid_at:
                    moment = paid_at + 1  # strictly after its paid, even when compressed
                if seller.later_wib:
                    minute = moment // 60
                    if minute != wib_minute:
                        wib_minute, wib_head = minute, wib_prefix(minute)
                    occurred_at = wib_head + WIB_SECONDS[moment % 60]
                else:
                    minute = moment // 60
                    if minute != utc_minute:
                        utc_minute, utc_head = minute, utc_prefix(minute)
                    occurred_at = utc_head + UTC_SECONDS[moment % 60]
                event_number += 1
                later: Event = {
                    "event_id": f"{event_prefix}{event_number}",
                    "type": kind,
                    "order_id": order_id,
                    "line_id": line_id,
                    "occurred_at": occurred_at,
                }
                if seller.verbose:
                    later["merchant_id"] = seller.id
                    later["product_id"] = product_id
                    later["currency"] = currency
                if amount:
                    later["refund_minor"] = amount
                if index < len(plan_steps) and paid_at + plan_steps[index][0] < end:
                    at = paid_at + plan_steps[index][0]
                    bin_number, bin_begin, bin_count, bin_width = bins[(at - start) // HOUR]
                    due = bin_number - (bin_begin - at) * bin_count // bin_width  # number_at
                    if due <= written:
                        due = written + 1
                    elif due > written + HORIZON:
                        due = written + HORIZON  # bounded memory: see HORIZON
                    entry: Due = (
                        plan_steps,
                        index,
                        None,
                        order_id,
                        line_id,
                        seller,
                        product_id,
                        currency,
                        paid_at,
                    )
                    bucket = buckets[due % slots]
                    if bucket is None:
                        buckets[due % slots] = [entry]
                    else:
                        bucket.append(entry)
                    waiting += 1
                if held is not None and events - written - 1 <= len(release):
                    # Too close to the end to send its paid after it: send the paid only.
                    batch.append(held)
                    written += 1
                    lines += 1
                else:
                    if held is not None:
                        # Arrives before its paid, which follows a few records later.
                        release.append((written + 1 + int(rnd() * RELEASE_SPREAD), held))
                        next_special = min(next_special, release[0][0], events - len(release))
                        out_of_order += 1
                    batch.append(later)
                    written += 1
                    if kind == "completed":
                        completed += 1
                    elif kind == "cancelled":
                        cancelled += 1
                    else:
                        refunded += 1
            else:
                order_number += 1
                seller = sellers[min(last_seller, bisect_right(cumulative, rnd() * running))]
                products = seller.products
                product = products[int(rnd() * rnd() * len(products))]
                chosen = [product]
                size = LINES_PER_ORDER[int(rnd() * n_order_sizes)]
                if size > 1:
                    for _ in range(2 * size):
                        other = products[int(rnd() * len(products))]
                        if other.currency == product.currency and other not in chosen:
                            chosen.append(other)
                            if len(chosen) == size:
                                break
                order_id = f"{order_prefix}{order_number}"
                if seller.paid_wib:
                    minute = moment // 60
                    if minute != wib_minute:
                        wib_minute, wib_head = minute, wib_prefix(minute)
                    occurred_at = wib_head + WIB_SECONDS[moment % 60]
                else:
                    minute = moment // 60
                    if minute != utc_minute:
                        utc_minute, utc_head = minute, utc_prefix(minute)
                    occurred_at = utc_head + UTC_SECONDS[moment % 60]
                day = (moment + WIB) // DAY
                today = days.get(day)
                if today is None:
                    today = days[day] = _day_campaigns(stamps, day)
                # Skewed: some buyers order far more than others.
                buyer_id = buyer_ids[int(rnd() * rnd() * n_buyers)] if rnd() < BUYER_RATE else None
                campaign_id = today[1] if rnd() < today[2] else None
                livestream_id = f"live-{today[0]}-{seller.number}" if rnd() < today[3] else None
                outcome, settle = order_outcome(rnd)
                for position, product in enumerate(chosen):
                    if events - written <= len(release):
                        break  # the rest of the file is owed to held-back paid events
                    quantity = QUANTITIES[int(rnd() * n_quantities)]
                    price = product.price_minor
                    net = quantity * price
                    event_number += 1
                    line_id = LINE_IDS[position]
                    paid: Event = {
                        "event_id": f"{event_prefix}{event_number}",
                        "type": "paid",
                        "order_id": order_id,
                        "line_id": line_id,
                        "occurred_at": occurred_at,
                        "merchant_id": seller.id,
                        "product_id": product.id,
                        "currency": product.currency,
                        "quantity": quantity,
                        "unit_price_minor": price,
                    }
                    if rnd() < DISCOUNT_RATE:
                        discount = min(net, vouchers[product.currency][int(rnd() * n_vouchers)])
                        paid["discount_minor"] = discount
                        net -= discount
                    if buyer_id is not None:
                        paid["buyer_id"] = buyer_id
                    if campaign_id is not None:
                        paid["campaign_id"] = campaign_id
                    if livestream_id is not None:
                        paid["livestream_id"] = livestream_id
                    u = rnd()
                    if outcome == COMPLETED and u >= REFUND_RATE:
                        plan_steps = [(settle, "completed", 0)]  # most lines, without a call
                    else:
                        plan_steps = plan(rnd, u, outcome, settle, net, quantity)
                    if plan_steps and moment + plan_steps[0][0] < end:
                        at = moment + plan_steps[0][0]
                        bin_number, bin_begin, bin_count, bin_width = bins[(at - start) // HOUR]
                        due = bin_number - (bin_begin - at) * bin_count // bin_width  # number_at
                        if due <= written:
                            due = written + 1
                        elif due > written + HORIZON:
                            due = written + HORIZON  # bounded memory: see HORIZON
                        hold = events - written > 1000 and rnd() < OUT_OF_ORDER_RATE
                        entry = (
                            plan_steps,
                            0,
                            paid if hold else None,
                            order_id,
                            line_id,
                            seller,
                            product.id,
                            product.currency,
                            moment,
                        )
                        bucket = buckets[due % slots]
                        if bucket is None:
                            buckets[due % slots] = [entry]
                        else:
                            bucket.append(entry)
                        waiting += 1
                        if hold:
                            continue  # written after its first later event
                    batch.append(paid)
                    written += 1
                    lines += 1
                    if invalid_rate:
                        recent = Line(order_id, line_id, product.currency, net)
                        if len(recent_lines) < RECENT_LINES:
                            recent_lines.append(recent)
                        else:
                            recent_lines[event_number % RECENT_LINES] = recent
                if waiting > peak:
                    peak = waiting

        if written >= flush_at:
            flush_at = written + BATCH
            yield batch
            previous, batch = batch, []
            if bad:
                bad = {id(event) for event in previous if id(event) in bad}

    if batch:
        yield batch
    stats.by_type.update(paid=lines, completed=completed, cancelled=cancelled, refunded=refunded)
    stats.events = written
    stats.orders = order_number
    stats.lines = lines
    stats.duplicates = duplicates
    stats.out_of_order = out_of_order
    stats.invalid = invalid
    stats.peak_pending_lines = peak
