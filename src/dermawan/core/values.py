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


def read_id(record: dict[str, object], field: str) -> str:
    value = read_optional_id(record, field)
    if value is None:
        raise Invalid("malformed", f"{field} is required")
    return value


ID_LENGTH = 100  # the catalog's and the engine's id columns


def read_optional_id(record: dict[str, object], field: str) -> str | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, str) and len(value) > ID_LENGTH:
        raise Invalid("malformed", f"{field} is longer than {ID_LENGTH} characters")
    if type(value) is str:
        if not value:
            raise Invalid("malformed", f"{field} is empty")
        return value
    if type(value) is int:
        return str(value)
    raise Invalid("malformed", f"{field} must be a string, got {value!r}")


def read_int(record: dict[str, object], field: str) -> int:
    value = read_optional_int(record, field)
    if value is None:
        raise Invalid("malformed", f"{field} is required")
    return value


def read_optional_int(record: dict[str, object], field: str) -> int | None:
    value = record.get(field)
    if value is None:
        return None
    if type(value) is not int:
        raise Invalid("malformed", f"{field} must be an integer, got {value!r}")
    return value


def read_amount(record: dict[str, object], field: str) -> int:
    """An integer amount of minor units within 0..10^14."""
    value = read_optional_amount(record, field)
    if value is None:
        raise Invalid("malformed", f"{field} is required")
    return value


def read_optional_amount(record: dict[str, object], field: str) -> int | None:
    value = read_optional_int(record, field)
    if value is not None and not 0 <= value <= MAX_AMOUNT:
        raise Invalid("invalid_amount", f"{field} {value} is outside 0..10^14")
    return value


def read_text(record: dict[str, object], field: str, longest: int = 200) -> str:
    value = record.get(field)
    if value is None:
        raise Invalid("malformed", f"{field} is required")
    if type(value) is str and len(value) > longest:
        raise Invalid("malformed", f"{field} is longer than {longest} characters")
    if type(value) is not str or not value:
        raise Invalid("malformed", f"{field} must be a non-empty string, got {value!r}")
    return value
