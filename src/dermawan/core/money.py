"""Money rules shared by every domain: integers of minor units, never floats.

See shared/spec/donations.md, section 1.
"""

from __future__ import annotations

# ISO 4217 minor-unit exponents of the currencies the platform knows.
CURRENCY_EXPONENTS: dict[str, int] = {
    "IDR": 2,
    "CNY": 2,
    "USD": 2,
    "SGD": 2,
    "MYR": 2,
    "JPY": 0,
    "EUR": 2,
    "THB": 2,
    "PHP": 2,
    "VND": 0,
    "KRW": 0,
    "HKD": 2,
    "TWD": 2,
    "AUD": 2,
    "GBP": 2,
}

MAX_AMOUNT = 10**14
MAX_QUANTITY = 1_000_000
BASIS_POINTS_PER_UNIT = 10_000


def is_known_currency(code: object) -> bool:
    return isinstance(code, str) and code in CURRENCY_EXPONENTS


def round_half_up(numerator: int, denominator: int) -> int:
    """round(numerator / denominator), halves up; both non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent_of(amount: int, basis_points: int) -> int:
    """basis_points / 10,000 of amount, rounded half up."""
    return round_half_up(amount * basis_points, BASIS_POINTS_PER_UNIT)


def format_minor(amount_minor: int, currency: str) -> str:
    """``1234567, "IDR"`` -> ``"IDR 12,345.67"``: for terminals and logs."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**exponent)
    text = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    return f"{currency} {sign}{text}"
