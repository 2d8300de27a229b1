"""Integer minor units to and from the decimal text of bank files and journals.

The exponent is the one ``dermawan.core.money`` uses for the currency
(ISO 4217: IDR has 2), so a payout of 1234567 IDR minor units is "12345.67".
"""

from __future__ import annotations

import re

from dermawan.core.money import CURRENCY_EXPONENTS

_DECIMAL = re.compile(r"(-?)(\d+)(?:\.(\d+))?\Z", re.ASCII)


def exponent_of(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"{currency!r} is not a currency dermawan knows") from None


def decimal_text(amount_minor: int, currency: str) -> str:
    """``1234567, "IDR"`` -> ``"12345.67"``; no grouping, "." as the decimal mark."""
    exponent = exponent_of(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**exponent)
    return f"{sign}{whole}" + (f".{fraction:0{exponent}d}" if exponent else "")


def parse_decimal(text: str, currency: str) -> int:
    """``"12345.67", "IDR"`` -> ``1234567``; ValueError for anything not exact in minor units."""
    exponent = exponent_of(currency)
    shape = _DECIMAL.match(text.strip())
    if shape is None:
        raise ValueError(f"{text!r} is not a decimal amount")
    sign, whole, fraction = shape[1], shape[2], shape[3] or ""
    if fraction[exponent:].strip("0"):
        raise ValueError(f"{text!r} has more than {exponent} decimals for {currency}")
    fraction = fraction[:exponent].ljust(exponent, "0")
    amount = int(whole + fraction)
    return -amount if sign else amount
