"""What every export format is told before the first transaction, and its local dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dermawan.banking.amounts import decimal_text
from dermawan.core.instants import to_datetime, to_rfc3339
from dermawan.ledger.exports.source import AccountRow

MICROS_PER_MINUTE = 60_000_000


@dataclass(frozen=True)
class ExportContext:
    period: str  # YYYY-MM
    start_us: int
    end_us: int
    zone: ZoneInfo
    accounts: dict[int, AccountRow]
    names: dict[int, str]  # account id -> journal account name
    opening: dict[int, int]  # account id -> balance before the period
    closing: dict[int, int]  # account id -> balance at the period's end
    generated_at: datetime
    _dates: dict[int, date] = field(default_factory=dict, compare=False, repr=False)

    def title(self) -> str:
        exported = self.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"dermawan ledger, period {self.period} ({self.zone.key}), exported {exported}"

    def local_date(self, instant_us: int) -> date:
        # Zone offsets change on whole minutes: one conversion per minute, not per row.
        minute = instant_us // MICROS_PER_MINUTE
        found = self._dates.get(minute)
        if found is None:
            if len(self._dates) > 200_000:
                self._dates.clear()
            found = self._dates[minute] = to_datetime(instant_us).astimezone(self.zone).date()
        return found

    @property
    def first_day(self) -> date:
        return self.local_date(self.start_us)

    @property
    def day_after(self) -> date:
        """The first day of the next period: Beancount checks balances at its start."""
        return self.local_date(self.end_us)

    def amount(self, amount_minor: int, account_id: int) -> str:
        return decimal_text(amount_minor, self.accounts[account_id].currency)

    def instant(self, instant_us: int) -> str:
        return to_rfc3339(instant_us)

    def used_accounts(self) -> list[int]:
        """Accounts with a balance at either end or any posting in between, by name."""
        return sorted(self.names, key=lambda a: (self.names[a], self.accounts[a].currency))
