"""Who applies which partition: leases in the database, checked inside every batch.

A worker claims free or expired partitions up to its fair share (partitions
over live workers), renews its leases while it lives, and gives back the ones
over its share when another worker joins. The guarantee does not rest on
clocks: every batch locks its partitions' lease rows in its own transaction
and commits only if this worker still holds them at the epoch it claimed
(``fence``). A worker that paused past its lease finds another epoch there,
rolls back, and drops the partition; its messages come back to the new owner.
"""

from __future__ import annotations

import math
import time

from django.db import transaction
from django.db.models import Q

from dermawan.streaming.models import PartitionLease, StreamWorker


class LostLease(Exception):
    """Another worker holds a partition of this batch now."""

    def __init__(self, partitions: list[int]) -> None:
        super().__init__(f"partitions {partitions} are held by another worker now")
        self.partitions = partitions

    def __reduce__(self) -> tuple[type[LostLease], tuple[list[int]]]:
        return LostLease, (self.partitions,)  # it crosses from the database process


def now_us() -> int:
    return int(time.time() * 1_000_000)


class Leases:
    def __init__(
        self,
        stream: str,
        name: str,
        partitions: int,
        ttl_seconds: float,
        static: list[int] | None = None,
    ) -> None:
        self.stream = stream
        self.name = name
        self.partitions = partitions
        self.ttl_us = int(ttl_seconds * 1_000_000)
        self.static = static
        self.owned: dict[int, int] = {}  # partition -> the epoch this worker claimed
        self.lost = 0  # leases another worker took from this one (it paused or lagged)

    def setup(self) -> None:
        PartitionLease.objects.bulk_create(
            [PartitionLease(stream=self.stream, partition=p) for p in range(self.partitions)],
            ignore_conflicts=True,
        )

    def rebalance(self) -> tuple[list[int], list[int]]:
        """Renew, give back what is over the fair share, claim up to it.

        Returns (partitions lost or given back, partitions gained).
        """
        now = now_us()
        dropped: list[int] = []
        with transaction.atomic():
            StreamWorker.objects.update_or_create(
                stream=self.stream,
                name=self.name,
                defaults={"seen_us": now, "static": self.static is not None},
            )
            # Renew: a lease another worker took (we paused too long) is gone.
            for partition, epoch in list(self.owned.items()):
                renewed = PartitionLease.objects.filter(
                    stream=self.stream, partition=partition, owner=self.name, epoch=epoch
                ).update(expires_us=now + self.ttl_us)
                if not renewed:
                    del self.owned[partition]
                    dropped.append(partition)
                    self.lost += 1
            wanted = self._wanted(now)
            for partition in sorted(self.owned):
                if partition not in wanted:
                    self._give_back(partition)
                    dropped.append(partition)
        gained = [p for p in sorted(wanted - self.owned.keys()) if self._claim(p, now)]
        return dropped, gained

    def _wanted(self, now: int) -> set[int]:
        """The partitions this worker should hold: its list, or a fair share."""
        if self.static is not None:
            return set(self.static)
        live = StreamWorker.objects.filter(
            stream=self.stream, static=False, seen_us__gt=now - self.ttl_us
        ).count()
        share = math.ceil(self.partitions / max(live, 1))
        # Keep what is held; fill up with the lowest free partitions.
        held = sorted(self.owned)[:share]
        free = PartitionLease.objects.filter(stream=self.stream).filter(
            Q(owner__isnull=True) | Q(expires_us__lt=now) | Q(owner=self.name)
        )
        candidates = sorted(
            p for p in free.values_list("partition", flat=True) if p not in self.owned
        )
        return set(held + candidates[: max(share - len(held), 0)])

    def _claim(self, partition: int, now: int) -> bool:
        row = PartitionLease.objects.get(stream=self.stream, partition=partition)
        expired = row.owner is None or row.expires_us < now or row.owner == self.name
        if not expired:
            return False
        # Compare-and-set on the epoch: of two claimers, one wins.
        claimed = PartitionLease.objects.filter(
            Q(owner__isnull=True) | Q(expires_us__lt=now) | Q(owner=self.name),
            pk=row.pk,
            epoch=row.epoch,
        ).update(owner=self.name, epoch=row.epoch + 1, expires_us=now + self.ttl_us)
        if claimed:
            self.owned[partition] = row.epoch + 1
        return bool(claimed)

    def _give_back(self, partition: int) -> None:
        epoch = self.owned.pop(partition)
        PartitionLease.objects.filter(
            stream=self.stream, partition=partition, owner=self.name, epoch=epoch
        ).update(owner=None, expires_us=0)

    def fence(self, partitions: list[int]) -> None:
        """In the batch's transaction: lock the leases, check them, extend them."""
        rows = dict(
            (partition, (owner, epoch))
            for partition, owner, epoch in PartitionLease.objects.select_for_update()
            .filter(stream=self.stream, partition__in=partitions)
            .order_by("partition")
            .values_list("partition", "owner", "epoch")
        )
        lost = [p for p in partitions if rows.get(p) != (self.name, self.owned.get(p))]
        if lost:
            for partition in lost:
                self.owned.pop(partition, None)
            self.lost += len(lost)
            raise LostLease(lost)
        PartitionLease.objects.filter(stream=self.stream, partition__in=partitions).update(
            expires_us=now_us() + self.ttl_us
        )

    def release_all(self) -> None:
        with transaction.atomic():
            for partition in list(self.owned):
                self._give_back(partition)
            StreamWorker.objects.filter(stream=self.stream, name=self.name).delete()
