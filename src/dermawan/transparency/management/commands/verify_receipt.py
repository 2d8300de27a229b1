"""``dermawan verify-receipt FILE --public-key KEY``: check a receipt offline.

Exit 0 when every line's log entries verify, 1 when any does not, 2 when the
file or the key cannot be read as one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import CommandParser

from dermawan.core.output import EXIT_CHECK_FAILED, EXIT_OK, BadInput, DermawanCommand
from dermawan.transparency import signing
from dermawan.transparency.verification import ReceiptFormatError, check_receipt


def read_public_key(given: str) -> Any:
    """A key file (PEM or base64), or the base64 key itself."""
    path = Path(given)
    try:
        text = path.read_text(encoding="ascii") if path.is_file() else given
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot read the public key file {given}: {error}") from None
    try:
        return signing.load_public_key(text)
    except ValueError as error:
        raise BadInput(f"the public key {given} is not an Ed25519 public key: {error}") from None


class Command(DermawanCommand):
    help = "Check a receipt's log entries offline: signature, inclusion proofs, amounts, buyer."
    needs_schema = False  # offline: no database at all

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="the receipt JSON, as the API gave it")
        parser.add_argument(
            "--public-key",
            required=True,
            help="the log's public key: a file (PEM or base64) or the base64 itself "
            "(dermawan log-key, or GET /api/v1/log/key)",
        )

    def run(self, **options: Any) -> dict[str, Any]:
        key = read_public_key(options["public_key"])
        try:
            document = orjson.loads(Path(options["file"]).read_bytes())
        except OSError as error:
            raise BadInput(f"cannot read {options['file']}: {error.strerror}") from None
        except orjson.JSONDecodeError as error:
            raise BadInput(f"{options['file']} is not JSON: {error}") from None
        try:
            result = check_receipt(document, key)
        except ReceiptFormatError as error:
            raise BadInput(f"{options['file']}: {error}") from None
        return {"file": options["file"], **result.document()}

    def exit_code(self, document: dict[str, Any]) -> int:
        return EXIT_OK if document["ok"] else EXIT_CHECK_FAILED

    def render(self, d: dict[str, Any]) -> str:
        verdict = "RECEIPT VERIFIED" if d["ok"] else "RECEIPT NOT VERIFIED"
        out = [f"{verdict}: {d['file']}, against log key {d['key_id']}"]
        for line in d["lines"]:
            out.append(f"\n{line['line']}: {'verified' if line['ok'] else 'NOT verified'}")
            out += [f"  proven: {text}" for text in line["proven"]]
            out += [f"  PROBLEM: {text}" for text in line["problems"]]
        out.append("\nNot proven by any receipt:")
        out += [f"  - {text}" for text in d["not_proven"]]
        return "\n".join(out)
