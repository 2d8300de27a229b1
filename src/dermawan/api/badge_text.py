"""The line a product listing shows under a pledge, in Indonesian, English or Chinese.

"5% of this item goes to Makan Siang Gratis": the language comes from
``Accept-Language`` (Indonesian by default, as the platform's), numbers and
money are formatted for it with Babel.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from dermawan.core.money import CURRENCY_EXPONENTS

LANGUAGES = ("id", "en", "zh")
DEFAULT = "id"
LOCALES = {"id": "id_ID", "en": "en_US", "zh": "zh_Hans_CN"}

PERCENT = {
    "id": "{share}% dari barang ini untuk {project}",
    "en": "{share}% of this item goes to {project}",
    "zh": "本商品{share}%的金额将捐给{project}",
}
FIXED = {
    "id": "{amount} dari setiap barang untuk {project}",
    "en": "{amount} of each item goes to {project}",
    "zh": "每件商品捐出{amount}给{project}",
}


def language(accept: str | None) -> str:
    """The best of LANGUAGES for an Accept-Language header (RFC 9110 q-values)."""
    if not accept:
        return DEFAULT
    best, best_q = DEFAULT, 0.0
    for position, part in enumerate(accept.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if primary == "*":
            primary = DEFAULT
        # Earlier entries win ties, as the header lists preferences in order.
        q -= position * 1e-6
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def share_text(basis_points: int, lang: str) -> str:
    return str(format_decimal(Decimal(basis_points) / 100, locale=LOCALES[lang]))


def money_text(amount_minor: int, currency: str, lang: str) -> str:
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    amount = Decimal(amount_minor).scaleb(-exponent)
    return str(format_currency(amount, currency, locale=LOCALES[lang]))


def badge_text(
    lang: str,
    project: str,
    *,
    basis_points: int | None = None,
    amount_minor: int | None = None,
    currency: str | None = None,
) -> str:
    if basis_points is not None:
        return PERCENT[lang].format(share=share_text(basis_points, lang), project=project)
    assert amount_minor is not None and currency is not None
    return FIXED[lang].format(amount=money_text(amount_minor, currency, lang), project=project)
