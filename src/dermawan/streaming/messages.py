"""Stream messages to order events: the same reader as a file ingest.

A message has no physical line, so its stream sequence stands for the line
in rejects (``OrderEvent.source_line``, ``Rejection.line``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import orjson

from dermawan.core.values import Invalid
from dermawan.donations.engine import Rejection
from dermawan.donations.events import OrderEvent, read_event


class Delivery(NamedTuple):
    partition: int
    sequence: int  # the stream sequence
    delivered: int  # 1 the first time, more when redelivered
    subject: str
    data: bytes
    reply: str  # where the acknowledgement goes


class Returning(NamedTuple):
    """Messages of a partition delivered to an earlier holder and not acknowledged."""

    messages: int
    upto: int  # the last stream sequence delivered; anything after it is new


class Parcel(NamedTuple):
    """A batch as it crosses to the database process: columns of plain values.

    Lists of ints, strings and bytes pickle in C; a list of Delivery tuples
    costs a Python call per message on the worker's busy event loop. The ack
    subjects stay behind: acknowledging is the worker's.
    """

    partitions: list[int]
    sequences: list[int]
    delivered: list[int]
    subjects: list[str]
    data: list[bytes]

    def __len__(self) -> int:  # messages, not columns
        return len(self.data)


def pack(deliveries: list[Delivery]) -> Parcel:
    return Parcel(
        [d.partition for d in deliveries],
        [d.sequence for d in deliveries],
        [d.delivered for d in deliveries],
        [d.subject for d in deliveries],
        [d.data for d in deliveries],
    )


def parse_reply(reply: str) -> tuple[int, int]:
    """(stream sequence, delivery count) from a JetStream ack subject.

    ``$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>``, or
    the newer form with a domain and account hash after ``$JS.ACK``.
    """
    tokens = reply.split(".")
    if len(tokens) == 9:
        return int(tokens[5]), int(tokens[4])
    return int(tokens[7]), int(tokens[6])


@dataclass
class DecodedBatch:
    messages: Parcel
    events: list[OrderEvent] = field(default_factory=list)
    # For each event, its message (index into the parcel's columns).
    origin: list[int] = field(default_factory=list)
    # Messages the reader refused, with their index.
    refused: list[tuple[Rejection, int]] = field(default_factory=list)

    @property
    def partitions(self) -> list[int]:
        return sorted(set(self.messages.partitions))


def decode(messages: Parcel) -> DecodedBatch:
    batch = DecodedBatch(messages)
    for index, (sequence, data) in enumerate(zip(messages.sequences, messages.data, strict=True)):
        try:
            record = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            batch.refused.append(
                (Rejection(sequence, None, "malformed", f"not valid JSON: {error}"), index)
            )
            continue
        if not isinstance(record, dict):
            batch.refused.append(
                (Rejection(sequence, None, "malformed", "a message must be one object"), index)
            )
            continue
        try:
            batch.events.append(read_event(record, sequence))
            batch.origin.append(index)
        except Invalid as invalid:
            event_id = record.get("event_id")
            batch.refused.append(
                (
                    Rejection(
                        sequence,
                        str(event_id) if isinstance(event_id, str | int) else None,
                        invalid.reason,
                        invalid.message,
                    ),
                    index,
                )
            )
    return batch
