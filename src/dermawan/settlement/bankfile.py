"""Writing an exported run's bank file with dermawan.banking's writers.

The file is derived from the run alone (its references, amounts, export
time), so writing it again after a crash gives the same bytes: a bank that
has the first copy sees the same message id and end-to-end ids again.
"""

from __future__ import annotations

import os
from pathlib import Path

from dermawan.core.instants import to_datetime
from dermawan.settlement.models import Run
from dermawan.settlement.payouts import payouts_to_export

FORMATS = ("pain001", "csv")


def message_id(run: Run) -> str:
    return f"DRM{run.period.replace('-', '')}R{run.pk:06d}"


def bank_file(run_id: int, file_format: str) -> bytes:
    """The bank file of exported run ``run_id`` (banking.BankFileRefused on a bad account)."""
    from dermawan.banking.instructions import DebtorAccount
    from dermawan.banking.pain001 import credit_transfer
    from dermawan.banking.transfers_csv import transfers_csv

    instructions = payouts_to_export(run_id)
    if file_format == "csv":
        return transfers_csv(instructions).encode()
    run = Run.objects.get(pk=run_id)
    assert run.exported_at_us is not None
    return credit_transfer(
        DebtorAccount.from_environment(),
        instructions,
        message_id=message_id(run),
        created_at=to_datetime(run.exported_at_us),
    )


def write_atomically(path: Path, data: bytes) -> None:
    """All of the file or none of it: a crash never leaves half a bank file."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
