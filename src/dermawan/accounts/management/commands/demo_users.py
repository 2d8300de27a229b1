"""``dermawan demo-users``: a sign-in for every role, on the demo data, printed.

Picks the busiest merchant (most pledges), charity (most projects) and
buyer (most donations) of the loaded data, so each login shows full pages;
two admins, because a payout needs a second admin's approval. Running it
again resets the demo passwords and changes nothing else.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser
from django.db import transaction
from django.db.models import Count

from dermawan.accounts.models import BUYER, CHARITY, MERCHANT, Membership
from dermawan.catalog.models import Charity, Merchant
from dermawan.core.output import BadInput, DermawanCommand
from dermawan.donations.models import OrderLine

DEFAULT_PASSWORD = "dermawan-demo"
FALLBACK_BUYER = "demo-buyer"


def busiest_buyer() -> str:
    """The buyer with the most donations among the first lines (demo data is small)."""
    rows = (
        OrderLine.objects.filter(donation_minor__gt=0, buyer_id__isnull=False)
        .order_by("id")
        .values_list("buyer_id", flat=True)[:20_000]
    )
    counts: dict[str, int] = {}
    for buyer in rows:
        if buyer is not None:
            counts[buyer] = counts.get(buyer, 0) + 1
    return max(counts, key=lambda b: (counts[b], b)) if counts else FALLBACK_BUYER


class Command(DermawanCommand):
    help = "Create (or reset) a demo sign-in for every role and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)

    def run(self, **options: Any) -> dict[str, Any]:
        password = options["password"]
        if len(password) < 8:
            raise BadInput("--password must have at least 8 characters")
        merchant = Merchant.objects.annotate(n=Count("pledges")).order_by("-n", "id").first()
        charity = Charity.objects.annotate(n=Count("projects")).order_by("-n", "id").first()
        if merchant is None or charity is None:
            raise BadInput("no merchant or charity loaded: run 'dermawan load-catalog' first")
        wanted: list[tuple[str, str, dict[str, Any]]] = [
            ("admin", "admin", {}),
            ("admin2", "admin", {}),
            ("merchant", MERCHANT, {"merchant": merchant}),
            ("charity", CHARITY, {"charity": charity}),
            ("buyer", BUYER, {"buyer_id": busiest_buyer()}),
        ]
        users = get_user_model()
        made = []
        with transaction.atomic():
            for username, role, record in wanted:
                user = users.objects.filter(username=username).first() or users(username=username)
                user.is_staff = role == "admin"
                user.is_superuser = False
                user.set_password(password)
                user.save()
                Membership.objects.filter(user=user).delete()
                if role != "admin":
                    Membership.objects.create(user=user, role=role, **record)
                acts_for = {
                    MERCHANT: merchant.id,
                    CHARITY: charity.id,
                    BUYER: record.get("buyer_id"),
                }.get(role)
                made.append({"username": username, "role": role, "acts_for": acts_for})
        return {"password": password, "users": made}

    def render(self, document: Any) -> str:
        lines = ["Demo sign-ins (password: {}):".format(document["password"])]
        for user in document["users"]:
            who = f" for {user['acts_for']}" if user["acts_for"] else ""
            lines.append(f"  {user['username']:<9} {user['role']}{who}")
        return "\n".join(lines)
