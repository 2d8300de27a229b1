"""Amounts typed by people, read in their locale's notation into integers of minor units.

``5,5`` is five and a half in Indonesian and fifty-five thousand... nowhere:
Babel's strict parse refuses grouping in the wrong places, so a typo is a
message, not a wrong pledge. Only digits and the locale's separators are
accepted (no exponents, signs, NaN or infinities).
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal
from django.utils.translation import gettext as _

from dermawan.core.money import BASIS_POINTS_PER_UNIT, CURRENCY_EXPONENTS, MAX_AMOUNT
from dermawan.site.formatting import babel_locale

LONGEST = 40  # characters; anything longer is not an amount anyone typed
_NUMBER_SHAPE = re.compile(r"[0-9][0-9.,\s\u00a0\u202f'\u2019]*")


class AmountInvalid(ValueError):
    """The text is not an amount; the message says why, in the user's language."""


def _decimal(text: str) -> Decimal:
    text = text.strip()
    if not text:
        raise AmountInvalid(_("Enter a number."))
    if len(text) > LONGEST or not _NUMBER_SHAPE.fullmatch(text):
        raise AmountInvalid(
            _("Enter a number using digits only, like %(example)s.") % {"example": _example()}
        )
    try:
        value = parse_decimal(text, locale=babel_locale(), strict=True)
    except NumberFormatError:
        raise AmountInvalid(
            _("“%(text)s” is not a number in this language's notation, like %(example)s.")
            % {"text": text, "example": _example()}
        ) from None
    if not value.is_finite() or value < 0:
        raise AmountInvalid(_("Enter a number of zero or more."))
    return value


def _example() -> str:
    from babel.numbers import format_decimal

    return format_decimal(Decimal("1234.5"), locale=babel_locale())


def parse_minor(text: str, currency: str) -> int:
    """``"12.500,50"``, IDR (in Indonesian) → ``1250050``: major units typed, minor stored."""
    value = _decimal(text)
    exponent = CURRENCY_EXPONENTS[currency]
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        if exponent == 0:
            raise AmountInvalid(
                _("%(currency)s has no cents: enter a whole number.") % {"currency": currency}
            )
        raise AmountInvalid(
            _("%(currency)s has at most %(digits)s decimal places.")
            % {"currency": currency, "digits": exponent}
        )
    amount = int(minor)
    if amount > MAX_AMOUNT:
        raise AmountInvalid(_("That amount is too large."))
    return amount


def parse_basis_points(text: str) -> int:
    """``"5"`` → 500, ``"2,5"`` (Indonesian) → 250: a percentage with up to two decimals."""
    value = _decimal(text)
    points = value * (BASIS_POINTS_PER_UNIT // 100)
    if points != points.to_integral_value():
        raise AmountInvalid(_("Use at most two decimal places."))
    if not 1 <= points <= BASIS_POINTS_PER_UNIT:
        raise AmountInvalid(_("Enter a percentage from 0.01 to 100."))
    return int(points)
