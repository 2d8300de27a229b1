"""``dermawan log-key``: make the log's signing key if there is none, print its public key."""

from __future__ import annotations

from typing import Any

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.transparency import signing


class Command(DermawanCommand):
    help = (
        "Make the transparency log's Ed25519 key in the data directory (0600) if there is "
        "none yet, and print the public key to publish."
    )
    needs_schema = False  # the key lives outside the database

    def run(self, **options: Any) -> dict[str, Any]:
        path = signing.key_path()
        existed = path.exists()
        try:
            key = signing.ensure_key(path).public_key()
        except signing.KeyFileError as error:
            raise BadInput(str(error)) from None
        return {
            "path": str(path),
            "created": not existed,
            "algorithm": "Ed25519",
            "key_id": signing.key_id(key),
            "public_key": signing.public_base64(key),
            "public_key_pem": signing.public_pem(key),
        }

    def render(self, d: dict[str, Any]) -> str:
        made = "made" if d["created"] else "kept"
        return (
            f"Log signing key {made} at {d['path']} (owner-only).\n"
            f"Key id: {d['key_id']}\n"
            f"Public key (base64): {d['public_key']}\n"
            f"{d['public_key_pem']}"
        ).rstrip()
