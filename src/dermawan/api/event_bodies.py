"""The body of ``POST /events``: its shape and field types, checked before anything is written.

The schema (``EventIn``, published in the OpenAPI document) is enforced
twice over, neither time by pydantic:
- ``event_values`` decodes a body with msgspec, which checks the schema in C
  as it parses (a batch of 1,000 events in about a third of a millisecond)
  and hands each event's values over as a tuple, with no dict between;
- a body it refuses is read again by ``events_of``, which names every field
  that breaks the schema (msgspec stops at the first), so the problem
  document lists them all.

A request that breaks the schema (not JSON, not an object, an unknown field,
a field of the wrong JSON type, a required field missing, more than 1,000
events) is refused whole with a problem naming each field; nothing is
written. What the schema allows but the spec refuses (an unknown ``type``,
an amount out of bounds, a bad timestamp, a field a ``paid`` needs) is the
spec's business: that event is rejected with the spec's reason and the
rest of the batch goes on.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from dermawan.api.bodies import parse_json
from dermawan.api.problems import Problem, field_error
from dermawan.donations.events import FIELDS, values_of

MAX_EVENTS = 1_000
MAX_ERRORS = 50

# The widths of the columns the engine writes: longer text is refused here,
# before the database (PostgreSQL would fail the whole transaction).
MAX_LENGTHS = {"event_id": 200}
MAX_ID = 100
MAX_TEXT = 64
Id = Annotated[StrictStr, Field(max_length=MAX_ID)] | StrictInt
EventId = Annotated[StrictStr, Field(max_length=MAX_LENGTHS["event_id"])] | StrictInt

ID, TEXT, INT = "id", "text", "int"
KINDS = {
    "event_id": ID, "type": TEXT, "order_id": ID, "line_id": ID, "occurred_at": TEXT,
    "merchant_id": ID, "product_id": ID, "currency": TEXT, "quantity": INT,
    "unit_price_minor": INT, "discount_minor": INT, "refund_minor": INT, "buyer_id": ID,
    "campaign_id": ID, "livestream_id": ID,
}  # fmt: skip
REQUIRED = ("event_id", "type", "order_id", "line_id", "occurred_at")
assert set(KINDS) == set(FIELDS)
# The longest string each field takes, for both readers of the body below.
LONGEST = {
    name: MAX_LENGTHS.get(name) or (MAX_ID if kind == ID else MAX_TEXT)
    for name, kind in KINDS.items()
}


class EventIn(BaseModel):
    """One order event (shared/spec/donations.md section 3)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    event_id: EventId = Field(description="the idempotency key")
    type: Annotated[StrictStr, Field(max_length=MAX_TEXT)] = Field(
        description="paid, completed, cancelled or refunded"
    )
    order_id: Id
    line_id: Id
    occurred_at: Annotated[StrictStr, Field(max_length=MAX_TEXT)] = Field(
        description="RFC 3339 with an offset"
    )
    merchant_id: Id | None = Field(None, description="required for paid")
    product_id: Id | None = Field(None, description="required for paid")
    currency: Annotated[StrictStr, Field(max_length=MAX_TEXT)] | None = Field(
        None, description="ISO 4217; required for paid"
    )
    quantity: StrictInt | None = Field(None, description="1..1,000,000; required for paid")
    unit_price_minor: StrictInt | None = Field(None, description="required for paid")
    discount_minor: StrictInt | None = None
    refund_minor: StrictInt | None = Field(None, description="> 0; required for refunded")
    buyer_id: Id | None = None
    campaign_id: Id | None = None
    livestream_id: Id | None = None


class EventBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


def _decoded_type(kind: str, longest: int) -> Any:
    """The msgspec type that accepts what ``_type_error`` accepts."""
    text = Annotated[str, msgspec.Meta(max_length=longest)]
    # orjson reads an integer past 64 bits as a float, which the slow path
    # refuses; msgspec would read it whole. So an integer outside int64 (its
    # bounds stop there) goes to the slow path, which decides.
    integer = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
    return {ID: text | integer, TEXT: text, INT: integer}[kind]


def _decoder() -> msgspec.json.Decoder[Any]:
    fields: list[tuple[str, Any] | tuple[str, Any, None]] = []
    for name in FIELDS:  # in this order: the tuple read_values unpacks
        kind = KINDS[name]
        decoded = _decoded_type(kind, LONGEST[name])
        fields.append((name, decoded) if name in REQUIRED else (name, decoded | None, None))
    record = msgspec.defstruct("EventRecord", fields, forbid_unknown_fields=True)
    events = Annotated[list[record], msgspec.Meta(min_length=1, max_length=MAX_EVENTS)]  # type: ignore[valid-type]
    batch = msgspec.defstruct("EventBatch", [("events", events)], forbid_unknown_fields=True)
    return msgspec.json.Decoder(batch)


_decode = _decoder().decode
_values = msgspec.structs.astuple


def event_values(raw: bytes) -> list[tuple[Any, ...]]:
    """Each event's values in the order of ``FIELDS``; raises a 400, 413 or
    422 problem naming the fields."""
    # JSON has no raw control characters in strings, so a NUL comes only as
    # the escape; a body without that text has none (one with it, even as
    # "\\u0000", takes the slow path, which decides).
    if b"\\u0000" not in raw:
        try:
            return [_values(record) for record in _decode(raw).events]
        except (msgspec.DecodeError, UnicodeDecodeError):
            pass  # read again below, for a problem that names every field
    return [values_of(record) for record in events_of(parse_json(raw))]


def _type_error(kind: str, value: Any, longest: int) -> str | None:
    if value is None:
        return None
    cls = type(value)
    if cls is str:
        if "\x00" in value:
            return "must not contain NUL characters"
        if len(value) > longest:
            return f"must be at most {longest} characters"
    if kind == INT:
        return None if cls is int else "must be an integer"
    if kind == TEXT:
        return None if cls is str else "must be a string"
    return None if cls is str or cls is int else "must be a string or an integer"


def events_of(document: Any) -> list[dict[str, Any]]:
    """The batch's event records; raises a 413 or 422 problem naming the fields."""
    if type(document) is not dict:
        raise Problem(
            "validation-failed",
            "the body must be a JSON object with an events list",
            errors=[field_error("", "must be an object")],
        )
    errors = [field_error(name, "unknown field") for name in document if name != "events"]
    events = document.get("events")
    if type(events) is not list:
        errors.append(field_error("events", "is required" if events is None else "must be a list"))
        raise _failed(errors)
    if len(events) > MAX_EVENTS:
        raise Problem(
            "batch-too-large",
            f"{len(events):,} events; a batch holds at most {MAX_EVENTS:,}",
            errors=[field_error("events", f"at most {MAX_EVENTS:,} events")],
        )
    if not events:
        errors.append(field_error("events", "needs at least one event"))
    for index, event in enumerate(events):
        if len(errors) >= MAX_ERRORS:
            break
        if type(event) is not dict:
            errors.append(field_error(f"events[{index}]", "must be an object"))
            continue
        for name, value in event.items():
            kind = KINDS.get(name)
            if kind is None:
                errors.append(field_error(f"events[{index}].{name}", "unknown field"))
                continue
            problem = _type_error(kind, value, LONGEST[name])
            if problem is not None:
                errors.append(field_error(f"events[{index}].{name}", problem))
        for name in REQUIRED:
            if event.get(name) is None:
                errors.append(field_error(f"events[{index}].{name}", "is required"))
    if errors:
        raise _failed(errors[:MAX_ERRORS])
    return events


def _failed(errors: list[dict[str, str]]) -> Problem:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    where = first["field"] or "the body"
    return Problem("validation-failed", f"{where}: {first['detail']}{more}", errors=errors)
