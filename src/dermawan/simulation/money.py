"""Currencies of the simulation and rupiah prices turned into other currencies.

Integers only, like the rest of dermawan: a price is whole rupiah in the word
lists and minor units everywhere after.
"""

from __future__ import annotations

# ISO 4217 exponents of the currencies the simulation uses (all known to the platform).
EXPONENTS: dict[str, int] = {"IDR": 2, "SGD": 2, "MYR": 2, "USD": 2, "CNY": 2, "JPY": 0}
MINOR_PER_UNIT: dict[str, int] = {code: 10**exponent for code, exponent in EXPONENTS.items()}

# Rough rupiah per major unit; realism only needs the right order of magnitude.
RUPIAH_PER_UNIT: dict[str, int] = {
    "IDR": 1,
    "SGD": 12_100,
    "MYR": 3_550,
    "USD": 16_300,
    "CNY": 2_250,
    "JPY": 108,
}


def from_rupiah(rupiah: int, currency: str) -> int:
    """A shop price of ``rupiah`` in ``currency`` minor units, rounded as shops price.

    IDR keeps whole hundreds of rupiah, JPY whole tens of yen, the others end in 9
    cents (4.99) once above one unit.
    """
    scale = MINOR_PER_UNIT[currency]
    if currency == "IDR":
        return max(100, (rupiah + 50) // 100 * 100) * scale
    minor = rupiah * scale // RUPIAH_PER_UNIT[currency]
    if scale == 1:
        return max(10, (minor + 5) // 10 * 10)
    if minor >= 100:
        return (minor + 5) // 10 * 10 - 1
    return max(1, minor)


def small_amount(rupiah: int, currency: str) -> int:
    """A voucher, cap or per-item pledge of about ``rupiah``, as a round amount."""
    scale = MINOR_PER_UNIT[currency]
    if currency == "IDR":
        return rupiah * scale
    minor = rupiah * scale // RUPIAH_PER_UNIT[currency]
    # Two significant digits, as people round: 28,169.00 -> 28,000.00.
    step = 1
    while minor >= 100 * step:
        step *= 10
    return max(1, minor // step * step)
