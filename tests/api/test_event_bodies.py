"""``event_values``: msgspec's fast decode and the slow path that names every field agree.

The fast path (msgspec, the schema checked in C) must accept exactly what the
slow path (orjson, then ``events_of``) accepts, and hand over the same values;
what it refuses the slow path reads again, so a refused body's problem is the
slow path's by construction. The property test feeds both bodies made of the
values that matter at the schema's edges: every JSON type in every field,
unknown fields, missing ones, NUL characters, strings at and past each
length, integers past 64 bits, non-ASCII text, either JSON writer's escapes.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dermawan.api.bodies import parse_json
from dermawan.api.event_bodies import (
    ID,
    INT,
    KINDS,
    LONGEST,
    MAX_EVENTS,
    TEXT,
    event_values,
    events_of,
)
from dermawan.api.problems import Problem
from dermawan.donations.events import FIELDS
from tests.donations.builders import paid, refunded


def slow_path(raw: bytes) -> list[tuple[Any, ...]] | tuple[str, str, Any]:
    """What the slow path alone makes of a body: the values, or its problem."""
    try:
        return [tuple(map(record.get, FIELDS)) for record in events_of(parse_json(raw))]
    except Problem as problem:
        return (problem.type.code, problem.detail, problem.extensions)


def either_path(raw: bytes) -> list[tuple[Any, ...]] | tuple[str, str, Any]:
    try:
        return event_values(raw)
    except Problem as problem:
        return (problem.type.code, problem.detail, problem.extensions)


integers = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, 10**30]),
    st.integers(),
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    integers,
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.just([1]),
    st.just({"id": 1}),
)


def field_values(name: str) -> st.SearchStrategy[Any]:
    """Mostly values of the field's own JSON type, at and past its limits."""
    kind, longest = KINDS[name], LONGEST[name]
    text = st.one_of(
        st.text(max_size=8),
        st.sampled_from([0, 1, longest - 1, longest, longest + 1]).map(lambda n: "x" * n),
        st.sampled_from(["a\x00b", "\\u0000", "é漢😀", "\ud7ff\ue000"]),
    )
    own = {ID: st.one_of(text, integers), TEXT: text, INT: integers}[kind]
    return st.one_of(own, own, own, anything)


@st.composite
def events(draw: st.DrawFn) -> Any:
    event = dict(
        draw(st.sampled_from([paid("p-1", "o-1"), refunded("r-1", "o-1", refund_minor=5)]))
    )
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(FIELDS))
        if draw(st.integers(0, 5)) == 0:
            event.pop(name, None)
        else:
            event[name] = draw(field_values(name))
    if draw(st.integers(0, 30)) == 0:
        event["colour"] = "red"
    return event


documents = st.one_of(
    st.fixed_dictionaries({"events": st.lists(events(), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"events": st.lists(events(), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"events": st.lists(events(), max_size=3)}),
    st.fixed_dictionaries({"events": st.lists(st.one_of(events(), anything), max_size=2)}),
    st.fixed_dictionaries({"events": st.lists(events(), max_size=1), "note": anything}),
    anything,
)


def writers(document: Any) -> list[bytes]:
    """The body as orjson writes it and as ``json`` does, with every non-ASCII
    character escaped (orjson reads integers past 64 bits as floats; json
    writes them whole: both are bodies a client can send)."""
    bodies = [json.dumps(document).encode()]
    with contextlib.suppress(TypeError):  # an integer past 64 bits
        bodies.append(orjson.dumps(document))
    return bodies


@settings(max_examples=600, deadline=None)
@given(documents)
def test_the_fast_path_accepts_what_the_slow_path_accepts(document: Any) -> None:
    for raw in writers(document):
        assert either_path(raw) == slow_path(raw), raw


@pytest.mark.parametrize(
    "raw",
    [
        b'{"events": [',
        b"\xef\xbb\xbf{}",
        b'{"events": [{"event_id": "\xed\xa0\x80"}]}',
        b'{"events": [{"event_id": "\\ud800"}]}',
        b'{"events": [{"event_id": "a", "event_id": 1}]}',
        b'{"events": [{"event_id": "a\\\\u0000"}]}',
        b'{"events": [{"type": "paid"}]} trailing',
    ],
)
def test_bodies_at_the_decoders_edges(raw: bytes) -> None:
    assert either_path(raw) == slow_path(raw)


def test_a_batch_over_the_limit_and_one_at_it() -> None:
    at = orjson.dumps({"events": [paid(f"p-{i}", f"o-{i}") for i in range(MAX_EVENTS)]})
    over = orjson.dumps({"events": [paid(f"p-{i}", f"o-{i}") for i in range(MAX_EVENTS + 1)]})
    assert len(event_values(at)) == MAX_EVENTS
    assert either_path(over) == slow_path(over)
    assert either_path(over)[0] == "batch-too-large"


def test_values_come_in_the_order_of_fields() -> None:
    event = {"livestream_id": 7, **paid("p-1", "o-1"), "buyer_id": "b-1"}
    [values] = event_values(orjson.dumps({"events": [event]}))
    assert values == tuple(event.get(name) for name in FIELDS)


@pytest.mark.parametrize("name", [name for name in FIELDS if KINDS[name] != INT])
def test_each_text_field_at_and_past_its_length(name: str) -> None:
    longest = LONGEST[name]
    for length, accepted in ((longest, True), (longest + 1, False)):
        raw = orjson.dumps({"events": [{**paid("p-1"), name: "x" * length}]})
        assert either_path(raw) == slow_path(raw)
        assert isinstance(either_path(raw), list) is accepted, (name, length)


@pytest.mark.parametrize("value", [2**63 - 1, 2**63, 2**64 - 1, -(2**63), -(2**63) - 1])
def test_integers_at_64_bits(value: int) -> None:
    raw = json.dumps({"events": [{**paid("p-1"), "buyer_id": value, "quantity": value}]}).encode()
    assert either_path(raw) == slow_path(raw)
