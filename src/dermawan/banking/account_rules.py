"""What a payout destination must look like, checked before it is stored.

Two shapes (decision 0017): an IBAN (checksum and country format by
schwifty), with an optional BIC; or an Indonesian local account, a 3-digit
bank code (the clearing code Bank Indonesia assigns: 014 BCA, 008 Mandiri,
002 BRI, ...) and an account number of 6 to 20 digits. Pure functions, no
database: the same rules serve the command, the API and the bank files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from dermawan.core.money import is_known_currency

HOLDER_NAME_MAX = 140  # pain.001's Max140Text for a party name
LOCAL_COUNTRY = "ID"
BANK_CODE = re.compile(r"\d{3}\Z", re.ASCII)
ACCOUNT_NUMBER_MIN, ACCOUNT_NUMBER_MAX = 6, 20
ACCOUNT_NUMBER = re.compile(r"\d+\Z", re.ASCII)
# Separators people type inside numbers; never part of the number itself.
_SPACING = re.compile(r"[\s.-]")


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class Destination:
    """A validated, normalised account: either ``iban`` or ``bank_code`` + ``account_number``."""

    holder_name: str
    currency: str
    country: str
    iban: str | None = None
    bic: str | None = None
    bank_code: str | None = None
    account_number: str | None = None

    @property
    def is_iban(self) -> bool:
        return self.iban is not None

    def describe(self) -> str:
        if self.iban:
            return f"IBAN {self.iban}" + (f" (BIC {self.bic})" if self.bic else "")
        return f"bank {self.bank_code} account {self.account_number}"


class InvalidAccount(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def validate_destination(
    *,
    holder_name: str,
    currency: str,
    iban: str | None = None,
    bic: str | None = None,
    bank_code: str | None = None,
    account_number: str | None = None,
) -> Destination:
    """The normalised destination, or InvalidAccount listing every bad field and why."""
    errors: list[FieldError] = []
    holder = " ".join((holder_name or "").split())
    if not holder:
        errors.append(FieldError("holder_name", "is required"))
    elif len(holder) > HOLDER_NAME_MAX:
        errors.append(FieldError("holder_name", f"is longer than {HOLDER_NAME_MAX} characters"))
    if not is_known_currency(currency):
        errors.append(FieldError("currency", f"{currency!r} is not a currency dermawan knows"))

    local = bank_code is not None or account_number is not None
    if iban is not None and local:
        errors.append(
            FieldError(
                "iban", "give either an IBAN or a bank code with an account number, not both"
            )
        )
        raise InvalidAccount(errors)
    if iban is None and not local:
        errors.append(
            FieldError("iban", "an IBAN, or a bank code with an account number, is required")
        )
        raise InvalidAccount(errors)

    if iban is not None:
        destination = _iban_destination(holder, currency, iban, bic, errors)
    else:
        if bic is not None:
            errors.append(FieldError("bic", "is only taken with an IBAN"))
        destination = _local_destination(holder, currency, bank_code, account_number, errors)
    if errors or destination is None:
        raise InvalidAccount(errors)
    return destination


def _iban_destination(
    holder: str, currency: str, iban: str, bic: str | None, errors: list[FieldError]
) -> Destination | None:
    try:
        parsed = IBAN(iban)
    except SchwiftyException as error:
        errors.append(FieldError("iban", f"{iban!r} is not a valid IBAN ({error})"))
        return None
    bic_text = None
    if bic is not None:
        try:
            bic_text = str(BIC(bic))
        except SchwiftyException as error:
            errors.append(FieldError("bic", f"{bic!r} is not a valid BIC ({error})"))
            return None
    return Destination(
        holder_name=holder,
        currency=currency,
        country=parsed.country_code,
        iban=str(parsed.compact),
        bic=bic_text,
    )


def _local_destination(
    holder: str,
    currency: str,
    bank_code: str | None,
    account_number: str | None,
    errors: list[FieldError],
) -> Destination | None:
    code = _SPACING.sub("", bank_code or "")
    number = _SPACING.sub("", account_number or "")
    if not code:
        errors.append(FieldError("bank_code", "is required with a local account number"))
    elif not BANK_CODE.match(code) or code == "000":
        errors.append(
            FieldError("bank_code", f"{bank_code!r} is not a 3-digit Indonesian bank code")
        )
    if not number:
        errors.append(FieldError("account_number", "is required with a bank code"))
    elif not ACCOUNT_NUMBER.match(number):
        errors.append(FieldError("account_number", f"{account_number!r} has a non-digit"))
    elif not ACCOUNT_NUMBER_MIN <= len(number) <= ACCOUNT_NUMBER_MAX:
        errors.append(
            FieldError(
                "account_number",
                f"has {len(number)} digits; Indonesian account numbers have "
                f"{ACCOUNT_NUMBER_MIN} to {ACCOUNT_NUMBER_MAX}",
            )
        )
    if errors:
        return None
    return Destination(
        holder_name=holder,
        currency=currency,
        country=LOCAL_COUNTRY,
        bank_code=code,
        account_number=number,
    )
