"""Connecting to NATS, and the stream and per-partition consumers dermawan uses.

The partition count is part of the stream: whoever creates the stream writes
it into the stream's description, and every publisher and worker reads it
from there, so the two sides can never hash merchants differently.
"""

from __future__ import annotations

import re
import sys

from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from dermawan.streaming.messages import Returning
from dermawan.streaming.partitioning import partition_filter

DEFAULT_URL = "nats://127.0.0.1:4222"
DEFAULT_STREAM = "ORDERS"
DEFAULT_SUBJECTS = "orders.>"
DEFAULT_DURABLE = "dermawan"
_PARTITIONS = re.compile(r"partitions=(\d+)")


class StreamMismatch(Exception):
    """The stream exists with other settings than the command asked for."""


async def connect(urls: list[str], name: str) -> Client:
    """A connection that reconnects for ever: a restarted server is a pause, not an end."""
    nc = Client()

    async def on_error(error: Exception) -> None:
        if not nc.is_closed:
            print(f"nats: {type(error).__name__}: {error}", file=sys.stderr, flush=True)

    async def on_disconnect() -> None:
        if not (nc.is_closed or nc.is_draining):
            print("nats: disconnected; reconnecting", file=sys.stderr, flush=True)

    await nc.connect(
        servers=urls,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        allow_reconnect=True,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        # Messages of a fetch in flight wait here; a batch is at most a few MiB.
        pending_size=64 * 1024 * 1024,
    )
    return nc


async def ensure_stream(
    js: JetStreamContext,
    stream: str,
    subjects: str,
    partitions: int | None,
    replicas: int = 1,
) -> int:
    """Create the stream if it is missing; return its partition count.

    ``partitions`` None means "whatever the stream has" (the default when the
    stream is created by this call).
    """
    from dermawan.streaming.partitioning import DEFAULT_PARTITIONS, MAX_PARTITIONS

    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        count = partitions or DEFAULT_PARTITIONS
        if not 1 <= count <= MAX_PARTITIONS:
            raise StreamMismatch(f"partitions must be 1..{MAX_PARTITIONS}, not {count}") from None
        await js.add_stream(
            StreamConfig(
                name=stream,
                subjects=[subjects],
                storage=StorageType.FILE,
                num_replicas=replicas,
                description=f"dermawan order events; partitions={count}",
                # Publish-side deduplication by Nats-Msg-Id (see publisher.py).
                duplicate_window=120.0,
            )
        )
        return count
    config = info.config
    if config.subjects != [subjects]:
        raise StreamMismatch(
            f"stream {stream} carries {config.subjects}, not [{subjects!r}]; "
            "pass the same --subjects as when it was created"
        )
    found = _PARTITIONS.search(config.description or "")
    if found is None:
        raise StreamMismatch(
            f"stream {stream} was not created by dermawan (no partitions= in its description)"
        )
    count = int(found.group(1))
    if partitions is not None and partitions != count:
        raise StreamMismatch(
            f"stream {stream} has {count} partitions, not {partitions}; "
            "the count is fixed when the stream is created"
        )
    return count


def consumer_name(durable: str, partition: int) -> str:
    return f"{durable}-p{partition}"


async def ensure_consumers(
    js: JetStreamContext,
    stream: str,
    prefix: str,
    durable: str,
    partitions: int,
    ack_wait: float,
    max_ack_pending: int,
) -> None:
    """One durable pull consumer per partition, each filtered on its subjects."""
    for partition in range(partitions):
        name = consumer_name(durable, partition)
        try:
            await js.consumer_info(stream, name)
            continue
        except NotFoundError:
            pass
        await js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=name,
                filter_subject=partition_filter(prefix, partition),
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=ack_wait,
                # Redelivered until applied: a message is never dropped.
                max_deliver=-1,
                max_ack_pending=max_ack_pending,
            ),
        )


async def consumer_backlog(
    js: JetStreamContext, stream: str, durable: str, partition: int
) -> tuple[int, int]:
    """(not yet delivered, delivered and not yet acknowledged) of one partition."""
    info = await js.consumer_info(stream, consumer_name(durable, partition))
    return (info.num_pending or 0, info.num_ack_pending or 0)


async def unacknowledged(
    js: JetStreamContext, stream: str, durable: str, partition: int
) -> tuple[Returning, float]:
    """What a partition's earlier holders still have out, and the consumer's ack wait (s)."""
    info = await js.consumer_info(stream, consumer_name(durable, partition))
    last = info.delivered.stream_seq if info.delivered is not None else 0
    return Returning(info.num_ack_pending or 0, last), float(info.config.ack_wait or 30.0)
