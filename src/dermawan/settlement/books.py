"""Settlement's accounts and transaction kinds in the ledger (decision 0014).

The engine leaves confirmed money on ``charity_payable`` (decision 0005). A
run moves what it settles from there to the charity's settled balance, takes
the platform fee, and drafts a payout; the payout then walks draft ->
approved -> exported -> paid (out of the platform's clearing account, where
the merchants' collections came in) or failed (back to the settled balance).
Every account is (kind, owner, currency); the platform's own accounts belong
to ``PLATFORM``.
"""

from __future__ import annotations

from dermawan.ledger.accounts import AccountKey
from dermawan.ledger.models import Account

PLATFORM = "platform"

# Account kinds (credit balances are owed by the platform, debit owed to it).
MERCHANT_PLEDGES = Account.MERCHANT_PLEDGES
CHARITY_PAYABLE = Account.CHARITY_PAYABLE
CHARITY_SETTLED = "charity_settled"  # settled, not yet in a payout; debit: a claw-back owed
PAYOUT_DRAFT = "payout_draft"
PAYOUT_APPROVED = "payout_approved"
PAYOUT_EXPORTED = "payout_exported"  # sent to the bank, not yet confirmed
PLATFORM_CLEARING = "platform_clearing"  # the platform's bank: collections in, payouts out
PLATFORM_FEES = "platform_fees"

# Transaction kinds (ledger_transaction.kind is 20 characters at most).
COLLECTED = "collected"
SETTLED = "settled"
FEE = "fee"
DRAFTED = "payout_drafted"
APPROVED = "payout_approved"
EXPORTED = "payout_exported"
PAID = "payout_paid"
FAILED = "payout_failed"


def payable(charity_id: str, currency: str) -> AccountKey:
    return (CHARITY_PAYABLE, charity_id, currency)


def settled(charity_id: str, currency: str) -> AccountKey:
    return (CHARITY_SETTLED, charity_id, currency)


def clearing(currency: str) -> AccountKey:
    return (PLATFORM_CLEARING, PLATFORM, currency)


def fees(currency: str) -> AccountKey:
    return (PLATFORM_FEES, PLATFORM, currency)


def pledges(merchant_id: str, currency: str) -> AccountKey:
    return (MERCHANT_PLEDGES, merchant_id, currency)


# The account a payout sits on in each of its states.
PAYOUT_STATE_ACCOUNTS = {"draft": PAYOUT_DRAFT, "approved": PAYOUT_APPROVED,
                         "exported": PAYOUT_EXPORTED}  # fmt: skip


def payout_account(state: str, charity_id: str, currency: str) -> AccountKey:
    return (PAYOUT_STATE_ACCOUNTS[state], charity_id, currency)
