"""What the stream workers keep in the database beside the engine's tables.

Rejected messages (the stream's rejects file), and who owns which partition:
ownership lives in the database because that is where it must be enforced;
every batch checks its lease in its own transaction (see leases.py).
"""

from __future__ import annotations

from django.db import models


class StreamReject(models.Model):
    """A message the spec's rules refused; ``sequence`` is its stream sequence.

    A redelivered message is judged again and refused again: the unique key
    keeps one row for it.
    """

    stream = models.CharField(max_length=100)
    sequence = models.BigIntegerField()
    event_id = models.CharField(max_length=200, default="")  # "" when unreadable
    subject = models.CharField(max_length=255, default="")
    reason = models.CharField(max_length=30)
    message = models.TextField()
    payload = models.BinaryField(default=b"")
    run_id = models.BigIntegerField()
    rejected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "sequence", "event_id"], name="one_reject_per_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stream}#{self.sequence}: {self.reason}"


class PartitionLease(models.Model):
    """Which worker applies one partition of a stream, until ``expires_us``.

    ``epoch`` grows at every change of owner, so a worker that lost its lease
    (paused past its expiry) can never commit a batch of that partition again.
    """

    stream = models.CharField(max_length=100)
    partition = models.IntegerField()
    owner = models.CharField(max_length=200, null=True)
    epoch = models.BigIntegerField(default=0)
    expires_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "partition"], name="one_lease_per_partition")
        ]

    def __str__(self) -> str:
        return f"{self.stream}/{self.partition}: {self.owner or 'free'}"


class StreamWorker(models.Model):
    """A live worker of a stream; the fair share of partitions counts these."""

    stream = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    seen_us = models.BigIntegerField()
    static = models.BooleanField(default=False)  # started with --partitions

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "name"], name="one_worker_name")]

    def __str__(self) -> str:
        return f"{self.stream}: {self.name}"
