"""``dermawan publish FILE``: a file of order events onto the stream.

JSON Lines go byte for byte (a line that is not JSON too: the worker rejects
and records it, as it would from a marketplace); CSV and Parquet records go
as JSON objects, and a CSV record that cannot be read at all is refused here
(there is no event to send). Publishing is pipelined: up to ``window``
messages wait for their JetStream acknowledgement at once; one not
acknowledged in time is sent again, which the server's deduplication by
Nats-Msg-Id makes safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg

from dermawan.core.values import Invalid
from dermawan.donations.sources import Source
from dermawan.streaming.partitioning import subject_prefix
from dermawan.streaming.routing import Outgoing, Router
from dermawan.streaming.streams import connect, ensure_stream

DEFAULT_WINDOW = 5_000
RESEND_AFTER = 5.0  # seconds without an acknowledgement before a message is sent again
GIVE_UP_AFTER = 120.0  # seconds without any acknowledgement: the stream is not there


class PublishFailed(Exception):
    """The stream refused a message, or stopped acknowledging."""


@dataclass
class PublishReport:
    counts: dict[str, Any]
    refused: list[dict[str, Any]] = field(default_factory=list)


def raw_records(path: Path, file_format: str) -> Iterator[tuple[int, bytes, Any]]:
    """(number, payload, parsed record or None), for the non-blank records."""
    if file_format == "jsonl":
        with path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                line = raw.rstrip(b"\r\n")
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    record = None
                yield number, line, record
        return
    for number, record in Source(path, file_format).records():
        if isinstance(record, Invalid):
            yield number, b"", record
        else:
            yield number, orjson.dumps(record), record


class WindowedPublisher:
    """Core-NATS publishes with a reply inbox; JetStream's acks come back there."""

    def __init__(self, nc: Client, window: int) -> None:
        self.nc = nc
        self.window = window
        self.outstanding: dict[int, tuple[Outgoing, float]] = {}
        self.next_token = 0
        self.stored = 0
        self.duplicates = 0
        self.progress = asyncio.Event()
        self.last_progress = time.monotonic()
        self.error: str | None = None
        self.inbox = ""

    async def start(self) -> None:
        self.inbox = self.nc.new_inbox()
        await self.nc.subscribe(f"{self.inbox}.*", cb=self._on_ack, pending_msgs_limit=-1)

    async def _on_ack(self, msg: Msg) -> None:
        token = int(msg.subject.rsplit(".", 1)[1])
        if not msg.data:
            return  # a status (no responders while a leader is elected): resent later
        reply = orjson.loads(msg.data)
        if "error" in reply:
            code = reply["error"].get("code")
            if code in (503, 504):  # the stream is moving between servers: try again
                return
            self.error = f"the stream refused a message: {reply['error']}"
        elif self.outstanding.pop(token, None) is not None:
            if reply.get("duplicate"):
                self.duplicates += 1
            else:
                self.stored += 1
        self.last_progress = time.monotonic()
        self.progress.set()

    async def send(self, message: Outgoing) -> None:
        while len(self.outstanding) >= self.window:
            await self._wait()
        token = self.next_token
        self.next_token += 1
        self.outstanding[token] = (message, time.monotonic())
        await self._publish(token, message)

    async def _publish(self, token: int, message: Outgoing) -> None:
        headers = {"Nats-Msg-Id": message.msg_id} if message.msg_id else None
        await self.nc.publish(
            message.subject, message.payload, reply=f"{self.inbox}.{token}", headers=headers
        )

    async def _wait(self) -> None:
        if self.error:
            raise PublishFailed(self.error)
        self.progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.progress.wait(), RESEND_AFTER)
        if self.error:
            raise PublishFailed(self.error)
        now = time.monotonic()
        if now - self.last_progress > GIVE_UP_AFTER:
            raise PublishFailed(f"no acknowledgement from the stream for {GIVE_UP_AFTER:.0f} s")
        for token, (message, sent) in list(self.outstanding.items()):
            if now - sent > RESEND_AFTER:
                self.outstanding[token] = (message, now)
                await self._publish(token, message)

    async def finish(self) -> None:
        while self.outstanding:
            await self._wait()


async def publish_file(
    path: Path,
    file_format: str,
    *,
    urls: list[str],
    stream: str,
    subjects: str,
    partitions: int | None,
    replicas: int = 1,
    window: int = DEFAULT_WINDOW,
) -> PublishReport:
    prefix = subject_prefix(subjects)
    started = time.perf_counter()
    nc = await connect(urls, "dermawan-publish")
    try:
        js = nc.jetstream()
        count = await ensure_stream(js, stream, subjects, partitions, replicas)
        router = Router(prefix, count)
        publisher = WindowedPublisher(nc, window)
        await publisher.start()
        read = 0
        refused: list[dict[str, Any]] = []
        for number, payload, record in raw_records(path, file_format):
            read += 1
            if isinstance(record, Invalid):
                refused.append(
                    {"line": number, "event_id": None, "reason": record.reason,
                     "message": record.message}
                )  # fmt: skip
                continue
            for message in router.route(number, payload, record):
                await publisher.send(message)
        for message in router.leftovers():
            await publisher.send(message)
        await publisher.finish()
        await nc.flush()
    finally:
        await nc.close()
    seconds = time.perf_counter() - started
    return PublishReport(
        {
            "stream": stream,
            "partitions": count,
            "read": read,
            "published": publisher.stored,
            "duplicates": publisher.duplicates,
            "refused": len(refused),
            "unresolved": router.unresolved,
            "seconds": round(seconds, 3),
            "events_per_second": round(read / seconds) if seconds > 0 else 0,
        },
        refused,
    )
