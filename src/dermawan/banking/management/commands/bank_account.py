"""``dermawan bank-account add|list|end``: where each charity's payouts go."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandParser

from dermawan.auditlog.entries import cli_actor
from dermawan.banking.account_rules import InvalidAccount
from dermawan.banking.bank_accounts import (
    BankAccountRefused,
    add_bank_account,
    end_bank_account,
)
from dermawan.banking.models import BankAccount
from dermawan.core.output import BadInput, DermawanCommand


class Command(DermawanCommand):
    help = "Add, list or end charities' bank accounts (an IBAN, or a bank code and account number)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="add a charity's active account for a currency")
        add.add_argument("--charity", required=True, help="the charity id")
        add.add_argument("--holder", required=True, help="the account holder's name")
        add.add_argument("--currency", required=True, help="ISO 4217 code, e.g. IDR")
        add.add_argument("--iban")
        add.add_argument("--bic", help="with --iban only")
        add.add_argument("--bank-code", help="Indonesian 3-digit bank code, e.g. 014")
        add.add_argument("--account-number", help="with --bank-code: 6 to 20 digits")
        add.add_argument("--actor", default="", help="who (default: the OS user)")
        listing = actions.add_parser("list", help="list accounts")
        listing.add_argument("--charity", help="only this charity's")
        listing.add_argument("--all", action="store_true", help="ended accounts too")
        end = actions.add_parser("end", help="end an account (payouts stop going there)")
        end.add_argument("id", type=int, help="the account id")
        end.add_argument("--reason", default="")
        end.add_argument("--actor", default="", help="who (default: the OS user)")
        # --json after the action too; SUPPRESS keeps a --json given before it.
        for sub in (add, listing, end):
            sub.add_argument(
                "--json",
                action="store_true",
                default=argparse.SUPPRESS,
                help="print one JSON object",
            )

    def run(self, **options: Any) -> dict[str, Any]:
        action = options["action"]
        if action == "list":
            found = BankAccount.objects.order_by("charity_id", "currency", "id")
            if options["charity"]:
                found = found.filter(charity_id=options["charity"])
            if not options["all"]:
                found = found.filter(ended_at__isnull=True)
            return {"action": "list", "accounts": [as_dict(a) for a in found]}
        try:
            if action == "add":
                account = add_bank_account(
                    actor=cli_actor(options["actor"]),
                    charity_id=options["charity"],
                    holder_name=options["holder"],
                    currency=options["currency"],
                    iban=options["iban"],
                    bic=options["bic"],
                    bank_code=options["bank_code"],
                    account_number=options["account_number"],
                )
            else:
                account = end_bank_account(
                    options["id"], actor=cli_actor(options["actor"]), reason=options["reason"]
                )
        except InvalidAccount as error:
            raise BadInput(
                f"bank account for charity {options.get('charity')!r}: {error}"
            ) from error
        except BankAccountRefused as error:
            raise BadInput(str(error)) from error
        return {"action": action, "account": as_dict(account)}

    def render(self, d: dict[str, Any]) -> str:
        if d["action"] == "list":
            if not d["accounts"]:
                return "No bank accounts."
            return "\n".join(_line(a) for a in d["accounts"])
        verb = "Added" if d["action"] == "add" else "Ended"
        return f"{verb} {_line(d['account'])}"


def as_dict(account: BankAccount) -> dict[str, Any]:
    return {
        "id": account.pk,
        "charity_id": account.charity_id,
        "holder_name": account.holder_name,
        "currency": account.currency,
        "country": account.country,
        "iban": account.iban,
        "bic": account.bic,
        "bank_code": account.bank_code,
        "account_number": account.account_number,
        "created_at": account.created_at.isoformat(),
        "ended_at": account.ended_at.isoformat() if account.ended_at else None,
    }


def _line(a: dict[str, Any]) -> str:
    where = (
        f"IBAN {a['iban']}" + (f" BIC {a['bic']}" if a["bic"] else "")
        if a["iban"]
        else f"bank {a['bank_code']} account {a['account_number']}"
    )
    state = f"ended {a['ended_at']}" if a["ended_at"] else "active"
    return f"#{a['id']} {a['charity_id']} {a['currency']} {where} ({a['holder_name']}), {state}"
