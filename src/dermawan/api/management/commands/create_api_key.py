"""``dermawan create-api-key``: a key for the marketplace, a merchant, a charity or admin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from dermawan.api.keys import KINDS, create_key
from dermawan.auditlog.entries import cli_actor, record
from dermawan.catalog.models import Charity, Merchant
from dermawan.core.output import BadInput, DermawanCommand


class Command(DermawanCommand):
    help = "Make an API key; it is printed once and stored only as a hash."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--kind", choices=KINDS, required=True)
        parser.add_argument("--owner", default="", help="the merchant or charity id it acts for")
        parser.add_argument("--name", default="", help="a note for people: who uses it")
        parser.add_argument(
            "--signing", action="store_true", help="also make an HMAC request-signing secret"
        )
        parser.add_argument(
            "--require-signature", action="store_true", help="refuse its unsigned requests"
        )
        parser.add_argument("--rate", type=float, help="requests per second (default by kind)")
        parser.add_argument("--burst", type=int, help="requests in a burst (default by kind)")

    def run(self, **options: Any) -> dict[str, Any]:
        kind, owner = options["kind"], options["owner"]
        owners: dict[str, type[Merchant] | type[Charity]] = {
            "merchant": Merchant,
            "charity": Charity,
        }
        if kind in owners and not owners[kind].objects.filter(id=owner).exists():
            raise BadInput(f"no {kind} {owner!r} in the catalog (--owner)")
        if options["rate"] is not None and options["rate"] <= 0:
            raise BadInput("--rate must be positive")
        if options["burst"] is not None and options["burst"] < 1:
            raise BadInput("--burst must be at least 1")
        try:
            with transaction.atomic():
                made = create_key(
                    kind,
                    owner,
                    name=options["name"],
                    signing=options["signing"],
                    require_signature=options["require_signature"],
                    rate_per_second=options["rate"],
                    burst=options["burst"],
                )
                record(
                    cli_actor(),
                    "api-key.create",
                    f"api-key:{made.key.id}",
                    kind=kind,
                    owner_id=owner,
                    prefix=made.key.prefix,
                )
        except ValueError as error:
            raise BadInput(str(error)) from error
        return {
            "prefix": made.key.prefix,
            "kind": kind,
            "owner_id": owner or None,
            "key": made.secret,
            "signing_secret": made.signing_secret,
            "require_signature": made.key.require_signature,
        }

    def render(self, document: dict[str, Any]) -> str:
        lines = [
            f"API key {document['prefix']} ({document['kind']}"
            + (f" {document['owner_id']}" if document["owner_id"] else "")
            + "). Shown once, store it now:",
            f"  {document['key']}",
        ]
        if document["signing_secret"]:
            lines += ["Request-signing secret (shown once):", f"  {document['signing_secret']}"]
        return "\n".join(lines)
