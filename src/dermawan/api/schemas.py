"""Schemas every router shares: problem documents, pages, safe text."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictStr


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# Text from clients: a JSON string, no NUL (PostgreSQL cannot store one).
Text = Annotated[StrictStr, AfterValidator(_no_nul)]
CatalogId = Annotated[StrictStr, AfterValidator(_no_nul), Field(min_length=1, max_length=100)]

# Text no wider than its column, checked before the database (PostgreSQL
# would refuse it with an error in the middle of the transaction).
Name = Annotated[StrictStr, AfterValidator(_no_nul), Field(max_length=200)]
Country = Annotated[StrictStr, AfterValidator(_no_nul), Field(max_length=2)]
Category = Annotated[StrictStr, AfterValidator(_no_nul), Field(max_length=50)]
Region = Annotated[StrictStr, AfterValidator(_no_nul), Field(max_length=10)]
Status = Annotated[StrictStr, AfterValidator(_no_nul), Field(max_length=20)]
Currency = Annotated[StrictStr, AfterValidator(_no_nul), Field(max_length=3)]
Moment = Annotated[StrictStr, AfterValidator(_no_nul), Field(max_length=64)]


class StrictIn(Schema):
    """A request body: unknown fields and loose types are refused (422)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class FieldErrorOut(Schema):
    field: str
    pointer: str
    detail: str


class ProblemOut(Schema):
    """RFC 9457 problem details (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldErrorOut] | None = None


class Page(Schema):
    count: int
    limit: int
    offset: int


LIMIT = Field(20, ge=1, le=100, description="items per page")
OFFSET = Field(0, ge=0, le=10**9, description="items to skip")
