"""``dermawan audit``: recompute the transparency log from the stored donations.

Rebuilds every leaf from its rows and compares (rows.py), recomputes the
tree and checks every signed tree head against it (audit.py). Exit 1 when
anything differs; each finding names the row, leaf, node or head. Leaves of
committed batches still waiting for the appender (decision 0041) are
counted, not reported missing.
"""

from __future__ import annotations

from typing import Any

from dermawan.core import snapshots
from dermawan.core.output import EXIT_CHECK_FAILED, EXIT_OK, BadInput, DermawanCommand
from dermawan.transparency import signing
from dermawan.transparency.audit import audit
from dermawan.transparency.rows import check_rows


class Command(DermawanCommand):
    help = (
        "Recompute the transparency log from the stored donations and ledger: name every "
        "row that no longer matches its leaf, and every signed tree head the log does not fit."
    )

    def run(self, **options: Any) -> dict[str, Any]:
        path = signing.key_path()
        try:
            key = signing.load_key(path).public_key() if path.exists() else None
        except signing.KeyFileError as error:
            raise BadInput(str(error)) from None
        # One snapshot for the whole audit, so a batch committing meanwhile
        # cannot look like a difference (and ingest goes on meanwhile).
        with snapshots.snapshot() as cursor:
            report = audit(cursor, key)
            compared, waiting = check_rows(report)
        return {
            "ok": report.ok,
            "tree_size": report.tree_size,
            "leaves_compared_with_rows": compared,
            # Committed effects whose leaves the appender has yet to add (decision 0041).
            "leaves_waiting": waiting,
            "heads_checked": report.heads_checked,
            "signatures_checked": key is not None,
            "key_id": None if key is None else signing.key_id(key),
            "problems": report.problems,
            "problems_left_out": report.problems_left_out,
        }

    def exit_code(self, document: dict[str, Any]) -> int:
        return EXIT_OK if document["ok"] else EXIT_CHECK_FAILED

    def render(self, d: dict[str, Any]) -> str:
        verdict = "Log OK" if d["ok"] else "Log AUDIT FAILED"
        signatures = "signatures checked" if d["signatures_checked"] else "no key: roots only"
        out = [
            f"{verdict}: {d['tree_size']:,} leaves recomputed, "
            f"{d['leaves_compared_with_rows']:,} compared with their rows, "
            f"{d['heads_checked']:,} tree heads checked ({signatures})"
        ]
        if d["leaves_waiting"]:
            out.append(f"  {d['leaves_waiting']:,} leaves of committed batches wait to be appended")
        out += [f"  {problem}" for problem in d["problems"]]
        if d["problems_left_out"]:
            out.append(f"  ... and {d['problems_left_out']:,} more")
        return "\n".join(out)
