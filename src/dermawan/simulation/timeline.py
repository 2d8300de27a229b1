"""Simulated time: when the k-th generated event happens, and how it is written.

Traffic is not flat: shoppers buy in the evening, little at night, and 11.11
(Harbolnas) has a midnight rush and several times a normal day's volume. The
window is cut into hours; each hour gets a share of the events proportional
to its weight, and events inside an hour are evenly spaced. That makes the
event-number -> time mapping monotone and O(1), in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

HOUR = 3600
DAY = 86400
WIB = 7 * HOUR  # Western Indonesia Time, where most buyers live

# Relative order volume by local hour of day.
DIURNAL: tuple[int, ...] = (
    4, 2, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 8, 7, 6, 6, 6, 6, 7, 9, 10, 10, 8, 6,
)  # fmt: skip


def _day_factor(month: int, day: int, hour: int) -> float:
    """How much busier than usual a local hour is, for the shopping-festival days."""
    if (month, day) == (11, 11):
        return 12.0 if hour < 2 else 4.0
    if (month, day) == (12, 12):
        return 3.0
    if (month, day) == (11, 10) and hour >= 20:
        return 1.5
    if (month, day) == (11, 12) or day == 25:  # the day after, and payday
        return 1.3
    return 1.0


@dataclass
class Timeline:
    """Maps event numbers 0..total-1 onto ``seconds`` of time from ``start`` (epoch s)."""

    start: int
    seconds: int
    total: int
    bin_first: list[int] = field(default_factory=list)  # first event number of each hour
    bin_start: list[int] = field(default_factory=list)  # epoch second each hour starts

    def __post_init__(self) -> None:
        weights: list[float] = []
        at = self.start
        while at < self.start + self.seconds:
            width = min(HOUR, self.start + self.seconds - at)
            local = datetime.fromtimestamp(at + WIB, UTC)
            weights.append(
                width * DIURNAL[local.hour] * _day_factor(local.month, local.day, local.hour)
            )
            self.bin_start.append(at)
            at += width
        self.bin_start.append(self.start + self.seconds)
        whole = sum(weights)
        running = 0.0
        for weight in weights:
            self.bin_first.append(round(running / whole * self.total))
            running += weight
        self.bin_first.append(self.total)

    @property
    def end(self) -> int:
        return self.start + self.seconds

    def time_of(self, number: int) -> int:
        """Epoch second of event ``number`` (for tests; the generator inlines this)."""
        hour = self.hour_of_number(number)
        return self.time_in_hour(hour, number)

    def hour_of_number(self, number: int, hint: int = 0) -> int:
        hour = hint
        last = len(self.bin_first) - 2
        while hour < last and number >= self.bin_first[hour + 1]:
            hour += 1
        return hour

    def time_in_hour(self, hour: int, number: int) -> int:
        first, start = self.bin_first[hour], self.bin_start[hour]
        count = self.bin_first[hour + 1] - first
        width = self.bin_start[hour + 1] - start
        if count <= 0:
            return start
        return start + (number - first) * width // count

    def bins(self) -> list[tuple[int, int, int, int]]:
        """(first event number, start second, events, seconds) of each hour."""
        return [
            (
                self.bin_first[h],
                self.bin_start[h],
                self.bin_first[h + 1] - self.bin_first[h],
                self.bin_start[h + 1] - self.bin_start[h],
            )
            for h in range(len(self.bin_first) - 1)
        ]

    def number_at(self, moment: int) -> int | None:
        """The first event number happening at or after ``moment``; None past the end."""
        if moment >= self.end:
            return None
        if moment <= self.start:
            return 0
        hour = (moment - self.start) // HOUR
        first, start = self.bin_first[hour], self.bin_start[hour]
        count = self.bin_first[hour + 1] - first
        width = self.bin_start[hour + 1] - start
        # smallest n with start + n * width // count >= moment
        return first + -(-(moment - start) * count // width)


UTC_SECONDS: tuple[str, ...] = tuple(f"{second:02d}Z" for second in range(60))
WIB_SECONDS: tuple[str, ...] = tuple(f"{second:02d}+07:00" for second in range(60))


class Stamps:
    """RFC 3339 text of epoch seconds, in UTC (``Z``) or in WIB (``+07:00``).

    Built from cached pieces because datetime formatting would cost more than
    generating the rest of an event: the generator keeps the current minute's
    prefix and adds ``UTC_SECONDS[s]`` or ``WIB_SECONDS[s]``.
    """

    def __init__(self) -> None:
        self._days: dict[int, str] = {}
        self._minutes = [f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440)]

    def _day(self, day: int) -> str:
        text = self._days.get(day)
        if text is None:
            text = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%dT")
            self._days[day] = text
        return text

    def utc_prefix(self, minute: int) -> str:
        """``YYYY-MM-DDTHH:MM:`` in UTC of the minute ``minute`` (epoch minutes)."""
        day, minute = divmod(minute, 1440)
        return self._day(day) + self._minutes[minute]

    def wib_prefix(self, minute: int) -> str:
        day, minute = divmod(minute + WIB // 60, 1440)
        return self._day(day) + self._minutes[minute]

    def utc(self, moment: int) -> str:
        return self.utc_prefix(moment // 60) + UTC_SECONDS[moment % 60]

    def wib(self, moment: int) -> str:
        return self.wib_prefix(moment // 60) + WIB_SECONDS[moment % 60]

    def local_date(self, moment: int) -> str:
        """The WIB calendar date as YYYYMMDD (campaign and livestream ids use it)."""
        return self._day((moment + WIB) // DAY)[:10].replace("-", "")
