"""Money, numbers and dates for people, in the active language (Babel).

Money is an integer of minor units with its currency; a whole amount shows
no decimals ("Rp3.000", not "Rp3.000,00"), a fractional one shows the
currency's digits. The Babel locale follows Django's active language:
Indonesian as written in Indonesia, American English (with rupiah still
"Rp"), and Simplified Chinese.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_compact_currency, format_currency, format_decimal, format_percent
from django.utils import translation

from dermawan.core.money import CURRENCY_EXPONENTS

BABEL_LOCALES = {"id": "id_ID", "en": "en_US", "zh-hans": "zh_Hans_CN"}
# Rupiah read as "Rp" in English too (Babel's en_US would write "IDR").
SYMBOLS = {"en_US": {"IDR": "Rp"}}
DEFAULT_LOCALE = "id_ID"
# People in Indonesia read Western Indonesian Time.
DISPLAY_TIME_ZONE = "Asia/Jakarta"


def babel_locale(language: str | None = None) -> str:
    """The Babel locale of a Django language code (the active one by default)."""
    code = (language or translation.get_language() or "id").lower()
    return BABEL_LOCALES.get(code, BABEL_LOCALES.get(code.split("-")[0], DEFAULT_LOCALE))


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-CURRENCY_EXPONENTS.get(currency, 2))


def money(amount_minor: int, currency: str, language: str | None = None) -> str:
    """``300000, "IDR"`` -> ``"Rp3.000"`` (id), ``"IDR3,000"`` (zh-hans)."""
    return _money(amount_minor, currency, babel_locale(language))


# Pages repeat amounts and days (a history of similar purchases, a chart's axis);
# Babel costs tens of microseconds a call, a cache hit well under one.
@lru_cache(maxsize=16384)
def _money(amount_minor: int, currency: str, locale: str) -> str:
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    amount = to_decimal(amount_minor, currency)
    if amount_minor % 10**exponent == 0:
        pattern = Locale.parse(locale).currency_formats["standard"].pattern
        whole = pattern.split(";")[0].replace(".00", "").replace(".0", "")
        text = format_currency(amount, currency, format=whole, locale=locale, currency_digits=False)
    else:
        text = format_currency(amount, currency, locale=locale)
    return _symbol(str(text), currency, locale)


def _symbol(text: str, currency: str, locale: str) -> str:
    preferred = SYMBOLS.get(locale, {}).get(currency)
    return text.replace(currency, preferred) if preferred else text


def money_short(amount_minor: int, currency: str, language: str | None = None) -> str:
    """Large amounts in a few characters: ``"Rp1,2 M"`` (for totals on small screens)."""
    locale = babel_locale(language)
    amount = to_decimal(amount_minor, currency)
    if abs(amount) < 1_000:
        return money(amount_minor, currency, language)
    if abs(amount) < 1_000_000:
        exponent = CURRENCY_EXPONENTS.get(currency, 2)
        whole = (abs(amount_minor) + 10**exponent // 2) // 10**exponent * 10**exponent
        return money(whole if amount_minor >= 0 else -whole, currency, language)
    # Shown to one decimal of its unit (jt, M, 万), so four significant digits are
    # all that matter: rounding first lets a small cache answer (Babel's compact
    # formatting costs milliseconds a call).
    exponent = amount.adjusted()
    return _compact(
        amount.scaleb(-exponent).quantize(Decimal("0.001")).scaleb(exponent), currency, locale
    )


@lru_cache(maxsize=8192)
def _compact(amount: Decimal, currency: str, locale: str) -> str:
    text = format_compact_currency(amount, currency, locale=locale, fraction_digits=1)
    return _symbol(str(text), currency, locale)


def number(value: int | Decimal, language: str | None = None) -> str:
    return str(format_decimal(value, locale=babel_locale(language)))


def percent(part: int, whole: int, language: str | None = None) -> str:
    """``part / whole`` as a percentage with at most one decimal ("12,5%")."""
    share = Decimal(part) / Decimal(whole) if whole else Decimal(0)
    return str(format_percent(share, format="#,##0.#%", locale=babel_locale(language)))


def day(value: date | datetime, language: str | None = None, style: str = "medium") -> str:
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date()
    return _day(value, babel_locale(language), style)


@lru_cache(maxsize=4096)
def _day(value: date, locale: str, style: str) -> str:
    return str(format_date(value, format=style, locale=locale))


def moment(value: datetime, language: str | None = None, style: str = "medium") -> str:
    return str(format_datetime(value, format=style, tzinfo=_zone(), locale=babel_locale(language)))


def from_micros(us: int) -> datetime:
    """An instant stored as integer microseconds (dermawan.core.instants) as a datetime."""
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def _zone() -> ZoneInfo:
    return ZoneInfo(DISPLAY_TIME_ZONE)
