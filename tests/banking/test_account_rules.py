"""A payout destination is checked on entry; every bad field is named with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from dermawan.banking.account_rules import InvalidAccount, validate_destination

GOOD_IBAN = "DE89 3704 0044 0532 0130 00"


def fields(**given: Any) -> dict[str, str]:
    values: dict[str, Any] = {"holder_name": "Yayasan Pangan", "currency": "IDR", **given}
    with pytest.raises(InvalidAccount) as refused:
        validate_destination(**values)
    return {e.field: e.reason for e in refused.value.errors}


def test_an_iban_is_normalised_and_its_country_kept() -> None:
    d = validate_destination(
        holder_name="  Stiftung   Brot ", currency="EUR", iban=GOOD_IBAN, bic="cobadeffxxx"
    )
    assert (d.iban, d.bic, d.country, d.holder_name) == (
        "DE89370400440532013000", "COBADEFFXXX", "DE", "Stiftung Brot",
    )  # fmt: skip
    assert d.is_iban and d.bank_code is None


def test_an_indonesian_account_keeps_digits_only() -> None:
    d = validate_destination(
        holder_name="Yayasan", currency="IDR", bank_code="014", account_number="873-001.2345"
    )
    assert (d.bank_code, d.account_number, d.country, d.iban) == ("014", "8730012345", "ID", None)


@pytest.mark.parametrize(
    ("given", "field", "reason"),
    [
        ({"iban": "DE89 3704 0044 0532 0130 01"}, "iban", "not a valid IBAN"),
        ({"iban": "XX00 1234"}, "iban", "not a valid IBAN"),
        ({"iban": GOOD_IBAN, "bic": "COBADEFF1"}, "bic", "not a valid BIC"),
        ({"bank_code": "14", "account_number": "8730012345"}, "bank_code", "3-digit"),
        ({"bank_code": "000", "account_number": "8730012345"}, "bank_code", "3-digit"),
        ({"bank_code": "01A", "account_number": "8730012345"}, "bank_code", "3-digit"),
        ({"bank_code": "014", "account_number": "87300A2345"}, "account_number", "non-digit"),
        ({"bank_code": "014", "account_number": "12345"}, "account_number", "6 to 20"),
        ({"bank_code": "014", "account_number": "1" * 21}, "account_number", "6 to 20"),
        ({"bank_code": "014"}, "account_number", "is required"),
        ({"account_number": "8730012345"}, "bank_code", "is required"),
        ({"bank_code": "014", "account_number": "8730012345", "bic": "COBADEFF"}, "bic", "only"),
        ({"iban": GOOD_IBAN, "bank_code": "014"}, "iban", "not both"),
        ({}, "iban", "is required"),
    ],
)
def test_a_bad_field_is_named_with_its_reason(
    given: dict[str, str], field: str, reason: str
) -> None:
    assert reason in fields(**given)[field]


def test_every_bad_field_is_reported_at_once() -> None:
    found = fields(holder_name="", currency="XYZ", bank_code="1", account_number="x")
    assert set(found) == {"holder_name", "currency", "bank_code", "account_number"}
    assert "currency dermawan knows" in found["currency"]


def test_a_holder_name_longer_than_a_bank_file_takes_is_refused() -> None:
    assert "140" in fields(holder_name="A" * 141, iban=GOOD_IBAN)["holder_name"]
