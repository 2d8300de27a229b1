"""Ending a pledge: the one change a loaded pledge allows (spec section 2).

Shared by the API and the back office so both refuse the same ends: a pledge
already ended stays ended; a new end is never in the past (donations already
made keep their pledge) and never later than the pledge's current end.
"""

from __future__ import annotations

from dermawan.core.instants import MICROS_PER_SECOND

# Ending "now" tolerates this much clock difference between client and server.
PAST_TOLERANCE_US = 60 * MICROS_PER_SECOND


class EndRefused(Exception):
    ENDED = "ended"  # the pledge has already ended
    PAST = "past"  # the requested end is in the past
    LATER = "later"  # the requested end is later than the current one

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def end_instant(current_to_us: int | None, requested_us: int | None, now_us: int) -> int:
    """The instant a pledge ending now should get as ``valid_to``, or ``EndRefused``.

    ``current_to_us`` is its ``valid_to`` now (None: open); ``requested_us``
    the end asked for (None: now).
    """
    if current_to_us is not None and current_to_us <= now_us:
        raise EndRefused(EndRefused.ENDED)
    if requested_us is None:
        return now_us
    if requested_us < now_us - PAST_TOLERANCE_US:
        raise EndRefused(EndRefused.PAST)
    if current_to_us is not None and requested_us > current_to_us:
        raise EndRefused(EndRefused.LATER)
    return requested_us
