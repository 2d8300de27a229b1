"""Field readers shared by the catalog and the order events.

The spec's typing rules: ids are strings (a JSON integer id reads as its
decimal text); amounts are JSON integers (``2.0``, ``"2"`` and ``true`` are
not). Each reader returns the value, or raises ``Invalid`` with the reason.
"""

from __future__ import annotations

from dermawan.core.money import MAX_AMOUNT


class Invalid(ValueError):
    """A field is not what the contract says; ``reason`` is the spec's code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def read_id(record: dict[str, object], field: str, *, required: bool = True) -> str | None:
    value = record.get(field)
    if value is None:
        if required:
            raise Invalid("malformed", f"{field} is required")
        return None
    if type(value) is str:
        if not value:
            raise Invalid("malformed", f"{field} is empty")
        return value
    if type(value) is int:
        return str(value)
    raise Invalid("malformed", f"{field} must be a string, got {value!r}")


def read_int(record: dict[str, object], field: str, *, required: bool = True) -> int | None:
    value = record.get(field)
    if value is None:
        if required:
            raise Invalid("malformed", f"{field} is required")
        return None
    if type(value) is not int:
        raise Invalid("malformed", f"{field} must be an integer, got {value!r}")
    return value


def read_amount(record: dict[str, object], field: str, *, required: bool = True) -> int | None:
    """An integer amount of minor units within 0..10^14."""
    value = read_int(record, field, required=required)
    if value is not None and not 0 <= value <= MAX_AMOUNT:
        raise Invalid("invalid_amount", f"{field} {value} is outside 0..10^14")
    return value


def read_text(record: dict[str, object], field: str, *, required: bool = True) -> str | None:
    value = record.get(field)
    if value is None:
        if required:
            raise Invalid("malformed", f"{field} is required")
        return None
    if type(value) is not str or not value:
        raise Invalid("malformed", f"{field} must be a non-empty string, got {value!r}")
    return value
