"""The platform fee, in basis points of what a run settles for a charity.

Indonesian fundraising rules cap the cost of collecting donations at 10 %, so
the setting is refused above 1,000 basis points.
"""

from __future__ import annotations

import os

from dermawan.core.money import percent_of

MAX_FEE_BPS = 1_000
SETTING = "DERMAWAN_PLATFORM_FEE_BPS"


class BadFee(ValueError):
    pass


def fee_bps() -> int:
    text = os.environ.get(SETTING, "0").strip() or "0"
    if not text.isdigit():
        raise BadFee(f"{SETTING}={text!r} is not a whole number of basis points")
    bps = int(text)
    if bps > MAX_FEE_BPS:
        raise BadFee(f"{SETTING}={bps} is above the 10 % cap ({MAX_FEE_BPS} basis points)")
    return bps


def fee_of(net_minor: int, bps: int) -> int:
    """The fee on a run's net settled amount for one charity; none on a net claw-back."""
    return percent_of(net_minor, bps) if net_minor > 0 else 0
